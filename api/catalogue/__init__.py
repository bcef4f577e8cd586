"""The three lists: inspection items (涉企检查事项清单), joint-inspection scenarios (联合检查场景清单)
and the 无事不扰 library — versioned, importable and exportable."""

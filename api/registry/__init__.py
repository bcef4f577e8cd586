"""The registry: units (执法主体), certified inspectors (执法人员) and enterprises (统一社会信用代码)."""

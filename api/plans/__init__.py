"""Annual plans (年规划), monthly schedules (月计划): building, editing, approval, publication, filing from a task."""

"""Plan logic: working-day calendar, caps and joint-visit matching (pure functions, no I/O)."""

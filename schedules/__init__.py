"""Plan logic: working-day calendar, caps and joint-visit matching (pure functions, no I/O).

The monthly schedule builder, as plain functions over plain frozen dataclasses. Persistence and HTTP
live elsewhere and call in with data loaded from the database:

- ``build_month(year, month, entries, enterprises, items, scenarios, history, extra_tasks, config,
  *, calendar=None, today=None)`` -> ``BuildResult`` (visits with windows after ``today`` and
  explanations, overflow to the next month that can take it, dropped work, shortfalls of yearly
  frequencies, joint rates). ``history`` covers every other month of the year, earlier or later,
  including ``entry_tasks`` and ``built_months`` (see ``model.History`` and ``spread``). Feed
  ``carry_over(result.overflow)`` into the build of ``(to_year, to_month)`` (``overflow_target``).
- ``validate_schedule(year, month, visits, ..., calendar=None, today=None)`` /
  ``validate_edit(year, month, before, after, ...)`` -> ``list[Violation]`` after a planner's edits
  (``move_visit``, ``split_visit``, ``unmerge_task``, ``merge_visits``, ``cancel_task``, then
  ``replace_visits``).
- ``WorkCalendar(years)`` of ``YearCalendar`` s (the holiday table; a missing year falls back to
  ``provisional_year(year)``), seeded from ``official_years_from_package()``; ``working_days(year, month)``
  and friends take an optional ``calendar`` (default: ``default_calendar()``). ``CalendarUnavailable`` is
  kept for old imports and no longer raised.

Modules: ``model`` (data), ``calendar`` (working days, quiet days, windows), ``spread`` (due months,
caps, exclusions), ``targeting`` (plan entry -> enterprises), ``matching`` (optimal joint grouping),
``placement`` (windows), ``builder``, ``explain``, ``validation``, ``edits``.
"""

from schedules.builder import build_month, carry_over, next_month, overflow_target
from schedules.calendar import (
    CalendarUnavailable,
    WorkCalendar,
    YearCalendar,
    allowed_days,
    day_off_reason,
    default_calendar,
    is_working_day,
    official_years_from_package,
    provisional_year,
    spread_windows,
    supported_years,
    working_days,
)
from schedules.edits import cancel_task, merge_visits, move_visit, replace_visits, split_visit, unmerge_task
from schedules.model import (
    BuildConfig,
    BuildResult,
    Dropped,
    EnterpriseInfo,
    ExtraTask,
    History,
    ItemInfo,
    Overflow,
    PlanEntry,
    PlanKind,
    ScenarioInfo,
    Shortfall,
    SourceKind,
    TargetSelector,
    Task,
    TaskSource,
    Visit,
)
from schedules.validation import Violation, validate_edit, validate_schedule

__all__ = [
    "BuildConfig",
    "BuildResult",
    "CalendarUnavailable",
    "Dropped",
    "EnterpriseInfo",
    "ExtraTask",
    "History",
    "ItemInfo",
    "Overflow",
    "PlanEntry",
    "PlanKind",
    "ScenarioInfo",
    "Shortfall",
    "SourceKind",
    "TargetSelector",
    "Task",
    "TaskSource",
    "Violation",
    "Visit",
    "WorkCalendar",
    "YearCalendar",
    "allowed_days",
    "build_month",
    "cancel_task",
    "carry_over",
    "day_off_reason",
    "default_calendar",
    "is_working_day",
    "merge_visits",
    "move_visit",
    "next_month",
    "official_years_from_package",
    "overflow_target",
    "provisional_year",
    "replace_visits",
    "split_visit",
    "spread_windows",
    "supported_years",
    "unmerge_task",
    "validate_edit",
    "validate_schedule",
    "working_days",
]

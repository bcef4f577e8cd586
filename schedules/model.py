"""Plain data of the monthly schedule builder: what goes in and what comes out.

Inputs (built by the persistence layer from the database, one build at a time):

- ``PlanEntry``: one line of a unit's approved annual plan (年度检查计划).
- ``EnterpriseInfo``, ``ItemInfo``, ``ScenarioInfo``: the registry and the published lists.
- ``History``: what the year already holds, *excluding the month being built* (so a rebuild of the
  month does not count its own earlier draft): cap counts, the tasks of each plan entry on each
  enterprise, and which other months of the year are built (see ``History``).
- ``ExtraTask``: approved triggered or 专项 tasks for the month, and tasks carried over from the
  previous month's overflow (see ``builder.carry_over``).
- ``BuildConfig``: the configurable caps and calendar rules.

Outputs: ``Task`` (one unit's items on one enterprise), grouped into ``Visit`` s (one trip to the
enterprise; joint when it carries tasks of several units), ``Overflow`` (tasks moved to the next month
that can take them), ``Dropped`` (work a rule removed), ``Shortfall`` (an entry's yearly frequency that
can no longer be met on an enterprise, with the reason) and ``BuildResult`` with the joint-rate figures.

Counting conventions used everywhere (builder and validator alike):

- the per-unit yearly cap counts *on-site* visits of the unit to the enterprise; a joint visit counts
  once for each of its units. Non-site inspections do not disturb the enterprise and do not count;
- the per-item yearly cap counts every inspection of the item, on-site or non-site;
- the monthly limit counts on-site visits to the enterprise, a joint visit once;
- triggered tasks (投诉举报, 转办交办 …) are never refused for caps, limits, quiet days, the whitelist or
  无事不扰: they are counted, and explanations warn when they pass a cap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from api.i18n import Message
from models.enums import ItemCategory


class PlanKind(StrEnum):
    routine = "routine"  # 日常检查
    special = "special"  # 专项检查


class SourceKind(StrEnum):
    """Why a task exists; also its priority when caps or the monthly limit force a choice."""

    triggered = "triggered"  # approved triggered task: kept whatever the limits
    carried_over = "carried_over"  # overflow of an earlier month: placed before new work
    special = "special"
    routine = "routine"


# Lower rank = admitted first, so it wins cap slots and the monthly limit.
SOURCE_RANK: dict[SourceKind, int] = {
    SourceKind.triggered: 0,
    SourceKind.carried_over: 1,
    SourceKind.special: 2,
    SourceKind.routine: 3,
}


@dataclass(frozen=True, slots=True)
class TargetSelector:
    """Which enterprises an entry targets. Every criterion given must hold; an empty selector targets all.

    ``industry_prefixes``: the enterprise's industry code starts with one of them (GB/T 4754, e.g. "C26").
    ``risk_grades``: the enterprise's risk grade is one of them. ``usccs``: a named list.
    """

    industry_prefixes: tuple[str, ...] = ()
    risk_grades: tuple[str, ...] = ()
    above_scale_only: bool = False
    usccs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanEntry:
    unit_id: int
    entry_id: str
    item_codes: tuple[str, ...]
    selector: TargetSelector
    frequency: int  # times per year per enterprise; spread over the months
    kind: PlanKind = PlanKind.routine
    onsite: bool = True


@dataclass(frozen=True, slots=True)
class EnterpriseInfo:
    uscc: str
    industry_code: str
    risk_grade: str = "low"
    above_scale: bool = False
    whitelisted: bool = False  # 白名单: no routine on-site inspection, like 无事不扰 items


@dataclass(frozen=True, slots=True)
class ItemInfo:
    code: str
    unit_id: int
    yearly_cap: int = 1  # inspections of this item per enterprise per year
    category: str = ItemCategory.random_check
    nonsite_capable: bool = False


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    """A published joint-inspection scenario (联合检查场景). Empty ``industry_prefixes`` = any industry."""

    code: str
    lead_unit_id: int
    item_codes: frozenset[str]
    unit_ids: frozenset[int]
    industry_prefixes: tuple[str, ...] = ()

    def applies_to(self, industry_code: str) -> bool:
        return not self.industry_prefixes or industry_code.startswith(self.industry_prefixes)


@dataclass(frozen=True)
class History:
    """The year so far, without the month being built (done, filed or already scheduled visits).

    - ``unit_visits``, ``item_inspections``, ``onsite_visits_by_month``: the cap and limit counts
      (see the counting conventions above), over every other month of the year, earlier or later.
    - ``entry_tasks``: (uscc, plan entry id) -> tasks of that entry on that enterprise in the *other*
      months of the year: scheduled in a built month (draft or published) or already done, not
      cancelled. A task counts once for every entry in its ``Task.entry_ids`` (a carried-over task
      counts for the entries it was carried for, in the month that schedules it; a month's overflow
      is not its task). This is what the remaining-frequency rule subtracts.
    - ``built_months``: the other months of the year that have a schedule (draft or published), whose
      tasks ``entry_tasks`` counts; they take no more of an entry's work (see ``spread``).

    Old callers that fill neither of the last two get the fixed due months of the entries, as before.
    """

    unit_visits: Mapping[tuple[str, int], int] = field(default_factory=dict)  # (uscc, unit_id) -> on-site visits
    item_inspections: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (uscc, item) -> inspections
    onsite_visits_by_month: Mapping[tuple[str, int], int] = field(default_factory=dict)  # (uscc, month) -> visits
    entry_tasks: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (uscc, entry_id) -> tasks
    built_months: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class ExtraTask:
    """An approved task outside the annual plan: triggered, 专项, or carried over from last month.

    ``entry_ids``: the plan entries a carried-over task was due for (``builder.carry_over`` fills it),
    so the task counts towards their yearly frequency; empty for triggered and 专项 tasks.
    """

    task_id: str
    uscc: str
    unit_id: int
    item_codes: tuple[str, ...]
    kind: SourceKind
    onsite: bool = True
    note: Message = ""
    entry_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildConfig:
    unit_yearly_cap: int = 2  # on-site visits per unit per enterprise per year
    max_onsite_visits_per_month: int = 1  # per enterprise, a joint visit counting once
    quiet_days: frozenset[int] = frozenset()  # days of the month without planned visits, e.g. 1..15
    quiet_exempt_categories: frozenset[str] = frozenset()  # a visit whose items are all of these may use them
    window_days: int = 1  # a window spans this many allowed days, starting on the assigned day
    # 撮合 at planning time: entries a scenario could join share their months on an enterprise (see spread).
    align_joinable_entries: bool = False


@dataclass(frozen=True, slots=True)
class TaskSource:
    kind: SourceKind
    ref: str  # plan entry id or extra task id
    detail: Message  # which plan entry or extra task, and why this month
    entry_ids: tuple[str, ...] = ()  # the plan entries this source serves: (ref,) for a plan entry


@dataclass(frozen=True, slots=True)
class Task:
    """One unit's items on one enterprise in one month."""

    year: int
    month: int
    uscc: str
    unit_id: int
    item_codes: tuple[str, ...]
    onsite: bool
    sources: tuple[TaskSource, ...]
    explanation: Message

    @property
    def triggered(self) -> bool:
        return any(source.kind == SourceKind.triggered for source in self.sources)

    @property
    def entry_ids(self) -> tuple[str, ...]:
        """The plan entries this task counts for (``History.entry_tasks``), sorted."""
        return tuple(sorted({entry for source in self.sources for entry in source.entry_ids}))


@dataclass(frozen=True, slots=True)
class Visit:
    """One trip to the enterprise (or, with ``onsite=False``, one non-site inspection)."""

    uscc: str
    tasks: tuple[Task, ...]
    lead_unit_id: int
    scenario_code: str | None
    window_start: dt.date
    window_end: dt.date
    onsite: bool
    explanation: Message

    @property
    def unit_ids(self) -> tuple[int, ...]:
        return tuple(sorted({task.unit_id for task in self.tasks}))

    @property
    def is_joint(self) -> bool:
        return self.onsite and len(self.tasks) >= 2

    @property
    def triggered(self) -> bool:
        return any(task.triggered for task in self.tasks)


@dataclass(frozen=True, slots=True)
class Overflow:
    """A task moved to ``(to_year, to_month)``: the first month after the built one with a working day
    after ``today`` (the next month, or January of the next year after December)."""

    task: Task
    to_year: int
    to_month: int
    reason: Message


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A plan entry's yearly frequency that can no longer be met on an enterprise, as this build sees it.

    ``wanted``: the entry's frequency; ``planned``: its tasks on the enterprise this year (other months,
    plus this build's when it is placed or moved to a later month of the year); ``missing``: the tasks
    this build knows cannot be placed (months too few, this month's task refused by a rule or moved past
    December); ``reason``: why, in words.
    """

    uscc: str
    unit_id: int
    entry_id: str
    wanted: int
    planned: int
    missing: int
    reason: Message


@dataclass(frozen=True, slots=True)
class Dropped:
    """Work a rule removed (cap used, whitelist, unknown item …); ``item_codes`` are the items removed."""

    uscc: str
    unit_id: int
    item_codes: tuple[str, ...]
    source: TaskSource
    reason: Message


@dataclass(frozen=True)
class BuildResult:
    """One month's build. ``calendar_provisional``: the month's working days come from a provisional year
    (no 调休 known yet): rebuild once the official schedule is in the calendar."""

    year: int
    month: int
    visits: tuple[Visit, ...]
    overflow: tuple[Overflow, ...]
    dropped: tuple[Dropped, ...]
    shortfalls: tuple[Shortfall, ...] = ()
    calendar_provisional: bool = False

    @property
    def tasks(self) -> tuple[Task, ...]:
        return tuple(task for visit in self.visits for task in visit.tasks)

    @property
    def onsite_visits(self) -> tuple[Visit, ...]:
        return tuple(visit for visit in self.visits if visit.onsite)

    @property
    def onsite_task_count(self) -> int:
        return sum(len(visit.tasks) for visit in self.onsite_visits)

    @property
    def joint_task_rate(self) -> float:
        """Tasks in joint visits / all on-site tasks (0.0 when there are none)."""
        total = self.onsite_task_count
        return sum(len(v.tasks) for v in self.visits if v.is_joint) / total if total else 0.0

    @property
    def joint_visit_rate(self) -> float:
        """Joint visits / all on-site visits (0.0 when there are none)."""
        onsite = self.onsite_visits
        return sum(1 for v in onsite if v.is_joint) / len(onsite) if onsite else 0.0

"""Annual plans, monthly schedules, planner edits, publication and filing from a task."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from api.pagination import Code, Reason
from models.enums import RiskGrade
from schedules import PlanKind

AwareDatetime = Annotated[dt.datetime, msgspec.Meta(tz=True)]
Prefix = Annotated[str, msgspec.Meta(min_length=1, max_length=8, pattern=r"^[A-Z0-9]+$")]
UsccText = Annotated[str, msgspec.Meta(min_length=18, max_length=18)]
Note = Annotated[str, msgspec.Meta(max_length=1000)]


# -- annual plans (年度检查计划) ----------------------------------------------------------------------------------
class PlanEntryIn(msgspec.Struct, forbid_unknown_fields=True):
    """Item(s) of the unit × target selector × frequency (times per year per enterprise) × kind × mode.

    Every selector criterion given must hold; an empty selector targets every enterprise.
    """

    item_codes: Annotated[list[Code], msgspec.Meta(min_length=1, max_length=20)]
    frequency: Annotated[int, msgspec.Meta(ge=1, le=52)]
    kind: PlanKind = PlanKind.routine
    onsite: bool = True
    industry_prefixes: Annotated[list[Prefix], msgspec.Meta(max_length=50)] = []
    risk_grades: Annotated[list[RiskGrade], msgspec.Meta(max_length=3)] = []
    above_scale_only: bool = False
    usccs: Annotated[list[UsccText], msgspec.Meta(max_length=1000)] = []
    note: Note = ""
    # Keep an entry's number across amendments (its months are hashed on it); new entries get the next free one.
    entry_no: Annotated[int, msgspec.Meta(ge=1, le=100_000)] | None = None


class PlanEntryRead(msgspec.Struct, kw_only=True):
    entry_no: int
    entry_id: str  # what the schedule's task sources name
    item_codes: list[str]
    frequency: int
    kind: PlanKind
    onsite: bool
    industry_prefixes: list[str]
    risk_grades: list[str]
    above_scale_only: bool
    usccs: list[str]
    note: str


Entries = Annotated[list[PlanEntryIn], msgspec.Meta(max_length=500)]


class AnnualPlanCreate(msgspec.Struct, forbid_unknown_fields=True):
    year: Annotated[int, msgspec.Meta(ge=2000, le=2100)]
    entries: Entries = []
    unit_code: Code | None = None  # admins name the unit; a planner's is its own


class EntriesReplace(msgspec.Struct, forbid_unknown_fields=True):
    entries: Entries


class AmendRequest(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason
    entries: Entries | None = None  # None: start from the amended version's entries


class ReasonRequest(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class AnnualPlanRead(msgspec.Struct, kw_only=True):
    id: int
    unit_code: str
    unit_name: str
    year: int
    version: int
    status: str  # draft | submitted | approved | filed | published
    in_force: bool  # the version the schedule builder uses for the unit's year
    amends: int | None
    amendment_reason: str
    return_reason: str
    filing_deadline: dt.date
    late: bool
    created_by: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    approved_by: str | None
    approved_at: dt.datetime | None
    filed_by: str | None
    filed_at: dt.datetime | None
    published_at: dt.datetime | None
    entries: list[PlanEntryRead]


# -- monthly schedules (月计划) ------------------------------------------------------------------------------------
class TaskSourceRead(msgspec.Struct):
    kind: str
    ref: str
    detail: str


class PlanTaskRead(msgspec.Struct, kw_only=True):
    id: int
    unit_code: str
    item_codes: list[str]
    onsite: bool
    status: str
    explanation: str
    sources: list[TaskSourceRead]


class PlanVisitRead(msgspec.Struct, kw_only=True):
    id: int
    uscc: str
    enterprise_name: str
    lead_unit_code: str
    scenario_code: str | None
    window_start: dt.date
    window_end: dt.date
    onsite: bool
    joint: bool
    explanation: str
    tasks: list[PlanTaskRead]
    status: str = "planned"  # planned | merged (into replaced_by) | cancelled
    replaced_by: int | None = None
    calendar_flag: str = ""  # set when an official calendar loaded later makes the window a day off


class JointRates(msgspec.Struct, kw_only=True):
    onsite_tasks: int
    tasks_in_joint_visits: int
    joint_task_rate: float | None  # tasks in joint visits / all on-site tasks
    onsite_visits: int
    joint_visits: int
    joint_visit_rate: float | None  # joint visits / all on-site visits
    nonsite_tasks: int


class ApprovalRead(msgspec.Struct):
    unit_code: str
    approved_by: str
    approved_at: dt.datetime


class CarriedRead(msgspec.Struct, kw_only=True):
    uscc: str
    unit_code: str
    item_codes: list[str]
    onsite: bool
    to_period: str
    note: str


class DroppedRead(msgspec.Struct, kw_only=True):
    uscc: str
    unit_code: str
    item_codes: list[str]
    source_kind: str
    source_ref: str
    reason: str


class ShortfallRead(msgspec.Struct, kw_only=True):
    """A plan entry's yearly frequency this build could not meet on an enterprise, and why."""

    uscc: str
    unit_code: str
    entry_id: str
    wanted: int
    planned: int
    missing: int
    reason: str


class ScheduleRead(msgspec.Struct, kw_only=True):
    period: str
    status: str  # draft | published
    # The month's working days come from a provisional year (no official 放假安排 known yet): publishing it
    # needs the supervisor's confirmation, and loading the official year later flags the visits it moves.
    provisional: bool
    built_by: str | None
    built_at: dt.datetime | None
    build_seconds: float
    config: dict[str, object]
    published_by: str | None
    published_at: dt.datetime | None
    rates: JointRates
    approvals: list[ApprovalRead]
    units_pending: list[str]  # units with tasks that have not approved yet
    visits: list[PlanVisitRead]
    total_visits: int
    carried_over: list[CarriedRead]
    total_carried_over: int
    dropped: list[DroppedRead]
    total_dropped: int
    shortfalls: list[ShortfallRead]
    total_shortfalls: int
    flagged_visits: int  # visits whose window an official calendar loaded later made a day off
    limit: int
    offset: int


class PublishMonthRequest(msgspec.Struct, forbid_unknown_fields=True):
    """``confirm_provisional``: publish a month whose holiday calendar is still provisional."""

    confirm_provisional: bool = False


class MoveRequest(msgspec.Struct, forbid_unknown_fields=True):
    window_start: dt.date
    window_end: dt.date | None = None


class SplitRequest(msgspec.Struct, forbid_unknown_fields=True):
    parts: Annotated[list[Annotated[list[Code], msgspec.Meta(min_length=1)]], msgspec.Meta(min_length=1, max_length=10)]


class MergeRequest(msgspec.Struct, forbid_unknown_fields=True):
    visit_ids: Annotated[list[int], msgspec.Meta(min_length=2, max_length=10)]
    scenario_code: Code | None = None


class EditResult(msgspec.Struct, kw_only=True):
    period: str
    removed_visit_ids: list[int]  # visits merged into another or emptied (their ids still answer, with status)
    visits: list[PlanVisitRead]  # the visits after the edit: an edited visit keeps its id, a split adds new ones
    cancelled_task_ids: list[int]


class ApproveMonthRequest(msgspec.Struct, forbid_unknown_fields=True):
    unit_code: Code | None = None  # admins name the unit; an approver approves its own


class FileTaskRequest(msgspec.Struct, forbid_unknown_fields=True):
    inspector_ids: Annotated[list[int], msgspec.Meta(min_length=1, max_length=20)]
    window_start: AwareDatetime | None = None  # default: the task's first day, 09:00–17:00 local time
    window_end: AwareDatetime | None = None


# -- publication -------------------------------------------------------------------------------------------------
class PublicVisitRead(msgspec.Struct, kw_only=True):
    """One planned on-site visit of an above-scale enterprise: nothing about inspectors."""

    enterprise_name: str
    uscc: str
    units: list[str]
    items: list[str]
    week: int  # ISO week of the window's first day
    window_start: dt.date
    window_end: dt.date
    joint: bool


class PublicScheduleRead(msgspec.Struct, kw_only=True):
    period: str
    published_at: dt.datetime | None
    visits: list[PublicVisitRead]  # one page: ``limit`` visits from ``offset``, of ``total``
    total: int = 0
    limit: int = 0
    offset: int = 0


class UpcomingVisitRead(msgspec.Struct, kw_only=True):
    period: str
    units: list[str]
    items: list[str]
    window_start: dt.date
    window_end: dt.date
    onsite: bool
    joint: bool


class UpcomingRead(msgspec.Struct, kw_only=True):
    uscc: str
    ics_url: str  # the enterprise's private calendar feed (the token in it is a secret)
    visits: list[UpcomingVisitRead]


# -- approved extra tasks of a month (triggered / 专项) -------------------------------------------------------------
class ExtraTaskCreate(msgspec.Struct, forbid_unknown_fields=True):
    """An approved triggered (投诉举报, 转办交办 …, ``trigger_ref`` required) or 专项 task for the month."""

    uscc: UsccText
    item_codes: Annotated[list[Code], msgspec.Meta(min_length=1, max_length=20)]
    kind: Literal["triggered", "special"]
    onsite: bool = True
    trigger_ref: Annotated[str, msgspec.Meta(max_length=120)] = ""
    note: Note = ""
    unit_code: Code | None = None  # admins name the unit; a planner's is its own


class ExtraTaskRead(msgspec.Struct, kw_only=True):
    id: int
    task_id: str  # what the schedule's task sources name
    period: str
    unit_code: str
    uscc: str
    item_codes: list[str]
    kind: str
    onsite: bool
    trigger_ref: str
    note: str
    created_by: str
    created_at: dt.datetime


# -- the holiday calendar (放假安排) ------------------------------------------------------------------------------
DayName = Annotated[str, msgspec.Meta(max_length=200)]


class CalendarDayIn(msgspec.Struct, forbid_unknown_fields=True):
    date: dt.date
    name: DayName = ""


class CalendarYearWrite(msgspec.Struct, forbid_unknown_fields=True):
    """A year's official schedule: the days off (holidays, 调休 days off) and the 调休 make-up working days.

    Every other day follows the week (Monday–Friday worked). ``source`` says where it comes from.
    """

    days_off: Annotated[list[CalendarDayIn], msgspec.Meta(max_length=366)]
    extra_workdays: Annotated[list[CalendarDayIn], msgspec.Meta(max_length=366)] = []
    source: Annotated[str, msgspec.Meta(max_length=120)] = ""


class CalendarDayRead(msgspec.Struct):
    date: dt.date
    name: str


class CalendarYearRead(msgspec.Struct, kw_only=True):
    year: int
    provisional: bool  # no official schedule is known: weekends and the fixed statutory holidays, no 调休
    origin: str  # database | package | provisional
    source: str
    loaded_by: str | None
    loaded_at: dt.datetime | None
    days_off: list[CalendarDayRead]
    extra_workdays: list[CalendarDayRead]


class FlaggedVisitRead(msgspec.Struct, kw_only=True):
    """A planned visit whose window the official calendar made a day off: its planners should move it."""

    visit_id: int
    period: str
    status: str  # the month's: draft | published
    uscc: str
    lead_unit_code: str
    unit_codes: list[str]
    window_start: dt.date
    window_end: dt.date
    flag: str


class CalendarLoadRead(msgspec.Struct, kw_only=True):
    calendar: CalendarYearRead
    flagged: list[FlaggedVisitRead]

"""Plans: annual plans (年度检查计划) with their entries, and monthly schedules (月计划) with tasks and visits.

A monthly schedule's rows are written in bulk (``api.plans.bulk``): tasks point at their visit by
``(schedule, visit_seq)`` rather than by a foreign key, so a whole month goes in without a round trip for ids.
Enterprises are referenced by USCC (the registry's business key), units by foreign key.
"""

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from models.tables import Unit


class AnnualPlan(Table, tablename="annual_plan"):
    """One version of one unit's plan for one year; an amendment after filing is a new version."""

    id = Serial(primary_key=True)
    unit = ForeignKey(Unit, index=True)
    year = Integer(index=True)
    version = Integer(default=1)
    status = Varchar(length=16, index=True)  # draft | submitted | approved | filed | published
    amends = Integer(null=True, default=None)  # id of the version this one amends
    amendment_reason = Text(default="")
    return_reason = Text(default="")  # why the approver sent it back to draft
    filing_deadline = Date(null=True, default=None)
    late = Boolean(default=False)  # filed after the deadline
    created_by = Varchar(length=64)
    created_at = Timestamptz(default=None)
    submitted_by = Varchar(length=64, null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    approved_by = Varchar(length=64, null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    filed_by = Varchar(length=64, null=True, default=None)
    filed_at = Timestamptz(null=True, default=None)
    published_by = Varchar(length=64, null=True, default=None)
    published_at = Timestamptz(null=True, default=None)


class AnnualPlanEntry(Table, tablename="annual_plan_entry"):
    """Item(s) × target selector × frequency × kind × on-site/non-site. ``entry_no`` survives amendments."""

    id = Serial(primary_key=True)
    plan = ForeignKey(AnnualPlan, index=True)
    entry_no = Integer()
    item_codes = JSON(default=[])
    industry_prefixes = JSON(default=[])
    risk_grades = JSON(default=[])
    above_scale_only = Boolean(default=False)
    usccs = JSON(default=[])
    frequency = Integer()
    kind = Varchar(length=16)  # routine (日常) | special (专项)
    onsite = Boolean(default=True)
    note = Text(default="")


class ScheduleMonth(Table, tablename="schedule_month"):
    """The district's schedule of one month: draft (built, edited, approved per unit) → published."""

    id = Serial(primary_key=True)
    period = Varchar(length=7, unique=True)  # "2026-10"
    year = Integer(index=True)
    month = Integer()
    status = Varchar(length=16, index=True)  # draft | published
    built_by = Varchar(length=64, null=True, default=None)
    built_at = Timestamptz(null=True, default=None)
    build_seconds = DoublePrecision(default=0.0)
    config = JSON(default={})
    published_by = Varchar(length=64, null=True, default=None)
    published_at = Timestamptz(null=True, default=None)


class ScheduleApproval(Table, tablename="schedule_approval"):
    id = Serial(primary_key=True)
    schedule = ForeignKey(ScheduleMonth, index=True)
    unit = ForeignKey(Unit, index=True)
    approved_by = Varchar(length=64)
    approved_at = Timestamptz(default=None)


class PlanVisit(Table, tablename="plan_visit"):
    """One planned trip (or non-site inspection); joint when it carries tasks of several units."""

    id = Serial(primary_key=True)
    schedule = ForeignKey(ScheduleMonth, index=True)
    seq = Integer()
    uscc = Varchar(length=18, index=True)
    lead_unit = ForeignKey(Unit)
    scenario_code = Varchar(length=32, null=True, default=None)
    window_start = Date(default=None)
    window_end = Date(default=None)
    onsite = Boolean(default=True)
    explanation = Text(default="")
    # planned | merged (into ``replaced_by``) | cancelled: an id once handed out keeps answering.
    status = Varchar(length=16, default="planned")
    replaced_by = Integer(null=True, default=None)
    # Set when an official holiday calendar loaded after the build makes the window a day off.
    calendar_flag = Text(default="")


class PlanTask(Table, tablename="plan_task"):
    """One unit's items on one enterprise in the month; ``status`` planned | cancelled."""

    id = Serial(primary_key=True)
    schedule = ForeignKey(ScheduleMonth, index=True)
    visit_seq = Integer(null=True, default=None)
    uscc = Varchar(length=18, index=True)
    unit = ForeignKey(Unit, index=True)
    item_codes = JSON(default=[])
    onsite = Boolean(default=True)
    status = Varchar(length=16, default="planned")
    sources = JSON(default=[])
    explanation = Text(default="")
    # The unit whose planner last edited the task's visit (0: an admin); a rebuild by another unit keeps it.
    edited_by_unit = Integer(null=True, default=None)


class PlanCarry(Table, tablename="plan_carry"):
    """A task moved out of ``schedule``'s month: an extra task of the month (year, month) it moves to."""

    id = Serial(primary_key=True)
    schedule = ForeignKey(ScheduleMonth, index=True)
    year = Integer()
    month = Integer()
    task_key = Varchar(length=120)
    uscc = Varchar(length=18)
    unit = ForeignKey(Unit)
    item_codes = JSON(default=[])
    kind = Varchar(length=16)
    onsite = Boolean(default=True)
    note = Text(default="")
    entry_ids = JSON(default=[])  # the plan entries the task counts for once a month schedules it


class PlanExtraTask(Table, tablename="plan_extra_task"):
    """An approved triggered or 专项 task a unit's planner adds to the month (year, month) for the builder."""

    id = Serial(primary_key=True)
    year = Integer(index=True)
    month = Integer()
    unit = ForeignKey(Unit, index=True)
    uscc = Varchar(length=18)
    item_codes = JSON(default=[])
    kind = Varchar(length=16)  # triggered | special
    onsite = Boolean(default=True)
    trigger_ref = Varchar(length=120, default="")  # 投诉举报/转办交办 reference of a triggered task
    note = Text(default="")
    created_by = Varchar(length=64)
    created_at = Timestamptz(default=None)


class PlanDropped(Table, tablename="plan_dropped"):
    """Work a rule removed from the month (cap used, whitelist, 无事不扰 …), with the reason."""

    id = Serial(primary_key=True)
    schedule = ForeignKey(ScheduleMonth, index=True)
    uscc = Varchar(length=18)
    unit = ForeignKey(Unit)
    item_codes = JSON(default=[])
    source_kind = Varchar(length=16)
    source_ref = Varchar(length=120)
    reason = Text(default="")


class PlanShortfall(Table, tablename="plan_shortfall"):
    """A plan entry's yearly frequency the month's build saw could not be met on an enterprise, and why."""

    id = Serial(primary_key=True)
    schedule = ForeignKey(ScheduleMonth, index=True)
    uscc = Varchar(length=18)
    unit = ForeignKey(Unit)
    entry_id = Varchar(length=64)
    wanted = Integer()
    planned = Integer()
    missing = Integer()
    reason = Text(default="")


class CalendarYear(Table, tablename="calendar_year"):
    """A year of the official holiday schedule (放假安排) held in the database; its days are ``CalendarDay``.

    A year without a row here is taken from the installed package data, or formed provisionally.
    """

    id = Serial(primary_key=True)
    year = Integer(unique=True)
    source = Varchar(length=120, default="")
    loaded_by = Varchar(length=64, default="")
    loaded_at = Timestamptz(default=None)


class CalendarDay(Table, tablename="calendar_day"):
    """One named day of a year's schedule: ``off`` (holiday, 调休 day off) or ``work`` (调休 make-up day)."""

    id = Serial(primary_key=True)
    year = Integer(index=True)
    day = Date(default=None, unique=True)
    kind = Varchar(length=8)
    name = Text(default="")


PLAN_TABLES: list[type[Table]] = [
    AnnualPlan,
    AnnualPlanEntry,
    ScheduleMonth,
    ScheduleApproval,
    PlanVisit,
    PlanTask,
    PlanCarry,
    PlanExtraTask,
    PlanDropped,
    PlanShortfall,
    CalendarYear,
    CalendarDay,
]

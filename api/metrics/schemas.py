"""The supervisor's metrics (监督指标) for a period: see ``api.metrics.service`` for every definition."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec


class PeriodRead(msgspec.Struct):
    kind: str  # month | quarter | year | custom
    label: str
    start: dt.date
    end: dt.date  # exclusive: the first day after the period
    last_day: dt.date
    last_year_start: dt.date
    last_year_end: dt.date  # exclusive
    # The last day of this period that year on year compares: today while the period is still running.
    compared_last_day: dt.date


class YearOnYear(msgspec.Struct):
    current: int
    last_year: int
    change_ratio: float | None  # (current − last_year) / last_year; null when last_year is 0
    change_percent: float | None  # change_ratio × 100, one decimal


class Inspections(msgspec.Struct):
    onsite: int
    joint: int
    nonsite: int
    total: int
    yoy_onsite: YearOnYear
    yoy_nonsite: YearOnYear
    yoy_total: YearOnYear


class Rates(msgspec.Struct):
    joint_rate: float | None
    checked_out: int
    checked_out_with_scan: int
    scan_rate: float | None
    nonsite_share: float | None
    plan_execution_rate: float | None
    plan_execution_note: str | None


class UnitMetrics(msgspec.Struct):
    unit_code: str
    unit_name: str
    onsite: int
    joint: int
    checked_out: int
    checked_out_with_scan: int
    nonsite: int
    total: int
    joint_rate: float | None
    scan_rate: float | None
    nonsite_share: float | None
    last_year_total: int
    yoy_percent: float | None


class MonthPoint(msgspec.Struct):
    month: int  # 1–12
    onsite: int
    nonsite: int
    last_year_onsite: int
    last_year_nonsite: int


class MonthlySeries(msgspec.Struct):
    year: int
    last_year: int
    months: list[MonthPoint]


class FrequencyWarning(msgspec.Struct):
    kind: Literal["day", "week", "month"]
    uscc: str
    enterprise_name: str
    bucket_start: dt.date  # the local day, the Monday of the ISO week, or the first of the month
    visits: int
    limit: int
    link: str


class FrequencyCounts(msgspec.Struct):
    day: int  # distinct enterprises over the daily limit
    week: int
    month: int


class CapReached(msgspec.Struct):
    uscc: str
    enterprise_name: str
    unit_code: str
    year: int
    visits: int
    cap: int
    exceeded: bool
    link: str


class LowYieldStreak(msgspec.Struct):
    uscc: str
    enterprise_name: str
    unit_code: str
    year: int
    streak: int
    first_window_start: dt.datetime
    last_window_start: dt.datetime
    link: str


class EmergencyOverdue(msgspec.Struct):
    visit_id: int
    uscc: str
    enterprise_name: str
    lead_unit_code: str
    window_start: dt.datetime
    approval_due_at: dt.datetime
    link: str


class UnfiledAttemptRow(msgspec.Struct):
    id: int
    at: dt.datetime
    username: str
    inspector_id: int | None
    uscc: str
    reason: str


class UnfiledAttempts(msgspec.Struct):
    count: int
    latest: list[UnfiledAttemptRow]  # newest first, at most 50
    list_link: str


class BackfilledScan(msgspec.Struct):
    scan_id: int
    visit_id: int
    kind: str
    at: dt.datetime
    reason: str
    link: str


class BackfilledScans(msgspec.Struct):
    count: int
    latest: list[BackfilledScan]  # newest first, at most 50


class OffsiteScan(msgspec.Struct):
    scan_id: int
    visit_id: int
    kind: str
    at: dt.datetime
    problem: str  # no_position | poor_accuracy | mock_location
    link: str


class OffsiteScans(msgspec.Struct):
    """Scans that do not prove presence on site: recorded, not counted in the 扫码入企 rate."""

    count: int
    latest: list[OffsiteScan]  # newest first, at most 50


class Warnings(msgspec.Struct):
    frequency: FrequencyCounts
    frequency_rows: list[FrequencyWarning]
    caps_reached: list[CapReached]
    low_yield: list[LowYieldStreak]
    emergency_overdue: list[EmergencyOverdue]
    unfiled_attempts: UnfiledAttempts
    backfilled_scans: BackfilledScans
    offsite_scans: OffsiteScans


class ComplaintMetrics(msgspec.Struct):
    total: int
    by_status: dict[str, int]
    overdue: int


class RatingMetrics(msgspec.Struct):
    count: int
    average: float | None
    distribution: dict[int, int]


class Metrics(msgspec.Struct):
    period: PeriodRead
    unit_code: str | None
    generated_at: dt.datetime
    inspections: Inspections
    rates: Rates
    units: list[UnitMetrics]
    monthly: MonthlySeries
    warnings: Warnings
    # Supervisors and admins only: null for unit roles, whose figures are listed in ``hidden``.
    complaints: ComplaintMetrics | None
    ratings: RatingMetrics | None
    hidden: list[str] = msgspec.field(default_factory=list)

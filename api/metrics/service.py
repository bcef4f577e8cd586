"""The supervisor's metrics (监督指标) for a period and an optional unit.

Times are local (Asia/Shanghai): a period is ``[first day 00:00, day after the last 00:00)``.
"In the period" means the named timestamp lies in that range. ``unit_code`` gives a unit's view.

| Figure | JSON field | Definition |
|---|---|---|
| Period | `period` | `YYYY-MM` (month), `YYYY-Qn` (quarter), `YYYY` (year) or custom `from`–`to` (both days included). Last year's period is the same dates one year earlier (29 Feb → 28 Feb). Default: the current month. |
| On-site inspections | `inspections.onsite` | Enforcement visits (`kind = enforcement`) that took place — status `checked_in` or `checked_out` — whose `window_start` is in the period. Filed, approved-but-never-scanned, cancelled and service visits (服务/宣传/调研/观摩/督导) do not count. A joint visit counts **once** here (once for the enterprise); in a unit view (`unit_code`), the visits the unit took part in. |
| Joint on-site inspections | `inspections.joint` | On-site inspections carried out by two or more units together. |
| Non-site inspections | `inspections.nonsite` | Non-site records (`nonsite_record`: drone, boat, camera, remote video, enforcement point) whose `started_at` is in the period; in a unit view, the unit's records. |
| Total inspections | `inspections.total` | On-site + non-site. |
| Year-on-year | `inspections.yoy_onsite`, `yoy_nonsite`, `yoy_total` | `current`, `last_year` (the same figure for last year's period), `change_ratio` = (current − last_year) / last_year (4 decimals), `change_percent` = change_ratio × 100 (1 decimal); both null when last_year is 0. |
| Joint-inspection rate | `rates.joint_rate` | Joint on-site inspections / on-site inspections (0–1, 4 decimals; null when there are none). |
| 扫码入企 rate | `rates.scan_rate` | `checked_out_with_scan / checked_out`: of the on-site inspections now `checked_out`, those checked in by a valid scan — an `arrival` scan that was not back-filled. A visit whose arrival was back-filled after an outage counts in the denominator only (back-filled scans are listed under warnings). Only a scan **on site** counts: one with a position, an accuracy no worse than `RUQI_SCAN_MAX_ACCURACY_M` and no mock-location flag (any such scan of the visit, arrival or presence); the others are recorded and listed under `warnings.offsite_scans`. A scan flagged far from the enterprise still counts (flagged, not refused); an emergency visit scanned before its approval counts. Visits still `checked_in` are in neither number. |
| Non-site share | `rates.nonsite_share` | Non-site / total inspections (null when the total is 0). |
| Plan execution rate | `rates.plan_execution_rate` | Published, non-cancelled on-site plan tasks whose window starts in the period and whose filed visit is `checked_out` / all such tasks; null (with `plan_execution_note`) when none is due. |
| Per unit | `units[]` | The figures above for each unit (all units; in a unit view only that unit): a joint visit counts once **for each** participating unit, so the rows add up to more than the on-site total. `last_year_total` and `yoy_percent` compare the unit's total with last year's period. |
| Monthly series | `monthly` | On-site and non-site inspections per local month of the calendar year of the period's last day, and of the year before (same unit filter). |
| Frequency warnings | `warnings.frequency`, `frequency_rows[]` | An enterprise with more than 1 on-site inspection in a local day, 2 in an ISO week (Monday–Sunday) or 3 in a calendar month, across all units, a joint visit counted once (the filing rule's limits). A day, week or month belongs to the period that holds its **first** day and is counted whole (so each week is reported in exactly one month). `frequency` counts distinct enterprises per kind; a unit view shows the groups the unit took part in. |
| Caps reached | `warnings.caps_reached[]` | Enterprise × unit pairs whose non-cancelled enforcement visits in the calendar year of the period's last day, with `window_start` before the period's end, reached the unit yearly cap (default 2); `exceeded` when above it (triggered visits may pass it). Counted as the filing rule counts (a joint visit counts for each unit). |
| Low yield | `warnings.low_yield[]` | 3 or more consecutive `checked_out` enforcement visits with result `no_issue` by the same unit to the same enterprise within one calendar year (ordered by `window_start`; any other result breaks the run), reported in the period holding the run's latest visit (runs are cut at the period's end). |
| Emergency approvals overdue | `warnings.emergency_overdue[]` | Emergency visits with `window_start` in the period, not cancelled, not approved, whose `approval_due_at` has passed (now). |
| Unfiled scan attempts | `warnings.unfiled_attempts` | Scans rejected because no filed, approved visit matched, at a time in the period: `count`, the newest 50, and `list_link`. In a unit view: attempts by the unit's inspectors. |
| Scans not on site | `warnings.offsite_scans` | Scans whose time is in the period without a position, with an unknown or too coarse accuracy, or with the mock-location flag: count and the newest 50 (`problem` says which). In a unit view: scans on the unit's visits. |
| Back-filled scans | `warnings.backfilled_scans` | Scans entered after an outage (`backfill`), whose scan time is in the period: count and the newest 50. In a unit view: scans on the unit's visits. |
| Complaints | `complaints` | Complaints received in the period by current status (received, verifying, determined, feedback, rectified, archived); `overdue` = not archived and `due_at` (received + 30 days) has passed now. In a unit view: complaints linked to a visit of the unit (complaints naming no visit appear only in the all-units view). **Supervisors and admins only.** |
| Ratings | `ratings` | Ratings given in the period (their own time): `count`, `average` (2 decimals, null when none), `distribution` of scores 1–5. In a unit view: ratings of visits the unit took part in. **Supervisors and admins only.** |

Who reads what: admins and supervisors read every unit and every figure. A unit's planners and approvers
read their own unit's view only (``unit_code`` defaults to it; another unit is 403), **without** complaints
and ratings: those fields are null and named in ``hidden`` (the services do not even query them).
Inspectors and enterprises get 403.
"""  # noqa: E501

from __future__ import annotations

import asyncio
import datetime as dt

from api.actor import Actor
from api.clock import LOCAL_TZ
from api.errors import Forbidden
from api.i18n import tr
from api.metrics import alerts as warn
from api.metrics import counts, totals
from api.metrics.period import Period, PeriodKind, month_period, quarter_period, year_period
from api.metrics.schemas import (
    ComplaintMetrics,
    FrequencyCounts,
    Inspections,
    Metrics,
    PeriodRead,
    Rates,
    RatingMetrics,
    Warnings,
)
from api.metrics.sql import ratio
from api.metrics.units import monthly_series, monthly_span, unit_rows, year_on_year
from api.policies import FilingPolicy
from api.registry.lookups import unit_by_code
from models.enums import Role
from models.tables import Unit

FEEDBACK_FIGURES = ["complaints", "ratings"]
UNIT_READERS = (Role.planner, Role.approver)


def period_of(start: dt.date, end: dt.date) -> Period:
    """The named period these dates make up, or a custom one."""
    for candidate in (
        month_period(start.year, start.month),
        quarter_period(start.year, (start.month - 1) // 3 + 1),
        year_period(start.year),
    ):
        if candidate.start == start and candidate.end == end:
            return candidate
    return Period(PeriodKind.custom, start, end)


async def read_metrics(
    actor: Actor, period: Period, unit_code: str | None, policy: FilingPolicy, now: dt.datetime
) -> Metrics:
    """The metrics this reader may see (see the table above for who reads what)."""
    own = None
    if actor.unit_id is not None:
        row = await Unit.select(Unit.code).where(Unit.id == actor.unit_id).first()
        own = row["code"] if row else None
    unit_code, include_feedback = scope(actor, unit_code, own)
    return await compute_metrics(
        period.start, period.end, unit_code, policy=policy, now=now, include_feedback=include_feedback
    )


async def unit_choices() -> list[tuple[str, str]]:
    """(code, name) of every unit, for pickers."""
    return [(r["code"], r["name"]) for r in await Unit.select(Unit.code, Unit.name).order_by(Unit.code)]


def scope(actor: Actor, unit_code: str | None, own_unit_code: str | None) -> tuple[str | None, bool]:
    """(the unit view to compute, whether complaints and ratings are included) for this reader."""
    if actor.sees_everything:
        return unit_code, True
    if actor.role in UNIT_READERS and actor.unit_id is not None and own_unit_code:
        if unit_code not in (None, own_unit_code):
            raise Forbidden(tr("A unit reads its own metrics only."), code="not_your_unit")
        return own_unit_code, False
    raise Forbidden(tr("Metrics are read by the supervisor, admins, and a unit's planners and approvers."))


async def compute_metrics(
    period_start: dt.date,
    period_end: dt.date,
    unit_code: str | None,
    *,
    now: dt.datetime,
    policy: FilingPolicy | None = None,
    include_feedback: bool = True,
) -> Metrics:
    """The metrics of ``[period_start, period_end)``: ``period_end`` is the day after the last (a month of November
    is 1 November to 1 December), as ``Period.end``; a named period's dates make that period, others a custom one."""
    policy = policy or FilingPolicy()
    period = period_of(period_start, period_end)
    compared = period.through(now.astimezone(LOCAL_TZ).date())
    last = compared.last_year()
    unit_id = int((await unit_by_code(unit_code))["id"]) if unit_code else None
    start, end = period.bounds()
    last_start, last_end = last.bounds()
    # Whole months before this one are read from their stored totals (counted on first read).
    open_from = now.astimezone(LOCAL_TZ).date().replace(day=1)
    series = monthly_span(period.last_day.year)
    await totals.prepare([(start, end), (last_start, last_end), series], open_from)

    # Independent aggregate queries run concurrently (on PostgreSQL each takes a pooled connection).
    async with asyncio.TaskGroup() as tg:
        totals_t = tg.create_task(totals.onsite_totals(start, end, unit_id, open_from))
        last_totals_t = tg.create_task(totals.onsite_totals(last_start, last_end, unit_id, open_from))
        nonsite_t = tg.create_task(totals.nonsite_per_unit(start, end, unit_id, open_from))
        last_nonsite_t = tg.create_task(totals.nonsite_per_unit(last_start, last_end, unit_id, open_from))
        plan_t = tg.create_task(counts.plan_execution(start, end, unit_id))
        frequency_t = tg.create_task(warn.frequency(period, unit_id, policy, open_from))
        caps_t = tg.create_task(warn.caps_reached(period, unit_id, policy.unit_yearly_cap, open_from))
        low_yield_t = tg.create_task(warn.low_yield(period, unit_id, open_from))
        emergency_t = tg.create_task(warn.overdue_emergencies(period, unit_id, now))
        unfiled_t = tg.create_task(warn.unfiled_attempts(period, unit_id))
        backfilled_t = tg.create_task(warn.backfilled_scans(period, unit_id))
        offsite_t = tg.create_task(warn.offsite_scans(period, unit_id))
        units_t = tg.create_task(unit_rows(period, unit_id, compared, open_from))
        monthly_t = tg.create_task(monthly_series(period.last_day.year, unit_id, open_from))
        feedback_t = tg.create_task(_feedback(start, end, unit_id, now)) if include_feedback else None
    onsite, last_onsite = totals_t.result(), last_totals_t.result()
    nonsite, last_nonsite = sum(nonsite_t.result().values()), sum(last_nonsite_t.result().values())
    total = onsite.onsite + nonsite
    plan_rate, plan_note = plan_t.result()
    inspections = Inspections(
        onsite=onsite.onsite,
        joint=onsite.joint,
        nonsite=nonsite,
        total=total,
        yoy_onsite=year_on_year(onsite.onsite, last_onsite.onsite),
        yoy_nonsite=year_on_year(nonsite, last_nonsite),
        yoy_total=year_on_year(total, last_onsite.onsite + last_nonsite),
    )
    rates = Rates(
        joint_rate=ratio(onsite.joint, onsite.onsite),
        checked_out=onsite.checked_out,
        checked_out_with_scan=onsite.scanned,
        scan_rate=ratio(onsite.scanned, onsite.checked_out),
        nonsite_share=ratio(nonsite, total),
        plan_execution_rate=plan_rate,
        plan_execution_note=plan_note,
    )
    frequency = frequency_t.result()
    warnings = Warnings(
        frequency=FrequencyCounts(
            **{k: len({w.uscc for w in frequency if w.kind == k}) for k in ("day", "week", "month")}
        ),
        frequency_rows=frequency,
        caps_reached=caps_t.result(),
        low_yield=low_yield_t.result(),
        emergency_overdue=emergency_t.result(),
        unfiled_attempts=unfiled_t.result(),
        backfilled_scans=backfilled_t.result(),
        offsite_scans=offsite_t.result(),
    )
    complaints, ratings = feedback_t.result() if feedback_t else (None, None)
    return Metrics(
        period=PeriodRead(
            kind=period.kind.value,
            label=period.label,
            start=period.start,
            end=period.end,
            last_day=period.last_day,
            last_year_start=last.start,
            last_year_end=last.end,
            compared_last_day=compared.last_day,
        ),
        unit_code=unit_code,
        generated_at=now,
        inspections=inspections,
        rates=rates,
        units=units_t.result(),
        monthly=monthly_t.result(),
        warnings=warnings,
        complaints=complaints,
        ratings=ratings,
        hidden=[] if include_feedback else list(FEEDBACK_FIGURES),
    )


async def _feedback(
    start: dt.datetime, end: dt.datetime, unit_id: int | None, now: dt.datetime
) -> tuple[ComplaintMetrics, RatingMetrics]:
    by_status, overdue = await counts.complaint_counts(start, end, unit_id, now)
    distribution = await counts.rating_counts(start, end, unit_id)
    rated = sum(distribution.values())
    average = round(sum(s * n for s, n in distribution.items()) / rated, 2) if rated else None
    return (
        ComplaintMetrics(total=sum(by_status.values()), by_status=by_status, overdue=overdue),
        RatingMetrics(count=rated, average=average, distribution=distribution),
    )

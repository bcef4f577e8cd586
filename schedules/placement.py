"""Placing the matched visits on days of the month and freezing them into ``Visit`` s.

Visits are bucketed by (on-site, exempt from quiet days); each bucket is sorted by (enterprise, units)
and spread evenly over its allowed days with ``calendar.spread_windows`` — working days for non-site
records and exempt visits, working days outside the quiet days otherwise, and in both cases only the
working days strictly after ``today`` when it is given (a task needs approval, publication and filing
before its window opens). Sorting by enterprise keeps the assignment independent of input order, and the
round-robin of ``spread_windows`` puts two visits of one enterprise on different days. Visits whose
bucket has no allowed day at all are returned as overflow, with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from operator import itemgetter
from typing import NamedTuple

from api.i18n import Message, Text, tr
from schedules.calendar import WorkCalendar, allowed_days, quiet_day_exempt, spread_windows, window_end
from schedules.explain import task_from_draft, visit_explanation
from schedules.model import BuildConfig, ItemInfo, ScenarioInfo, Visit
from schedules.spread import TaskDraft


def no_allowed_day(today: dt.date | None = None) -> Text:
    if today is None:
        return tr("no working day of the month lies outside the quiet days, and its items are not exempt")
    return tr(
        "no working day of the month after {today} lies outside the quiet days, and its items are not exempt",
        today=today.isoformat(),
    )


NO_ALLOWED_DAY = no_allowed_day()
_NONSITE_NOTE = tr("Non-site inspection: it does not count as a visit.")


class PlannedVisit(NamedTuple):
    """A visit decided by matching, before it has a window."""

    members: list[TaskDraft]
    scenario: ScenarioInfo | None
    onsite: bool
    lead: int  # matching.lead_unit of the members
    note: Message  # why the tasks are in this visit (explain.matching_note / own_visit_note)


def no_day_left(year: int, month: int, today: dt.date) -> Text:
    return tr(
        "no working day of {period} is left after {today} (a task needs approval, publication and filing before "
        "its window)",
        period=f"{year}-{month:02d}",
        today=today.isoformat(),
    )


def place_visits(
    year: int,
    month: int,
    planned: Sequence[PlannedVisit],
    items: dict[str, ItemInfo],
    config: BuildConfig,
    calendar: WorkCalendar,
    today: dt.date | None = None,
) -> tuple[list[Visit], list[tuple[TaskDraft, Message]]]:
    """Visits with windows, sorted by (enterprise, on-site first, units); and the drafts left without a day."""
    buckets: dict[tuple[bool, bool], list[tuple[tuple[str, tuple[int, ...]], PlannedVisit]]] = defaultdict(list)
    for visit in planned:
        exempt = not visit.onsite or not config.quiet_days or _quiet_exempt(visit, items, config)
        order = (visit.members[0].uscc, tuple(draft.unit_id for draft in visit.members))
        buckets[(visit.onsite, exempt)].append((order, visit))
    placed: list[tuple[tuple[str, bool, tuple[int, ...]], Visit]] = []
    unplaceable: list[tuple[TaskDraft, Message]] = []
    working = calendar.working_days_after(year, month, today)
    for (onsite, exempt), bucket in sorted(buckets.items()):
        bucket.sort(key=itemgetter(0))
        days = list(working) if exempt else allowed_days(year, month, config.quiet_days, False, calendar, today)
        if not days:
            reason = no_allowed_day(today) if working or today is None else no_day_left(year, month, today)
            unplaceable += [(draft, reason) for _, visit in bucket for draft in visit.members]
            continue
        for ((uscc, units), visit), start in zip(bucket, spread_windows(len(bucket), days), strict=True):
            end = window_end(start, days, config.window_days) if config.window_days > 1 else start
            placed.append(((uscc, not onsite, units), _freeze(year, month, visit, start, end, exempt, config)))
    placed.sort(key=itemgetter(0))
    return [visit for _, visit in placed], unplaceable


def _quiet_exempt(visit: PlannedVisit, items: dict[str, ItemInfo], config: BuildConfig) -> bool:
    categories = [items[code].category for draft in visit.members for code in draft.item_codes]
    triggered = any(draft.triggered for draft in visit.members)
    return quiet_day_exempt(categories, config.quiet_exempt_categories, triggered)


def _freeze(
    year: int, month: int, planned: PlannedVisit, start: dt.date, end: dt.date, exempt: bool, config: BuildConfig
) -> Visit:
    members, scenario = planned.members, planned.scenario
    units = [draft.unit_id for draft in members]
    note = planned.note if planned.onsite else _NONSITE_NOTE
    tasks = tuple(task_from_draft(year, month, draft, note) for draft in members)
    explanation = visit_explanation(
        scenario, units, planned.lead, start, end, onsite=planned.onsite, quiet_exempt=exempt, config=config
    )
    code = scenario.code if scenario is not None else None
    return Visit(members[0].uscc, tasks, planned.lead, code, start, end, planned.onsite, explanation)

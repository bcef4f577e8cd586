"""Building a month's schedule for the whole district and persisting it in bulk.

One build covers every unit at once (the approved/filed/published annual plans of all units of the year),
so tasks of different units on one enterprise can be merged into joint visits. Any planner (or an admin)
may (re)build a month while it is a draft.

**In the present.** The build runs with ``today`` (the local date of ``now``) and the holiday calendar of the
database (``api.plans.holidays``; a year without official data is provisional, never an error): tasks go on
working days after today only, and each plan entry's *remaining* yearly frequency is spread over the months
still open (``schedules.spread``), so a plan approved late loses nothing it can still do; what it cannot do
is a shortfall with its reason (``plan_shortfall``, in the schedule view). Any month that has not passed may
be built, in any order (``month_passed``, 409, for the others); carried-over tasks find their one home month
(``api.plans.inputs.carried_home``).

**A rebuild keeps others' work.** An admin's rebuild replaces the whole month and resets every approval. A
planner's rebuild changes only what that planner's unit may change: the enterprises on which another unit's
planner edited a visit (move, split, merge, unmerge, cancel: ``plan_task.edited_by_unit``) or on which a unit
that approved the month has a task keep their visits, tasks, carried and dropped work exactly as they were
(ids included); the other units' approvals survive; only the caller's unit's approval is reset. If the fresh
build would give a unit that approved the month a task elsewhere, the rebuild is refused
(``rebuild_changes_approved_units``, 409, naming them): its approver approved another part.

``persist_result`` writes a ``BuildResult`` with one bulk statement per chunk per table (``plans_bulk``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Conflict, Forbidden
from api.i18n import Message, tr
from api.plans.bulk import (
    PLAN_CARRY,
    PLAN_DROPPED,
    PLAN_SHORTFALL,
    PLAN_TASK,
    PLAN_VISIT,
    bulk_insert,
    to_json,
)
from api.plans.holidays import load_work_calendar
from api.plans.inputs import load_inputs, month_passed
from api.plans.policy import PlanPolicy, local_today, period_text
from api.plans.schedule import locked_schedule
from api.plans.words import message_store
from api.registry.lookups import unit_codes_by_id, unit_names_by_id
from models.db import write_transaction
from models.enums import Role
from models.plan_tables import (
    PlanCarry,
    PlanDropped,
    PlanShortfall,
    PlanTask,
    PlanVisit,
    ScheduleApproval,
    ScheduleMonth,
)
from schedules import BuildResult, TaskSource, build_month, carry_over

_ROW_TABLES = (PlanTask, PlanVisit, PlanCarry, PlanDropped, PlanShortfall)


def ensure_not_passed(year: int, month: int, now: dt.datetime) -> None:
    if month_passed(year, month, local_today(now)):
        raise Conflict(
            tr("{period} has passed; only a month that has not passed can be built.", period=period_text(year, month)),
            code="month_passed",
        )


async def build_schedule(
    actor: Actor, year: int, month: int, policy: PlanPolicy, now: dt.datetime
) -> tuple[int, BuildResult]:
    """Build (or rebuild) the month as of ``now``; returns the schedule id and the builder's result."""
    if not (actor.is_admin or actor.role == Role.planner):
        raise Forbidden(tr("Only planners (or admins) build the monthly schedule."))
    ensure_not_passed(year, month, now)
    today = local_today(now)
    period = period_text(year, month)
    existing = await ScheduleMonth.select().where(ScheduleMonth.period == period).first()
    if existing is not None and existing["status"] == "published":
        raise Conflict(
            tr("{period} is published; it can no longer be rebuilt.", period=period), code="schedule_published"
        )
    calendar = await load_work_calendar()
    inputs = await load_inputs(year, month, existing["id"] if existing else None, today)
    started = time.perf_counter()
    result = build_month(
        year,
        month,
        inputs.entries,
        inputs.enterprises,
        inputs.lists.items,
        inputs.lists.scenarios,
        inputs.history,
        inputs.extra_tasks,
        policy.build_config(),
        calendar=calendar,
        today=today,
    )
    seconds = time.perf_counter() - started
    async with write_transaction():
        schedule_id = await _draft_schedule_id(year, month)
        kept, kept_units = await _kept_work(actor, schedule_id)
        await _refuse_changes_to_approved(schedule_id, result, kept, kept_units)
        await clear_schedule(schedule_id, keep_usccs=kept, keep_approvals_of=kept_units)
        await persist_result(schedule_id, result, skip_usccs=kept)
        await ScheduleMonth.update(
            {
                ScheduleMonth.built_by: actor.username,
                ScheduleMonth.built_at: now,
                ScheduleMonth.build_seconds: round(seconds, 3),
                ScheduleMonth.config: to_json(policy.describe()),
            }
        ).where(ScheduleMonth.id == schedule_id)
        await audit.append(
            "schedule.built",
            actor.username,
            f"schedule:{period}",
            {
                "period": period,
                "schedule_id": schedule_id,
                "today": today.isoformat(),
                "visits": len(result.visits),
                "overflow": len(result.overflow),
                "dropped": len(result.dropped),
                "shortfalls": len(result.shortfalls),
                "calendar_provisional": result.calendar_provisional,
                "kept_enterprises": sorted(kept),
                "kept_approvals": sorted(kept_units),
            },
            at=now,
        )
    return schedule_id, result


async def _kept_work(actor: Actor, schedule_id: int) -> tuple[set[str], set[int]]:
    """For a planner's rebuild: the enterprises whose work stays as it is, and the approvals that stay."""
    if actor.is_admin:
        return set(), set()
    mine = actor.unit_id
    approved = {
        r["unit"]
        for r in await ScheduleApproval.select(ScheduleApproval.unit).where(ScheduleApproval.schedule == schedule_id)
        if r["unit"] != mine
    }
    kept: set[str] = set()
    for row in await PlanTask.select(PlanTask.uscc, PlanTask.unit, PlanTask.edited_by_unit).where(
        PlanTask.schedule == schedule_id
    ):
        edited = row["edited_by_unit"]
        if (edited is not None and edited != mine) or row["unit"] in approved:
            kept.add(row["uscc"])
    return kept, approved


async def _refuse_changes_to_approved(
    schedule_id: int, result: BuildResult, kept: Collection[str], approved: Collection[int]
) -> None:
    if not approved:
        return
    added = sorted({t.unit_id for t in result.tasks if t.unit_id in approved and t.uscc not in kept})
    if added:
        units = await unit_codes_by_id()
        codes = [units[u] for u in added]
        raise Conflict(
            tr(
                "The rebuild would change the part of units that approved the month: {units}. "
                "Ask an admin to rebuild it.",
                units=codes,
            ),
            code="rebuild_changes_approved_units",
            units=codes,
        )


async def _draft_schedule_id(year: int, month: int) -> int:
    """The month's draft row, created if needed and locked for the rest of the transaction."""
    period = period_text(year, month)
    row = await locked_schedule(period)
    if row is None:
        await ScheduleMonth.insert(ScheduleMonth(period=period, year=year, month=month, status="draft"))
        row = await locked_schedule(period)
        assert row is not None
    if row["status"] == "published":
        raise Conflict(tr("{period} was published meanwhile.", period=period), code="schedule_published")
    return int(row["id"])


async def clear_schedule(
    schedule_id: int, *, keep_usccs: Collection[str] = (), keep_approvals_of: Collection[int] = ()
) -> None:
    """Remove the month's rows except those on ``keep_usccs``, and the approvals except ``keep_approvals_of``."""
    for table in _ROW_TABLES:
        query = table.delete().where(table.schedule == schedule_id)
        if keep_usccs:
            query = query.where(table.uscc.not_in(sorted(keep_usccs)))
        await query
    approvals = ScheduleApproval.delete().where(ScheduleApproval.schedule == schedule_id)
    if keep_approvals_of:
        approvals = approvals.where(ScheduleApproval.unit.not_in(sorted(keep_approvals_of)))
    await approvals


def _sources_json(
    sources: Iterable[TaskSource], cache: dict[tuple[TaskSource, ...], str], store: Callable[[Message], str]
) -> str:
    key = tuple(sources)
    text = cache.get(key)
    if text is None:
        text = cache[key] = to_json(
            [
                {"kind": s.kind.value, "ref": s.ref, "detail": store(s.detail), "entry_ids": list(s.entry_ids)}
                for s in key
            ]
        )
    return text


def result_rows(
    schedule_id: int,
    result: BuildResult,
    unit_names: Mapping[int, str],
    *,
    skip_usccs: Collection[str] = (),
    first_seq: int = 1,
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every table for one build, in ``plans_bulk`` column order (without ``skip_usccs``)."""
    store = message_store(unit_names)
    visits: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    sources: dict[tuple[TaskSource, ...], str] = {}
    items: dict[tuple[str, ...], str] = {}
    skip = frozenset(skip_usccs)
    placed = [visit for visit in result.visits if visit.uscc not in skip]
    for seq, visit in enumerate(placed, start=first_seq):
        visits.append(
            (
                schedule_id,
                seq,
                visit.uscc,
                visit.lead_unit_id,
                visit.scenario_code,
                visit.window_start,
                visit.window_end,
                visit.onsite,
                store(visit.explanation),
            )
        )
        tasks += [
            (
                schedule_id,
                seq,
                task.uscc,
                task.unit_id,
                items.get(task.item_codes) or items.setdefault(task.item_codes, to_json(task.item_codes)),
                task.onsite,
                "planned",
                _sources_json(task.sources, sources, store),
                store(task.explanation),
            )
            for task in visit.tasks
        ]
    carried = [
        (
            schedule_id,
            moved.to_year,
            moved.to_month,
            extra.task_id,
            extra.uscc,
            extra.unit_id,
            to_json(extra.item_codes),
            extra.kind.value,
            extra.onsite,
            store(extra.note),
            to_json(extra.entry_ids),
        )
        for moved, extra in zip(result.overflow, carry_over(result.overflow), strict=True)
        if extra.uscc not in skip
    ]
    dropped = [
        (schedule_id, d.uscc, d.unit_id, to_json(d.item_codes), d.source.kind.value, d.source.ref, store(d.reason))
        for d in result.dropped
        if d.uscc not in skip
    ]
    shortfalls = [
        (schedule_id, f.uscc, f.unit_id, f.entry_id, f.wanted, f.planned, f.missing, store(f.reason))
        for f in result.shortfalls
        if f.uscc not in skip
    ]
    return {"visits": visits, "tasks": tasks, "carried": carried, "dropped": dropped, "shortfalls": shortfalls}


async def persist_result(schedule_id: int, result: BuildResult, *, skip_usccs: Collection[str] = ()) -> int:
    """Write the build's visits, tasks, carried-over tasks, dropped work and shortfalls (leaving out
    ``skip_usccs``, whose rows a rebuild keeps); returns the number of rows."""
    first_seq = 1
    if skip_usccs:
        first_seq = await _next_seq(schedule_id)
    rows = result_rows(schedule_id, result, await unit_names_by_id(), skip_usccs=skip_usccs, first_seq=first_seq)
    written = await bulk_insert(PLAN_VISIT, rows["visits"])
    written += await bulk_insert(PLAN_TASK, rows["tasks"])
    written += await bulk_insert(PLAN_CARRY, rows["carried"])
    written += await bulk_insert(PLAN_DROPPED, rows["dropped"])
    written += await bulk_insert(PLAN_SHORTFALL, rows["shortfalls"])
    return written


async def _next_seq(schedule_id: int) -> int:
    """One more than the highest visit number of the month's kept visits and tasks."""
    top = 0
    for row in await PlanVisit.select(PlanVisit.seq).where(PlanVisit.schedule == schedule_id):
        top = max(top, int(row["seq"]))
    for row in await PlanTask.select(PlanTask.visit_seq).where(
        (PlanTask.schedule == schedule_id) & PlanTask.visit_seq.is_not_null()
    ):
        top = max(top, int(row["visit_seq"]))
    return top + 1

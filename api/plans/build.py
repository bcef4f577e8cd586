"""Building a month's schedule for the whole district and persisting it in bulk.

One build covers every unit at once (the approved/filed/published annual plans of all units of the year),
so tasks of different units on one enterprise can be merged into joint visits. Any planner (or an admin)
may (re)build a month while it is a draft; a rebuild replaces the month's tasks, visits, carried-over
tasks and dropped work, and resets every unit's approval of the month.

Months are built in order within a year: a month may be built when every earlier month of the year that
has a schedule is published (so the history and the carried-over tasks it starts from are final) and no
later month of the year has been built yet (``earlier_month_not_published`` / ``later_month_built``, 409).
A year chinese-calendar has no holiday data for is refused with ``calendar_unavailable`` (422).

``persist_result`` writes a ``BuildResult`` with one bulk statement per chunk per table (``plans_bulk``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Conflict, Forbidden, RuleViolation
from api.plans.bulk import PLAN_CARRY, PLAN_DROPPED, PLAN_TASK, PLAN_VISIT, bulk_insert, to_json
from api.plans.inputs import load_inputs
from api.plans.policy import PlanPolicy, period_text
from api.plans.schedule import locked_schedule
from models.db import write_transaction
from models.enums import Role
from models.plan_tables import PlanCarry, PlanDropped, PlanTask, PlanVisit, ScheduleApproval, ScheduleMonth
from schedules import BuildResult, CalendarUnavailable, TaskSource, build_month, carry_over, working_days


def ensure_calendar(year: int, month: int) -> None:
    try:
        working_days(year, month)
    except CalendarUnavailable as exc:
        raise RuleViolation(str(exc), code="calendar_unavailable") from exc


async def _check_order(year: int, month: int) -> None:
    rows = await ScheduleMonth.select(ScheduleMonth.month, ScheduleMonth.status).where(ScheduleMonth.year == year)
    earlier = sorted(r["month"] for r in rows if r["month"] < month and r["status"] != "published")
    if earlier:
        raise Conflict(
            f"Publish {period_text(year, earlier[0])} before building {period_text(year, month)}.",
            code="earlier_month_not_published",
        )
    later = sorted(r["month"] for r in rows if r["month"] > month)
    if later:
        raise Conflict(
            f"{period_text(year, later[0])} is already built; months are built in order.", code="later_month_built"
        )


async def build_schedule(
    actor: Actor, year: int, month: int, policy: PlanPolicy, now: dt.datetime
) -> tuple[int, BuildResult]:
    """Build (or rebuild) the month; returns the schedule id and the builder's result."""
    if not (actor.is_admin or actor.role == Role.planner):
        raise Forbidden("Only planners (or admins) build the monthly schedule.")
    ensure_calendar(year, month)
    period = period_text(year, month)
    existing = await ScheduleMonth.select().where(ScheduleMonth.period == period).first()
    if existing is not None and existing["status"] == "published":
        raise Conflict(f"{period} is published; it can no longer be rebuilt.", code="schedule_published")
    await _check_order(year, month)
    inputs = await load_inputs(year, month, existing["id"] if existing else None)
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
    )
    seconds = time.perf_counter() - started
    async with write_transaction():
        schedule_id = await _draft_schedule_id(year, month)
        await clear_schedule(schedule_id)
        await persist_result(schedule_id, result)
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
                "visits": len(result.visits),
                "overflow": len(result.overflow),
                "dropped": len(result.dropped),
                "calendar_provisional": result.calendar_provisional,
            },
            at=now,
        )
    return schedule_id, result


async def _draft_schedule_id(year: int, month: int) -> int:
    """The month's draft row, created if needed and locked for the rest of the transaction."""
    period = period_text(year, month)
    row = await locked_schedule(period)
    if row is None:
        await ScheduleMonth.insert(ScheduleMonth(period=period, year=year, month=month, status="draft"))
        row = await locked_schedule(period)
        assert row is not None
    if row["status"] == "published":
        raise Conflict(f"{period} was published meanwhile.", code="schedule_published")
    return int(row["id"])


async def clear_schedule(schedule_id: int) -> None:
    for table in (PlanTask, PlanVisit, PlanCarry, PlanDropped, ScheduleApproval):
        await table.delete().where(table.schedule == schedule_id)


def _sources_json(sources: Iterable[TaskSource], cache: dict[tuple[TaskSource, ...], str]) -> str:
    key = tuple(sources)
    text = cache.get(key)
    if text is None:
        text = cache[key] = to_json([{"kind": s.kind.value, "ref": s.ref, "detail": s.detail} for s in key])
    return text


def result_rows(schedule_id: int, result: BuildResult) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every table for one build, in ``plans_bulk`` column order."""
    visits: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    sources: dict[tuple[TaskSource, ...], str] = {}
    items: dict[tuple[str, ...], str] = {}
    for seq, visit in enumerate(result.visits, start=1):
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
                visit.explanation,
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
                _sources_json(task.sources, sources),
                task.explanation,
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
            extra.note,
        )
        for moved, extra in zip(result.overflow, carry_over(result.overflow), strict=True)
    ]
    dropped = [
        (schedule_id, d.uscc, d.unit_id, to_json(d.item_codes), d.source.kind.value, d.source.ref, d.reason)
        for d in result.dropped
    ]
    return {"visits": visits, "tasks": tasks, "carried": carried, "dropped": dropped}


async def persist_result(schedule_id: int, result: BuildResult) -> int:
    """Write the build's visits, tasks, carried-over tasks and dropped work; returns the number of rows."""
    rows = result_rows(schedule_id, result)
    written = await bulk_insert(PLAN_VISIT, rows["visits"])
    written += await bulk_insert(PLAN_TASK, rows["tasks"])
    written += await bulk_insert(PLAN_CARRY, rows["carried"])
    written += await bulk_insert(PLAN_DROPPED, rows["dropped"])
    return written

"""Reading a month's schedule with its joint rates; per-unit approval and publication.

Every staff role reads the district's schedule in any status (a joint visit concerns several units, so each
unit sees the whole month); enterprises read only published tasks of their own (``plans_public``).
The unit's approver approves the unit's part of a built draft (an admin names the unit); the supervisor or
an admin publishes the month once every unit that has planned tasks in it has approved
(``units_not_approved``, 422, lists the others). A month whose holiday calendar is provisional (no official
放假安排 of its year in the database or the package) is published only with the supervisor's explicit
``{"confirm_provisional": true}`` (``provisional_calendar_unconfirmed``, 409, otherwise). A published month is
final: no rebuild, no edit.

Joint rates over planned (not cancelled) tasks: tasks in joint visits / all on-site tasks, and joint visits /
all on-site visits; with a unit, over the unit's on-site tasks and the visits that carry one of them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Conflict, Forbidden, NotFound, RuleViolation
from api.i18n import render_stored, tr
from api.plans.holidays import load_work_calendar
from api.plans.policy import period_text
from api.plans.schemas import (
    ApprovalRead,
    CarriedRead,
    DroppedRead,
    JointRates,
    PlanTaskRead,
    PlanVisitRead,
    ScheduleRead,
    ShortfallRead,
    TaskSourceRead,
)
from api.registry.lookups import unit_by_code, unit_codes_by_id
from models.db import is_postgres, write_transaction
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
from models.tables import Enterprise
from models.values import as_date, json_dict, json_list


async def locked_schedule(period: str) -> dict[str, Any] | None:
    """The month's row, locked until the transaction ends on PostgreSQL (SQLite's write transaction is
    exclusive already): builds, edits, approvals and publication of one month never interleave."""
    query = ScheduleMonth.select().where(ScheduleMonth.period == period)
    return await (query.lock_rows() if is_postgres() else query).first()


async def schedule_row(year: int, month: int, *, lock: bool = False) -> dict[str, Any]:
    period = period_text(year, month)
    row = await (
        locked_schedule(period) if lock else ScheduleMonth.select().where(ScheduleMonth.period == period).first()
    )
    if row is None:
        raise NotFound(tr("{period} has no schedule yet.", period=period_text(year, month)), code="schedule_not_found")
    return row


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def joint_rates(schedule_id: int, unit_id: int | None = None) -> JointRates:
    mine = "SUM(CASE WHEN t.unit = {} THEN 1 ELSE 0 END)" if unit_id is not None else "COUNT(*)"
    args: list[Any] = [unit_id] if unit_id is not None else []
    sql = (
        f"WITH sizes AS (SELECT t.visit_seq AS seq, COUNT(*) AS n, {mine} AS mine FROM plan_task t "
        "WHERE t.schedule = {} AND t.status = 'planned' AND t.onsite = {} GROUP BY t.visit_seq) "
        "SELECT COUNT(*) AS visits, SUM(mine) AS tasks, SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS joint_visits, "
        "SUM(CASE WHEN n >= 2 THEN mine ELSE 0 END) AS joint_tasks FROM sizes WHERE mine > 0"
    )
    [row] = await PlanTask.raw(sql, *args, schedule_id, True)
    nonsite = PlanTask.count().where(
        (PlanTask.schedule == schedule_id) & (PlanTask.status == "planned") & (PlanTask.onsite == False)  # noqa: E712
    )
    if unit_id is not None:
        nonsite = nonsite.where(PlanTask.unit == unit_id)
    tasks, joint_tasks = int(row["tasks"] or 0), int(row["joint_tasks"] or 0)
    visits, joint_visits = int(row["visits"] or 0), int(row["joint_visits"] or 0)
    return JointRates(
        onsite_tasks=tasks,
        tasks_in_joint_visits=joint_tasks,
        joint_task_rate=_ratio(joint_tasks, tasks),
        onsite_visits=visits,
        joint_visits=joint_visits,
        joint_visit_rate=_ratio(joint_visits, visits),
        nonsite_tasks=await nonsite,
    )


async def visit_reads(schedule_id: int, rows: list[dict[str, Any]]) -> list[PlanVisitRead]:
    """The visits with their tasks (cancelled tasks are left out), enterprise names and unit codes."""
    if not rows:
        return []
    units = await unit_codes_by_id()
    seqs = [r["seq"] for r in rows]
    tasks: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for task in await PlanTask.select().where(
        (PlanTask.schedule == schedule_id) & PlanTask.visit_seq.is_in(seqs) & (PlanTask.status == "planned")
    ):
        tasks[task["visit_seq"]].append(task)
    usccs = sorted({r["uscc"] for r in rows})
    names = {
        e["uscc"]: e["name"]
        for e in await Enterprise.select(Enterprise.uscc, Enterprise.name).where(Enterprise.uscc.is_in(usccs))
    }
    return [
        PlanVisitRead(
            id=r["id"],
            uscc=r["uscc"],
            enterprise_name=names.get(r["uscc"], ""),
            lead_unit_code=units[r["lead_unit"]],
            scenario_code=r["scenario_code"],
            window_start=as_date(r["window_start"]),
            window_end=as_date(r["window_end"]),
            onsite=bool(r["onsite"]),
            joint=bool(r["onsite"]) and len(tasks[r["seq"]]) >= 2,
            explanation=render_stored(r["explanation"]),
            tasks=[_task_read(t, units) for t in sorted(tasks[r["seq"]], key=lambda t: units[t["unit"]])]
            if r["status"] == "planned"
            else [],
            status=r["status"],
            replaced_by=r["replaced_by"],
            calendar_flag=render_stored(r["calendar_flag"]),
        )
        for r in rows
    ]


def _task_read(row: dict[str, Any], units: dict[int, str]) -> PlanTaskRead:
    return PlanTaskRead(
        id=row["id"],
        unit_code=units[row["unit"]],
        item_codes=json_list(row["item_codes"]),
        onsite=bool(row["onsite"]),
        status=row["status"],
        explanation=render_stored(row["explanation"]),
        sources=[TaskSourceRead(s["kind"], s["ref"], render_stored(s["detail"])) for s in json_list(row["sources"])],
    )


async def pending_units(schedule_id: int) -> list[str]:
    units = await unit_codes_by_id()
    planned = (
        await PlanTask.select(PlanTask.unit)
        .where((PlanTask.schedule == schedule_id) & (PlanTask.status == "planned"))
        .distinct()
    )
    approved = {r["unit"] for r in await ScheduleApproval.select().where(ScheduleApproval.schedule == schedule_id)}
    return sorted(units[r["unit"]] for r in planned if r["unit"] not in approved)


async def read_schedule(
    year: int, month: int, unit_code: str | None, uscc: str | None, limit: int, offset: int
) -> ScheduleRead:
    row = await schedule_row(year, month)
    schedule_id = row["id"]
    unit_id = (await unit_by_code(unit_code))["id"] if unit_code else None
    units = await unit_codes_by_id()
    live = (PlanVisit.schedule == schedule_id) & (PlanVisit.status == "planned")
    visits = PlanVisit.select().where(live)
    counted = PlanVisit.count().where(live)
    carried = PlanCarry.select().where(PlanCarry.schedule == schedule_id)
    dropped = PlanDropped.select().where(PlanDropped.schedule == schedule_id)
    shortfalls = PlanShortfall.select().where(PlanShortfall.schedule == schedule_id)
    if unit_id is not None:
        seqs = [
            r["visit_seq"]
            for r in await PlanTask.select(PlanTask.visit_seq).where(
                (PlanTask.schedule == schedule_id) & (PlanTask.unit == unit_id) & (PlanTask.status == "planned")
            )
        ]
        visits, counted = (
            visits.where(PlanVisit.seq.is_in(seqs or [-1])),
            counted.where(PlanVisit.seq.is_in(seqs or [-1])),
        )
        carried, dropped = carried.where(PlanCarry.unit == unit_id), dropped.where(PlanDropped.unit == unit_id)
        shortfalls = shortfalls.where(PlanShortfall.unit == unit_id)
    if uscc is not None:
        visits, counted = visits.where(PlanVisit.uscc == uscc), counted.where(PlanVisit.uscc == uscc)
        carried, dropped = carried.where(PlanCarry.uscc == uscc), dropped.where(PlanDropped.uscc == uscc)
        shortfalls = shortfalls.where(PlanShortfall.uscc == uscc)
    page = await visits.order_by(PlanVisit.seq).limit(limit).offset(offset)
    carried_rows = await carried.order_by(PlanCarry.id).limit(limit)
    dropped_rows = await dropped.order_by(PlanDropped.id).limit(limit)
    approvals = (
        await ScheduleApproval.select().where(ScheduleApproval.schedule == schedule_id).order_by(ScheduleApproval.id)
    )
    shortfall_rows = await shortfalls.order_by(PlanShortfall.id).limit(limit)
    calendar = await load_work_calendar()
    return ScheduleRead(
        period=row["period"],
        status=row["status"],
        provisional=calendar.is_provisional(year),
        built_by=row["built_by"],
        built_at=row["built_at"],
        build_seconds=row["build_seconds"],
        config=json_dict(row["config"]),
        published_by=row["published_by"],
        published_at=row["published_at"],
        rates=await joint_rates(schedule_id, unit_id),
        approvals=[ApprovalRead(units[a["unit"]], a["approved_by"], a["approved_at"]) for a in approvals],
        units_pending=await pending_units(schedule_id),
        visits=await visit_reads(schedule_id, page),
        total_visits=await counted,
        carried_over=[
            CarriedRead(
                uscc=c["uscc"],
                unit_code=units[c["unit"]],
                item_codes=json_list(c["item_codes"]),
                onsite=bool(c["onsite"]),
                to_period=period_text(c["year"], c["month"]),
                note=render_stored(c["note"]),
            )
            for c in carried_rows
        ],
        total_carried_over=await _count(PlanCarry, schedule_id, unit_id, uscc),
        dropped=[
            DroppedRead(
                uscc=d["uscc"],
                unit_code=units[d["unit"]],
                item_codes=json_list(d["item_codes"]),
                source_kind=d["source_kind"],
                source_ref=d["source_ref"],
                reason=render_stored(d["reason"]),
            )
            for d in dropped_rows
        ],
        total_dropped=await _count(PlanDropped, schedule_id, unit_id, uscc),
        shortfalls=[
            ShortfallRead(
                uscc=f["uscc"],
                unit_code=units[f["unit"]],
                entry_id=f["entry_id"],
                wanted=f["wanted"],
                planned=f["planned"],
                missing=f["missing"],
                reason=render_stored(f["reason"]),
            )
            for f in shortfall_rows
        ],
        total_shortfalls=await _count(PlanShortfall, schedule_id, unit_id, uscc),
        flagged_visits=await PlanVisit.count().where(live & (PlanVisit.calendar_flag != "")),
        limit=limit,
        offset=offset,
    )


async def _count(
    table: type[PlanCarry] | type[PlanDropped] | type[PlanShortfall],
    schedule_id: int,
    unit_id: int | None,
    uscc: str | None,
) -> int:
    query = table.count().where(table.schedule == schedule_id)
    if unit_id is not None:
        query = query.where(table.unit == unit_id)
    if uscc is not None:
        query = query.where(table.uscc == uscc)
    return int(await query)


async def approve_month(actor: Actor, year: int, month: int, unit_code: str | None, now: dt.datetime) -> None:
    if actor.is_admin and unit_code:
        unit_id = (await unit_by_code(unit_code))["id"]
    elif actor.role == Role.approver and actor.unit_id is not None:
        unit_id = actor.unit_id
    else:
        raise Forbidden(tr("The unit's approver approves its part of the month (admins name the unit)."))
    async with write_transaction():
        row = await schedule_row(year, month, lock=True)
        if row["status"] == "published":
            raise Conflict(tr("{period} is already published.", period=row["period"]), code="schedule_published")
        already = await ScheduleApproval.exists().where(
            (ScheduleApproval.schedule == row["id"]) & (ScheduleApproval.unit == unit_id)
        )
        if already:
            raise Conflict(tr("The unit has already approved this month."), code="already_approved")
        await ScheduleApproval.insert(
            ScheduleApproval(schedule=row["id"], unit=unit_id, approved_by=actor.username, approved_at=now)
        )
        await audit.append(
            "schedule.approved",
            actor.username,
            f"schedule:{row['period']}",
            {"period": row["period"], "unit_id": unit_id},
            at=now,
        )


async def publish_month(
    actor: Actor, year: int, month: int, now: dt.datetime, *, confirm_provisional: bool = False
) -> None:
    if actor.role not in (Role.admin, Role.supervisor):
        raise Forbidden(tr("The supervisor (or an admin) publishes the month."))
    provisional = (await load_work_calendar()).is_provisional(year)
    if provisional and not confirm_provisional:
        raise Conflict(
            tr(
                "{period} was planned on a provisional {year} holiday calendar (the official 放假安排 is not loaded): "
                "confirm with confirm_provisional to publish it anyway.",
                period=period_text(year, month),
                year=year,
            ),
            code="provisional_calendar_unconfirmed",
        )
    async with write_transaction():
        row = await schedule_row(year, month, lock=True)
        if row["status"] == "published":
            raise Conflict(tr("{period} is already published.", period=row["period"]), code="schedule_published")
        pending = await pending_units(row["id"])
        if pending:
            raise RuleViolation(
                tr("Units with tasks that have not approved the month: {units}.", units=pending),
                code="units_not_approved",
                units=pending,
            )
        await ScheduleMonth.update(
            {
                ScheduleMonth.status: "published",
                ScheduleMonth.published_by: actor.username,
                ScheduleMonth.published_at: now,
            }
        ).where(ScheduleMonth.id == row["id"])
        await audit.append(
            "schedule.published",
            actor.username,
            f"schedule:{row['period']}",
            {"period": row["period"], "calendar_provisional": provisional, "confirmed_provisional": provisional},
            at=now,
        )

"""A planner's edits to a draft month: move, split, unmerge, merge, cancel — each re-validated.

Every edit loads the enterprise's visits of the month as ``schedules`` data, applies the pure edit
(``schedules.edits``), and checks the result with ``schedules.validate_edit`` against the same lists,
registry, history and configuration the builder used; if the edit introduces any violation it is refused
with ``schedule_edit_refused`` (422) and ``violations`` listing each (code, message, uscc, unit_code).

Who may edit: an admin, or the planner of the visit's lead unit (move, split, merge), of the task's unit
or the visit's lead unit (unmerge, cancel). Nothing can change once the month is published
(``schedule_published``) or once a unit whose tasks the edit touches has approved the month
(``unit_already_approved``). Edited visits are written as new rows (new ids); tasks keep their ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Conflict, Forbidden, NotFound, RuleViolation
from api.plans.build import ensure_calendar
from api.plans.inputs import load_enterprises, load_history, load_lists
from api.plans.policy import PlanPolicy
from api.plans.schedule import locked_schedule, visit_reads
from api.plans.schemas import EditResult
from api.registry.lookups import unit_codes_by_id
from models.db import write_transaction
from models.enums import Role
from models.plan_tables import PlanTask, PlanVisit, ScheduleApproval, ScheduleMonth
from models.values import as_date, json_list
from schedules import SourceKind, Task, TaskSource, Visit, replace_visits, validate_edit


@dataclass
class EnterpriseMonth:
    schedule: dict[str, Any]
    visits: list[Visit]
    visit_ids: dict[int, int]  # id(Visit) -> plan_visit id
    task_ids: dict[int, int]  # id(Task) -> plan_task id


Edit = Callable[[EnterpriseMonth], tuple[list[Visit], list[Visit]]]  # the enterprise's month -> (old, new) visits


async def plan_visit_row(visit_id: int) -> dict[str, Any]:
    row = await PlanVisit.select().where(PlanVisit.id == visit_id).first()
    if row is None:
        raise NotFound(f"Planned visit {visit_id} does not exist.", code="plan_visit_not_found")
    return row


async def task_row(task_id: int) -> dict[str, Any]:
    row = await PlanTask.select().where(PlanTask.id == task_id).first()
    if row is None:
        raise NotFound(f"Plan task {task_id} does not exist.", code="plan_task_not_found")
    return row


async def load_month(schedule_id: int, uscc: str) -> EnterpriseMonth:
    schedule = await ScheduleMonth.select().where(ScheduleMonth.id == schedule_id).first()
    assert schedule is not None
    year, month = schedule["year"], schedule["month"]
    rows = await PlanVisit.select().where((PlanVisit.schedule == schedule_id) & (PlanVisit.uscc == uscc))
    tasks = await PlanTask.select().where(
        (PlanTask.schedule == schedule_id) & (PlanTask.uscc == uscc) & (PlanTask.status == "planned")
    )
    visits: list[Visit] = []
    visit_ids: dict[int, int] = {}
    task_ids: dict[int, int] = {}
    for row in sorted(rows, key=lambda r: r["seq"]):
        own = []
        for t in sorted((t for t in tasks if t["visit_seq"] == row["seq"]), key=lambda t: t["unit"]):
            sources = tuple(TaskSource(SourceKind(s["kind"]), s["ref"], s["detail"]) for s in json_list(t["sources"]))
            items = tuple(json_list(t["item_codes"]))
            task = Task(year, month, uscc, t["unit"], items, bool(t["onsite"]), sources, t["explanation"])
            task_ids[id(task)] = t["id"]
            own.append(task)
        visit = Visit(
            uscc=uscc,
            tasks=tuple(own),
            lead_unit_id=row["lead_unit"],
            scenario_code=row["scenario_code"],
            window_start=as_date(row["window_start"]),
            window_end=as_date(row["window_end"]),
            onsite=bool(row["onsite"]),
            explanation=row["explanation"],
        )
        visit_ids[id(visit)] = row["id"]
        visits.append(visit)
    return EnterpriseMonth(schedule, visits, visit_ids, task_ids)


def find_visit(month: EnterpriseMonth, visit_id: int) -> Visit:
    for visit in month.visits:
        if month.visit_ids[id(visit)] == visit_id:
            return visit
    raise NotFound(f"Planned visit {visit_id} has no planned task left.", code="plan_visit_not_found")


def ensure_planner(actor: Actor, unit_ids: Sequence[int], what: str) -> None:
    if actor.is_admin or (actor.role == Role.planner and actor.unit_id in unit_ids):
        return
    raise Forbidden(f"Only the planner of {what} may make this edit.", code="not_your_unit")


async def apply_edit(
    actor: Actor, schedule_id: int, uscc: str, edit: Edit, policy: PlanPolicy, now: dt.datetime, action: str
) -> EditResult:
    """Apply ``edit`` to the enterprise's visits of the month, validate it and write it."""
    month = await load_month(schedule_id, uscc)
    schedule = month.schedule
    year, number = schedule["year"], schedule["month"]
    if schedule["status"] == "published":
        raise Conflict(f"{schedule['period']} is published; it can no longer change.", code="schedule_published")
    old, new = edit(month)
    after = replace_visits(month.visits, old, new)
    ensure_calendar(year, number)
    lists = await load_lists()
    violations = validate_edit(
        year,
        number,
        month.visits,
        after,
        enterprises=await load_enterprises(dt.date(year, number, 1), uscc),
        items=lists.items,
        scenarios=lists.scenarios,
        history=await load_history(year, schedule_id, uscc),
        config=policy.build_config(),
    )
    units = await unit_codes_by_id()
    if violations:
        listed = [
            {"code": v.code, "message": v.message, "uscc": v.uscc, "unit_code": units.get(v.unit_id or 0)}
            for v in violations
        ]
        raise RuleViolation(
            "The edit breaks the planning rules: " + "; ".join(v.message for v in violations),
            code="schedule_edit_refused",
            violations=listed,
        )
    return await _write(month, old, new, units, actor, now, f"{action}:{uscc}")


async def _write(
    month: EnterpriseMonth,
    old: list[Visit],
    new: list[Visit],
    units: dict[int, str],
    actor: Actor,
    now: dt.datetime,
    action: str,  # "<edit>:<uscc>"
) -> EditResult:
    schedule_id = month.schedule["id"]
    touched = {task.unit_id for visit in [*old, *new] for task in visit.tasks}
    kept = {id(task) for visit in new for task in visit.tasks}
    cancelled = [month.task_ids[id(t)] for visit in old for t in visit.tasks if id(t) not in kept]
    old_ids = [month.visit_ids[id(visit)] for visit in old]
    async with write_transaction():
        status = await locked_schedule(month.schedule["period"])
        approved = await ScheduleApproval.select(ScheduleApproval.unit).where(
            (ScheduleApproval.schedule == schedule_id) & ScheduleApproval.unit.is_in(sorted(touched) or [-1])
        )
        if approved:
            codes = ", ".join(sorted(units[a["unit"]] for a in approved))
            raise Conflict(f"Units {codes} have approved the month; edits are closed.", code="unit_already_approved")
        removed = await PlanVisit.delete().where(PlanVisit.id.is_in(old_ids or [-1])).returning(PlanVisit.id)
        if len(removed) != len(old_ids) or status is None or status["status"] != "draft":
            raise Conflict("The schedule changed meanwhile; reload it.", code="schedule_changed")
        top = (
            await PlanVisit.select(PlanVisit.seq)
            .where(PlanVisit.schedule == schedule_id)
            .order_by(PlanVisit.seq, ascending=False)
            .first()
        )
        seq = max(top["seq"] if top else 0, await _max_task_seq(schedule_id))
        new_ids = []
        for visit in new:
            seq += 1
            inserted = await PlanVisit.insert(
                PlanVisit(
                    schedule=schedule_id,
                    seq=seq,
                    uscc=visit.uscc,
                    lead_unit=visit.lead_unit_id,
                    scenario_code=visit.scenario_code,
                    window_start=visit.window_start,
                    window_end=visit.window_end,
                    onsite=visit.onsite,
                    explanation=visit.explanation,
                )
            ).returning(PlanVisit.id)
            new_ids.append(inserted[0]["id"])
            task_ids = [month.task_ids[id(task)] for task in visit.tasks]
            await PlanTask.update({PlanTask.visit_seq: seq}).where(PlanTask.id.is_in(task_ids))
        if cancelled:
            await PlanTask.update({PlanTask.status: "cancelled", PlanTask.visit_seq: None}).where(
                PlanTask.id.is_in(cancelled)
            )
        await audit.append(
            f"schedule.{action.split(':')[0]}",
            actor.username,
            f"schedule:{month.schedule['period']}",
            {
                "period": month.schedule["period"],
                "uscc": action.split(":", 1)[1],
                "removed_visit_ids": old_ids,
                "new_visit_ids": new_ids,
                "cancelled_task_ids": cancelled,
            },
            at=now,
        )
    rows = await PlanVisit.select().where(PlanVisit.id.is_in(new_ids or [-1])).order_by(PlanVisit.seq)
    return EditResult(
        period=month.schedule["period"],
        removed_visit_ids=old_ids,
        visits=await visit_reads(schedule_id, rows),
        cancelled_task_ids=cancelled,
    )


async def _max_task_seq(schedule_id: int) -> int:
    row = (
        await PlanTask.select(PlanTask.visit_seq)
        .where((PlanTask.schedule == schedule_id) & PlanTask.visit_seq.is_not_null())
        .order_by(PlanTask.visit_seq, ascending=False)
        .first()
    )
    return int(row["visit_seq"]) if row else 0

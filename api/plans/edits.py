"""A planner's edits to a draft month: move, split, unmerge, merge, cancel — each re-validated.

Every edit loads the enterprise's visits of the month as ``schedules`` data, applies the pure edit
(``schedules.edits``), and checks the result with ``schedules.validate_edit`` against the same lists,
registry, history and configuration the builder used; if the edit introduces any violation it is refused
with ``schedule_edit_refused`` (422) and ``violations`` listing each (code, message, uscc, unit_code).

Who may edit: an admin, or the planner of the visit's lead unit (move, split, merge), of the task's unit
or the visit's lead unit (unmerge, cancel). Nothing can change once the month is published
(``schedule_published``) or once a unit whose tasks the edit touches has approved the month
(``unit_already_approved``). Ids are stable: a moved visit keeps its id; an edited visit keeps its row (and id)
for the new visit that carries most of its tasks, and a visit merged into another is kept as ``merged`` with
``replaced_by`` (``GET /api/v1/plan-visits/{id}`` answers with the visit it went into), a visit whose last
task was cancelled as ``cancelled``; tasks always keep their ids. Every task an edit touches records the
editing unit (``edited_by_unit``, 0 for an admin): a rebuild by another unit's planner keeps that enterprise's
work (``api.plans.build``). A move clears a calendar flag. Edits are validated with the database's holiday
calendar and today's date: no window on a day off or in the past.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Conflict, Forbidden, NotFound, RuleViolation
from api.i18n import Joined, Message, Text, for_reader, load, tr, with_names
from api.plans.holidays import load_work_calendar
from api.plans.inputs import load_enterprises, load_history, load_lists
from api.plans.inputs import source_entry_ids as _entry_ids
from api.plans.policy import PlanPolicy, local_today
from api.plans.schedule import locked_schedule, visit_reads
from api.plans.schemas import EditResult
from api.plans.words import message_store, unit_namer
from api.registry.lookups import unit_codes_by_id, unit_names_by_id
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
    """The planned visit, following ``replaced_by`` from a visit merged into another."""
    seen: set[int] = set()
    while True:
        row = await PlanVisit.select().where(PlanVisit.id == visit_id).first()
        if row is None:
            raise NotFound(tr("Planned visit {id} does not exist.", id=visit_id), code="plan_visit_not_found")
        if row["status"] != "merged" or row["replaced_by"] is None or row["replaced_by"] in seen:
            return row
        seen.add(visit_id)
        visit_id = row["replaced_by"]


async def task_row(task_id: int) -> dict[str, Any]:
    row = await PlanTask.select().where(PlanTask.id == task_id).first()
    if row is None:
        raise NotFound(f"Plan task {task_id} does not exist.", code="plan_task_not_found")
    return row


async def load_month(schedule_id: int, uscc: str) -> EnterpriseMonth:
    schedule = await ScheduleMonth.select().where(ScheduleMonth.id == schedule_id).first()
    assert schedule is not None
    year, month = schedule["year"], schedule["month"]
    rows = await PlanVisit.select().where(
        (PlanVisit.schedule == schedule_id) & (PlanVisit.uscc == uscc) & (PlanVisit.status == "planned")
    )
    tasks = await PlanTask.select().where(
        (PlanTask.schedule == schedule_id) & (PlanTask.uscc == uscc) & (PlanTask.status == "planned")
    )
    visits: list[Visit] = []
    visit_ids: dict[int, int] = {}
    task_ids: dict[int, int] = {}
    for row in sorted(rows, key=lambda r: r["seq"]):
        own = []
        for t in sorted((t for t in tasks if t["visit_seq"] == row["seq"]), key=lambda t: t["unit"]):
            sources = tuple(
                TaskSource(SourceKind(s["kind"]), s["ref"], load(s["detail"]), tuple(_entry_ids(s)))
                for s in json_list(t["sources"])
            )
            items = tuple(json_list(t["item_codes"]))
            explanation = load(t["explanation"])
            task = Task(year, month, uscc, t["unit"], items, bool(t["onsite"]), sources, explanation)
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
            explanation=load(row["explanation"]),
        )
        visit_ids[id(visit)] = row["id"]
        visits.append(visit)
    return EnterpriseMonth(schedule, visits, visit_ids, task_ids)


def find_visit(month: EnterpriseMonth, visit_id: int) -> Visit:
    for visit in month.visits:
        if month.visit_ids[id(visit)] == visit_id:
            return visit
    raise NotFound(tr("Planned visit {id} has no planned task left.", id=visit_id), code="plan_visit_not_found")


def ensure_planner(actor: Actor, unit_ids: Sequence[int], what: Text) -> None:
    if actor.is_admin or (actor.role == Role.planner and actor.unit_id in unit_ids):
        return
    raise Forbidden(tr("Only the planner of {what} may make this edit.", what=what), code="not_your_unit")


async def apply_edit(
    actor: Actor, schedule_id: int, uscc: str, edit: Edit, policy: PlanPolicy, now: dt.datetime, action: str
) -> EditResult:
    """Apply ``edit`` to the enterprise's visits of the month, validate it and write it."""
    month = await load_month(schedule_id, uscc)
    schedule = month.schedule
    year, number = schedule["year"], schedule["month"]
    if schedule["status"] == "published":
        raise Conflict(
            tr("{period} is published; it can no longer change.", period=schedule["period"]), code="schedule_published"
        )
    old, new = edit(month)
    after = replace_visits(month.visits, old, new)
    today = local_today(now)
    lists = await load_lists()
    violations = validate_edit(
        year,
        number,
        month.visits,
        after,
        enterprises=await load_enterprises(dt.date(year, number, 1), uscc),
        items=lists.items,
        scenarios=lists.scenarios,
        history=await load_history(year, schedule_id, uscc, today=today),
        config=policy.build_config(),
        calendar=await load_work_calendar(),
        today=today,
    )
    units = await unit_codes_by_id()
    unit_names = await unit_names_by_id()
    store = message_store(unit_names)
    if violations:
        name = unit_namer(unit_names)
        messages = [with_names(v.message, name) for v in violations]
        listed = [
            {"code": v.code, "message": for_reader(m), "uscc": v.uscc, "unit_code": units.get(v.unit_id or 0)}
            for v, m in zip(violations, messages, strict=True)
        ]
        raise RuleViolation(
            tr("The edit breaks the planning rules: {violations}", violations=Joined(messages, "clauses")),
            code="schedule_edit_refused",
            violations=listed,
        )
    return await _write(month, old, new, units, store, actor, now, f"{action}:{uscc}")


def _reuse(month: EnterpriseMonth, old: list[Visit], new: list[Visit]) -> dict[int, int]:
    """index in ``new`` -> plan_visit id of an old visit whose row it takes over (most shared tasks first)."""
    shared: list[tuple[int, int, int]] = []
    for i, visit in enumerate(new):
        mine = {id(task) for task in visit.tasks}
        for visit_before in old:
            common = sum(1 for task in visit_before.tasks if id(task) in mine)
            if common:
                shared.append((-common, month.visit_ids[id(visit_before)], i))
    taken: dict[int, int] = {}
    used: set[int] = set()
    for _, visit_id, i in sorted(shared):
        if i not in taken and visit_id not in used:
            taken[i] = visit_id
            used.add(visit_id)
    return taken


async def _write(
    month: EnterpriseMonth,
    old: list[Visit],
    new: list[Visit],
    units: dict[int, str],
    store: Callable[[Message], str],
    actor: Actor,
    now: dt.datetime,
    action: str,  # "<edit>:<uscc>"
) -> EditResult:
    schedule_id = month.schedule["id"]
    touched = {task.unit_id for visit in [*old, *new] for task in visit.tasks}
    kept = {id(task) for visit in new for task in visit.tasks}
    cancelled = [month.task_ids[id(t)] for visit in old for t in visit.tasks if id(t) not in kept]
    old_ids = [month.visit_ids[id(visit)] for visit in old]
    touched_tasks = [month.task_ids[id(t)] for visit in old for t in visit.tasks]
    editor = actor.unit_id if not actor.is_admin and actor.unit_id is not None else 0
    reuse = _reuse(month, old, new)
    async with write_transaction():
        status = await locked_schedule(month.schedule["period"])
        approved = await ScheduleApproval.select(ScheduleApproval.unit).where(
            (ScheduleApproval.schedule == schedule_id) & ScheduleApproval.unit.is_in(sorted(touched) or [-1])
        )
        if approved:
            codes = sorted(units[a["unit"]] for a in approved)
            raise Conflict(
                tr("Units {units} have approved the month; edits are closed.", units=codes),
                code="unit_already_approved",
            )
        current = await PlanVisit.select(PlanVisit.id, PlanVisit.seq, PlanVisit.window_start).where(
            PlanVisit.id.is_in(old_ids or [-1]) & (PlanVisit.status == "planned")
        )
        if len(current) != len(old_ids) or status is None or status["status"] != "draft":
            raise Conflict(tr("The schedule changed meanwhile; reload it."), code="schedule_changed")
        seqs = {r["id"]: r["seq"] for r in current}
        seq = max(await _max_visit_seq(schedule_id), await _max_task_seq(schedule_id))
        new_ids = []
        for i, visit in enumerate(new):
            values: dict[Column | str, Any] = {
                PlanVisit.uscc: visit.uscc,
                PlanVisit.lead_unit: visit.lead_unit_id,
                PlanVisit.scenario_code: visit.scenario_code,
                PlanVisit.window_start: visit.window_start,
                PlanVisit.window_end: visit.window_end,
                PlanVisit.onsite: visit.onsite,
                PlanVisit.explanation: store(visit.explanation),
            }
            if i in reuse:
                visit_id = reuse[i]
                visit_seq = seqs[visit_id]
                before = next(v for v in old if month.visit_ids[id(v)] == visit_id)
                if (before.window_start, before.window_end) != (visit.window_start, visit.window_end):
                    values[PlanVisit.calendar_flag] = ""
                await PlanVisit.update(values).where(PlanVisit.id == visit_id)
            else:
                seq += 1
                visit_seq = seq
                inserted = await PlanVisit.insert(
                    PlanVisit(
                        schedule=schedule_id,
                        seq=visit_seq,
                        uscc=visit.uscc,
                        lead_unit=visit.lead_unit_id,
                        scenario_code=visit.scenario_code,
                        window_start=visit.window_start,
                        window_end=visit.window_end,
                        onsite=visit.onsite,
                        explanation=store(visit.explanation),
                    )
                ).returning(PlanVisit.id)
                visit_id = inserted[0]["id"]
            new_ids.append(visit_id)
            task_ids = [month.task_ids[id(task)] for task in visit.tasks]
            await PlanTask.update({PlanTask.visit_seq: visit_seq}).where(PlanTask.id.is_in(task_ids))
        gone = [visit_id for visit_id in old_ids if visit_id not in new_ids]
        for visit_id in gone:
            before = next(v for v in old if month.visit_ids[id(v)] == visit_id)
            into = next(
                (new_ids[i] for i, v in enumerate(new) if {id(t) for t in v.tasks} & {id(t) for t in before.tasks}),
                None,
            )
            await PlanVisit.update(
                {PlanVisit.status: "merged" if into is not None else "cancelled", PlanVisit.replaced_by: into}
            ).where(PlanVisit.id == visit_id)
        if cancelled:
            await PlanTask.update({PlanTask.status: "cancelled", PlanTask.visit_seq: None}).where(
                PlanTask.id.is_in(cancelled)
            )
        if touched_tasks:
            await PlanTask.update({PlanTask.edited_by_unit: editor}).where(PlanTask.id.is_in(touched_tasks))
        await audit.append(
            f"schedule.{action.split(':')[0]}",
            actor.username,
            f"schedule:{month.schedule['period']}",
            {
                "period": month.schedule["period"],
                "uscc": action.split(":", 1)[1],
                "removed_visit_ids": gone,
                "edited_visit_ids": old_ids,
                "new_visit_ids": new_ids,
                "cancelled_task_ids": cancelled,
            },
            at=now,
        )
    rows = await PlanVisit.select().where(PlanVisit.id.is_in(new_ids or [-1])).order_by(PlanVisit.seq)
    return EditResult(
        period=month.schedule["period"],
        removed_visit_ids=gone,
        visits=await visit_reads(schedule_id, rows),
        cancelled_task_ids=cancelled,
    )


async def _max_visit_seq(schedule_id: int) -> int:
    row = (
        await PlanVisit.select(PlanVisit.seq)
        .where(PlanVisit.schedule == schedule_id)
        .order_by(PlanVisit.seq, ascending=False)
        .first()
    )
    return int(row["seq"]) if row else 0


async def _max_task_seq(schedule_id: int) -> int:
    row = (
        await PlanTask.select(PlanTask.visit_seq)
        .where((PlanTask.schedule == schedule_id) & PlanTask.visit_seq.is_not_null())
        .order_by(PlanTask.visit_seq, ascending=False)
        .first()
    )
    return int(row["visit_seq"]) if row else 0

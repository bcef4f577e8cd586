"""The five planner edits on a draft month, by planned-visit or plan-task id (see ``plans_edits``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.actor import Actor
from api.errors import NotFound, RuleViolation
from api.i18n import tr
from api.plans.edits import EnterpriseMonth, apply_edit, ensure_planner, find_visit, plan_visit_row, task_row
from api.plans.inputs import load_lists
from api.plans.policy import PlanPolicy
from api.plans.schedule import visit_reads
from api.plans.schemas import EditResult, PlanVisitRead
from api.registry.lookups import unit_by_code
from models.plan_tables import PlanVisit
from schedules import Visit, cancel_task, merge_visits, move_visit, split_visit, unmerge_task


async def read_visit(visit_id: int) -> PlanVisitRead:
    """The planned visit; for one merged into another, the visit it went into (ids never 404 once given)."""
    row = await plan_visit_row(visit_id)
    [read] = await visit_reads(row["schedule"], [row])
    return read


async def move(
    actor: Actor, visit_id: int, start: dt.date, end: dt.date | None, policy: PlanPolicy, now: dt.datetime
) -> EditResult:
    row = await plan_visit_row(visit_id)
    ensure_planner(actor, [row["lead_unit"]], tr("the visit's lead unit"))

    def edit(month: EnterpriseMonth) -> tuple[list[Visit], list[Visit]]:
        visit = find_visit(month, row["id"])
        return [visit], [move_visit(visit, start, end)]

    return await apply_edit(actor, row["schedule"], row["uscc"], edit, policy, now, "move")


async def split(
    actor: Actor, visit_id: int, parts: list[list[str]], policy: PlanPolicy, now: dt.datetime
) -> EditResult:
    row = await plan_visit_row(visit_id)
    ensure_planner(actor, [row["lead_unit"]], tr("the visit's lead unit"))
    unit_parts = [[(await unit_by_code(code, field="parts"))["id"] for code in part] for part in parts]

    def edit(month: EnterpriseMonth) -> tuple[list[Visit], list[Visit]]:
        visit = find_visit(month, row["id"])
        present = {task.unit_id for task in visit.tasks}
        if any(unit not in present for part in unit_parts for unit in part):
            raise RuleViolation(
                tr("Every unit named in a part must have a task in the visit."), code="unit_not_in_visit"
            )
        return [visit], list(split_visit(visit, unit_parts))

    return await apply_edit(actor, row["schedule"], row["uscc"], edit, policy, now, "split")


async def unmerge(actor: Actor, task_id: int, policy: PlanPolicy, now: dt.datetime) -> EditResult:
    task, row = await _task_and_visit(task_id)
    ensure_planner(actor, [task["unit"], row["lead_unit"]], tr("the task's unit or the visit's lead unit"))

    def edit(month: EnterpriseMonth) -> tuple[list[Visit], list[Visit]]:
        visit = find_visit(month, row["id"])
        if len(visit.tasks) < 2:
            raise RuleViolation(tr("The task is alone in its visit; there is nothing to unmerge."), code="not_joint")
        return [visit], list(unmerge_task(visit, task["unit"]))

    return await apply_edit(actor, row["schedule"], row["uscc"], edit, policy, now, "unmerge")


async def cancel(actor: Actor, task_id: int, policy: PlanPolicy, now: dt.datetime) -> EditResult:
    task, row = await _task_and_visit(task_id)
    ensure_planner(actor, [task["unit"], row["lead_unit"]], tr("the task's unit or the visit's lead unit"))

    def edit(month: EnterpriseMonth) -> tuple[list[Visit], list[Visit]]:
        visit = find_visit(month, row["id"])
        rest = cancel_task(visit, task["unit"])
        return [visit], [rest] if rest is not None else []

    return await apply_edit(actor, row["schedule"], row["uscc"], edit, policy, now, "cancel")


async def merge(
    actor: Actor, visit_ids: list[int], scenario_code: str | None, policy: PlanPolicy, now: dt.datetime
) -> EditResult:
    rows = [await plan_visit_row(visit_id) for visit_id in dict.fromkeys(visit_ids)]
    if len(rows) < 2:
        raise RuleViolation(tr("Name at least two different visits to merge."), code="merge_needs_two_visits")
    if len({(r["schedule"], r["uscc"]) for r in rows}) != 1:
        raise RuleViolation(
            tr("Only visits to one enterprise in one month can merge."), code="merge_across_enterprises"
        )
    scenario = None
    if scenario_code is not None:
        scenario = next((s for s in (await load_lists()).scenarios if s.code == scenario_code), None)
        if scenario is None:
            raise NotFound(
                tr("Scenario {scenario_code} is not a published scenario.", scenario_code=scenario_code),
                code="scenario_not_found",
            )
    leads = [r["lead_unit"] for r in rows] + ([scenario.lead_unit_id] if scenario else [])
    ensure_planner(actor, leads, tr("a merged visit's lead unit"))

    def edit(month: EnterpriseMonth) -> tuple[list[Visit], list[Visit]]:
        chosen = [find_visit(month, r["id"]) for r in rows]
        return chosen, [merge_visits(chosen, scenario)]

    return await apply_edit(actor, rows[0]["schedule"], rows[0]["uscc"], edit, policy, now, "merge")


async def _task_and_visit(task_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    task = await task_row(task_id)
    if task["status"] != "planned" or task["visit_seq"] is None:
        raise RuleViolation(
            tr("Plan task {task_id} is {task}.", task_id=task_id, task=task["status"]), code="plan_task_cancelled"
        )
    row = (
        await PlanVisit.select()
        .where((PlanVisit.schedule == task["schedule"]) & (PlanVisit.seq == task["visit_seq"]))
        .first()
    )
    if row is None:
        raise NotFound(tr("Plan task {task_id} has no visit.", task_id=task_id), code="plan_visit_not_found")
    return task, row

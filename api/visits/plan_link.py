"""Visits and plan tasks: the check a filing makes against its plan task.

``check_plan_link`` is called by ``api.visits.filing.file_visit`` inside its transaction (it lives with the
visits, which the plans build on: ``api.plans.filing`` files a visit from a task through ``file_visit``):

- with a ``plan_task_id``: the task must exist (``plan_task_not_found``, 404), be in a published month
  (``plan_task_not_published``), be planned and on-site (``plan_task_cancelled``, ``plan_task_nonsite``), be
  the lead unit's task (``plan_task_not_lead``), match the visit exactly — same enterprise, the same units as
  the task's planned visit and the same items (``plan_task_mismatch``) — with the window inside the task's
  window (``plan_task_window_mismatch``), be filed as a planned visit (``plan_task_requires_planned``) and not
  be filed already by a visit that is not cancelled (``plan_task_already_filed``, 409);
- without one, a *planned* inspection is always refused with ``plan_task_required``: a planned visit has a plan.
  In a month without a published schedule a planner adds an extra task to the month (``POST
  /api/v1/schedules/{period}/extra-tasks``) or files a triggered visit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from api.clock import LOCAL_TZ
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import tr
from models.enums import VisitKind, VisitOrigin, VisitStatus
from models.plan_tables import PlanTask, PlanVisit, ScheduleMonth
from models.values import as_date, json_list
from models.visit_tables import Visit


def _month(local: dt.datetime) -> str:
    return f"{local.year}-{local.month:02d}"


def _local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(LOCAL_TZ).date()


async def group_of(task: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The task's planned visit and the planned tasks in it."""
    visit = (
        await PlanVisit.select()
        .where((PlanVisit.schedule == task["schedule"]) & (PlanVisit.seq == task["visit_seq"]))
        .first()
    )
    if visit is None:
        raise RuleViolation(
            tr("Plan task {task} is not in a planned visit.", task=task["id"]), code="plan_task_cancelled"
        )
    tasks = await PlanTask.select().where(
        (PlanTask.schedule == task["schedule"])
        & (PlanTask.visit_seq == task["visit_seq"])
        & (PlanTask.status == "planned")
    )
    return visit, list(tasks)


async def check_plan_link(
    *,
    plan_task_id: int | None,
    origin: VisitOrigin,
    uscc: str,
    lead_unit_id: int,
    unit_ids: Collection[int],
    item_codes: Collection[str],
    window_start: dt.datetime,
    window_end: dt.datetime,
    kind: VisitKind = VisitKind.enforcement,
) -> None:
    field = "plan_task_id"
    if plan_task_id is None:
        if origin != VisitOrigin.planned or kind != VisitKind.enforcement:
            return  # a service visit (服务) is not an inspection: no inspection plan covers it
        local = window_start.astimezone(LOCAL_TZ)
        published = await ScheduleMonth.exists().where(
            (ScheduleMonth.period == _month(local)) & (ScheduleMonth.status == "published")
        )
        hint = (
            tr("file it from its plan task (POST /api/v1/plan-tasks/<id>/file) or name plan_task_id")
            if published
            else tr(
                "{period} has no published schedule: add an extra task to the month or file a triggered visit",
                period=_month(local),
            )
        )
        raise RuleViolation(
            tr("A planned visit needs a task of a published monthly plan: {hint}.", hint=hint),
            code="plan_task_required",
            field=field,
        )
    task = await PlanTask.select().where(PlanTask.id == plan_task_id).first()
    if task is None:
        raise NotFound(
            tr("Plan task {plan_task_id} does not exist.", plan_task_id=plan_task_id),
            code="plan_task_not_found",
            field=field,
        )
    if origin != VisitOrigin.planned:
        raise RuleViolation(tr("A visit filed from a plan task is a planned visit."), code="plan_task_requires_planned")
    schedule = await ScheduleMonth.select(ScheduleMonth.status).where(ScheduleMonth.id == task["schedule"]).first()
    if schedule is None or schedule["status"] != "published":
        raise RuleViolation(tr("The task's month is not published yet."), code="plan_task_not_published", field=field)
    if task["status"] != "planned":
        raise RuleViolation(
            tr("Plan task {plan_task_id} is cancelled.", plan_task_id=plan_task_id),
            code="plan_task_cancelled",
            field=field,
        )
    if not task["onsite"]:
        raise RuleViolation(tr("A non-site task is not filed as a visit."), code="plan_task_nonsite", field=field)
    visit, group = await group_of(task)
    if task["unit"] != lead_unit_id or visit["lead_unit"] != lead_unit_id:
        raise RuleViolation(tr("Name the plan task of the visit's lead unit."), code="plan_task_not_lead", field=field)
    planned_units = {t["unit"] for t in group}
    planned_items = {code for t in group for code in json_list(t["item_codes"])}
    if task["uscc"] != uscc or planned_units != set(unit_ids) or planned_items != set(item_codes):
        raise RuleViolation(
            tr("The visit must name the task's enterprise, the units and the items of its planned visit."),
            code="plan_task_mismatch",
            field=field,
        )
    first, last = as_date(visit["window_start"]), as_date(visit["window_end"])
    if _local_date(window_start) < first or _local_date(window_end - dt.timedelta(microseconds=1)) > last:
        raise RuleViolation(
            tr("The window must lie within the task's window {first}–{last}.", first=first, last=last),
            code="plan_task_window_mismatch",
            field="window_start",
        )
    group_ids = [t["id"] for t in group]
    filed = await Visit.exists().where(
        Visit.plan_task_id.is_in(group_ids) & (Visit.status != VisitStatus.cancelled.value)
    )
    if filed:
        raise Conflict(tr("A visit was already filed from this planned visit."), code="plan_task_already_filed")

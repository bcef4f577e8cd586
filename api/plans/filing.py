"""Filing a visit from a published plan task with one call: enterprise, units, items and window pre-filled.

The whole planned visit is filed (a joint one with all its units and items), led by its lead unit and
linked to the lead unit's task; naming any task of the planned visit works. Everything else — inspectors,
certificates, the filer's role, caps — is checked by ``api.visits.filing.file_visit`` as for any visit.
"""

from __future__ import annotations

import datetime as dt

from api.actor import Actor
from api.clock import LOCAL_TZ
from api.context import ServiceContext
from api.errors import InvalidInput, NotFound, RuleViolation
from api.i18n import tr
from api.plans.schemas import FileTaskRequest
from api.registry.lookups import unit_codes_by_id
from api.visits import filing as visits
from api.visits.plan_link import group_of
from api.visits.schemas import VisitCreate, VisitRead
from models.enums import VisitOrigin
from models.plan_tables import PlanTask, ScheduleMonth
from models.values import as_date, json_list

DEFAULT_HOURS = (9, 17)  # the default window on the task's first day, local time


async def file_from_task(
    actor: Actor, task_id: int, data: FileTaskRequest, env: ServiceContext, now: dt.datetime
) -> VisitRead:
    task = await PlanTask.select().where(PlanTask.id == task_id).first()
    if task is None:
        raise NotFound(tr("Plan task {task_id} does not exist.", task_id=task_id), code="plan_task_not_found")
    schedule = await ScheduleMonth.select(ScheduleMonth.status).where(ScheduleMonth.id == task["schedule"]).first()
    if schedule is None or schedule["status"] != "published":
        raise RuleViolation(tr("Only tasks of a published month are filed."), code="plan_task_not_published")
    if task["status"] != "planned":
        raise RuleViolation(tr("Plan task {task_id} is cancelled.", task_id=task_id), code="plan_task_cancelled")
    visit, group = await group_of(task)
    lead = next(t for t in group if t["unit"] == visit["lead_unit"])
    units = await unit_codes_by_id()
    ordered = sorted(group, key=lambda t: (t["unit"] != visit["lead_unit"], units[t["unit"]]))
    items = list(dict.fromkeys(code for t in ordered for code in json_list(t["item_codes"])))
    start, end = data.window_start, data.window_end
    if (start is None) != (end is None):
        raise InvalidInput(tr("Give both window_start and window_end, or neither."), code="window_incomplete")
    if start is None or end is None:
        day = as_date(visit["window_start"])
        start = dt.datetime(day.year, day.month, day.day, DEFAULT_HOURS[0], tzinfo=LOCAL_TZ)
        end = dt.datetime(day.year, day.month, day.day, DEFAULT_HOURS[1], tzinfo=LOCAL_TZ)
    body = VisitCreate(
        uscc=task["uscc"],
        unit_codes=[units[t["unit"]] for t in ordered],
        inspector_ids=data.inspector_ids,
        window_start=start,
        window_end=end,
        origin=VisitOrigin.planned,
        item_codes=items,
        lead_unit_code=units[visit["lead_unit"]],
        plan_task_id=lead["id"],
    )
    return await visits.file_visit(actor, body, env, now)

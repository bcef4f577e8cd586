"""Annual plans, monthly schedules, planner edits and filing from a task (thin: the services decide).

Register with ``*plan_route_handlers`` (this module and ``api.plans.public_controller``).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.types import ControllerRouterHandler

from api.auth import STAFF, any_authenticated, require
from api.deps import DEPENDENCIES, CurrentActor, Env, Limit, Now, Offset
from api.plans import annual as plans_annual
from api.plans import edit_ops as plans_edit_ops
from api.plans import extra as plans_extra
from api.plans import holidays as plans_holidays
from api.plans import schedule as plans_schedule
from api.plans.build import build_schedule
from api.plans.filing import file_from_task
from api.plans.policy import PlanPolicy, parse_month
from api.plans.public_controller import MyController, PublicScheduleController, UnitFeedController
from api.plans.schemas import (
    AmendRequest,
    AnnualPlanCreate,
    AnnualPlanRead,
    ApproveMonthRequest,
    CalendarLoadRead,
    CalendarYearRead,
    CalendarYearWrite,
    EditResult,
    EntriesReplace,
    ExtraTaskCreate,
    ExtraTaskRead,
    FileTaskRequest,
    FlaggedVisitRead,
    MergeRequest,
    MoveRequest,
    PlanVisitRead,
    PublishMonthRequest,
    ReasonRequest,
    ScheduleRead,
    SplitRequest,
)
from api.visits.schemas import VisitRead
from models.enums import Role

Policy = NamedDependency[PlanPolicy]


def provide_policy(request: Request[Any, Any, Any]) -> PlanPolicy:
    """The plan policy the settings built at startup (``api.settings``)."""
    policy: PlanPolicy = request.app.state.settings.plan_policy
    return policy


PLAN_DEPENDENCIES = {**DEPENDENCIES, "policy": Provide(provide_policy, sync_to_thread=False)}
PLANNER = [require(Role.planner)]


class AnnualPlanController(Controller):
    path = "/api/v1/annual-plans"
    tags = ["plans"]
    dependencies = PLAN_DEPENDENCIES

    @post("/", guards=PLANNER, summary="Create the unit's annual plan (年度检查计划) for a year, as a draft")
    async def create(
        self, now: Now, actor: CurrentActor, policy: Policy, data: JSONBody[AnnualPlanCreate]
    ) -> AnnualPlanRead:
        return await plans_annual.create_plan(actor, data, policy, now)

    @get("/", guards=[any_authenticated], summary="Annual plans you may see (every version)")
    async def list_plans(
        self,
        actor: CurrentActor,
        year: FromQuery[int | None] = None,
        unit_code: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
    ) -> list[AnnualPlanRead]:
        return await plans_annual.list_plans(actor, year, unit_code, status)

    @get("/filings", guards=[require(Role.supervisor)], summary="Plans filed with the supervisor (late ones flagged)")
    async def filings(self, actor: CurrentActor, year: FromQuery[int | None] = None) -> list[AnnualPlanRead]:
        return await plans_annual.list_plans(actor, year, None, None, filed_only=True)

    @get("/{plan_id:int}", guards=[any_authenticated])
    async def read(self, actor: CurrentActor, plan_id: FromPath[int]) -> AnnualPlanRead:
        return await plans_annual.read_plan(actor, plan_id)

    @put("/{plan_id:int}/entries", guards=PLANNER, summary="Replace the entries of a draft")
    async def entries(
        self, now: Now, actor: CurrentActor, plan_id: FromPath[int], data: JSONBody[EntriesReplace]
    ) -> AnnualPlanRead:
        return await plans_annual.replace_entries(actor, plan_id, data.entries, now)

    @post("/{plan_id:int}/submit", guards=PLANNER, status_code=200)
    async def submit(self, now: Now, actor: CurrentActor, policy: Policy, plan_id: FromPath[int]) -> AnnualPlanRead:
        return await plans_annual.step(actor, plan_id, "submit", policy, now)

    @post("/{plan_id:int}/approve", guards=[require(Role.approver)], status_code=200)
    async def approve(self, now: Now, actor: CurrentActor, policy: Policy, plan_id: FromPath[int]) -> AnnualPlanRead:
        return await plans_annual.step(actor, plan_id, "approve", policy, now)

    @post("/{plan_id:int}/return", guards=[require(Role.approver)], status_code=200, summary="Send back to draft")
    async def send_back(
        self, now: Now, actor: CurrentActor, plan_id: FromPath[int], data: JSONBody[ReasonRequest]
    ) -> AnnualPlanRead:
        return await plans_annual.send_back(actor, plan_id, data.reason, now)

    @post("/{plan_id:int}/file", guards=PLANNER, status_code=200, summary="File with the supervisor (备案)")
    async def file(self, now: Now, actor: CurrentActor, policy: Policy, plan_id: FromPath[int]) -> AnnualPlanRead:
        return await plans_annual.step(actor, plan_id, "file", policy, now)

    @post("/{plan_id:int}/publish", guards=PLANNER, status_code=200)
    async def publish(self, now: Now, actor: CurrentActor, policy: Policy, plan_id: FromPath[int]) -> AnnualPlanRead:
        return await plans_annual.step(actor, plan_id, "publish", policy, now)

    @post("/{plan_id:int}/amend", guards=PLANNER, summary="Amend a filed plan: a new version, with a reason")
    async def amend(
        self, now: Now, actor: CurrentActor, plan_id: FromPath[int], data: JSONBody[AmendRequest]
    ) -> AnnualPlanRead:
        return await plans_annual.amend(actor, plan_id, data.reason, data.entries, now)


class ScheduleController(Controller):
    path = "/api/v1/schedules"
    tags = ["plans"]
    dependencies = PLAN_DEPENDENCIES

    @post("/{period:str}/build", guards=PLANNER, status_code=200, summary="(Re)build a draft month for the district")
    async def build(self, now: Now, actor: CurrentActor, policy: Policy, period: FromPath[str]) -> ScheduleRead:
        year, month = parse_month(period)
        await build_schedule(actor, year, month, policy, now)
        return await plans_schedule.read_schedule(year, month, None, None, 50, 0)

    @get("/{period:str}", guards=[require(*STAFF)], summary="The month's schedule, joint rates and approvals")
    async def read(
        self,
        period: FromPath[str],
        unit_code: FromQuery[str | None] = None,
        uscc: FromQuery[str | None] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> ScheduleRead:
        year, month = parse_month(period)
        return await plans_schedule.read_schedule(year, month, unit_code, uscc, limit, offset)

    @post("/{period:str}/approve", guards=[require(Role.approver)], status_code=200, summary="Approve your unit's part")
    async def approve(
        self, now: Now, actor: CurrentActor, period: FromPath[str], data: JSONBody[ApproveMonthRequest | None] = None
    ) -> ScheduleRead:
        year, month = parse_month(period)
        await plans_schedule.approve_month(actor, year, month, data.unit_code if data else None, now)
        return await plans_schedule.read_schedule(year, month, None, None, 50, 0)

    @post("/{period:str}/extra-tasks", guards=PLANNER, summary="Add an approved triggered or 专项 task to the month")
    async def add_extra(
        self, now: Now, actor: CurrentActor, period: FromPath[str], data: JSONBody[ExtraTaskCreate]
    ) -> ExtraTaskRead:
        year, month = parse_month(period)
        return await plans_extra.add_extra_task(actor, year, month, data, now)

    @get("/{period:str}/extra-tasks", guards=[require(*STAFF)], summary="The month's added triggered / 专项 tasks")
    async def list_extra(self, period: FromPath[str], unit_code: FromQuery[str | None] = None) -> list[ExtraTaskRead]:
        year, month = parse_month(period)
        return await plans_extra.list_extra_tasks(year, month, unit_code)

    @post(
        "/{period:str}/publish",
        guards=[require(Role.supervisor)],
        status_code=200,
        summary="Publish the month (a provisional calendar needs confirm_provisional)",
    )
    async def publish(
        self, now: Now, actor: CurrentActor, period: FromPath[str], data: JSONBody[PublishMonthRequest | None] = None
    ) -> ScheduleRead:
        year, month = parse_month(period)
        confirm = data.confirm_provisional if data else False
        await plans_schedule.publish_month(actor, year, month, now, confirm_provisional=confirm)
        return await plans_schedule.read_schedule(year, month, None, None, 50, 0)


class PlanVisitController(Controller):
    path = "/api/v1/plan-visits"
    tags = ["plans"]
    dependencies = PLAN_DEPENDENCIES

    @get("/{visit_id:int}", guards=[require(*STAFF)], summary="A planned visit (a merged one: the visit it went into)")
    async def read(self, visit_id: FromPath[int]) -> PlanVisitRead:
        return await plans_edit_ops.read_visit(visit_id)

    @post("/{visit_id:int}/move", guards=PLANNER, status_code=200)
    async def move(
        self, now: Now, actor: CurrentActor, policy: Policy, visit_id: FromPath[int], data: JSONBody[MoveRequest]
    ) -> EditResult:
        return await plans_edit_ops.move(actor, visit_id, data.window_start, data.window_end, policy, now)

    @post("/{visit_id:int}/split", guards=PLANNER, status_code=200, summary="Split by units (one part per list)")
    async def split(
        self, now: Now, actor: CurrentActor, policy: Policy, visit_id: FromPath[int], data: JSONBody[SplitRequest]
    ) -> EditResult:
        return await plans_edit_ops.split(actor, visit_id, data.parts, policy, now)

    @post("/merge", guards=PLANNER, status_code=200, summary="Merge visits to one enterprise under a scenario")
    async def merge(self, now: Now, actor: CurrentActor, policy: Policy, data: JSONBody[MergeRequest]) -> EditResult:
        return await plans_edit_ops.merge(actor, data.visit_ids, data.scenario_code, policy, now)


class PlanTaskController(Controller):
    path = "/api/v1/plan-tasks"
    tags = ["plans"]
    dependencies = PLAN_DEPENDENCIES

    @post("/{task_id:int}/unmerge", guards=PLANNER, status_code=200, summary="Take the task out of its joint visit")
    async def unmerge(self, now: Now, actor: CurrentActor, policy: Policy, task_id: FromPath[int]) -> EditResult:
        return await plans_edit_ops.unmerge(actor, task_id, policy, now)

    @post("/{task_id:int}/cancel", guards=PLANNER, status_code=200, summary="Cancel a task of a draft month")
    async def cancel(self, now: Now, actor: CurrentActor, policy: Policy, task_id: FromPath[int]) -> EditResult:
        return await plans_edit_ops.cancel(actor, task_id, policy, now)

    @post("/{task_id:int}/file", guards=PLANNER, summary="File the task's planned visit (pre-filled, linked)")
    async def file(
        self, now: Now, actor: CurrentActor, env: Env, task_id: FromPath[int], data: JSONBody[FileTaskRequest]
    ) -> VisitRead:
        return await file_from_task(actor, task_id, data, env, now)


class CalendarController(Controller):
    path = "/api/v1/calendar"
    tags = ["plans"]
    dependencies = PLAN_DEPENDENCIES

    @get("/flags", guards=[require(*STAFF)], summary="Planned visits an official calendar put on a day off")
    async def flags(
        self,
        year: FromQuery[int | None] = None,
        unit_code: FromQuery[str | None] = None,
        period: FromQuery[str | None] = None,
    ) -> list[FlaggedVisitRead]:
        if period is not None:
            parse_month(period)
        return await plans_holidays.flagged_visits(year, unit_code, period)

    @get("/{year:int}", guards=[require(*STAFF)], summary="A year's holiday calendar (official or provisional)")
    async def read(self, year: FromPath[int]) -> CalendarYearRead:
        return await plans_holidays.year_view(year)

    @put("/{year:int}", guards=[require(Role.admin)], summary="Load or correct a year's official holiday calendar")
    async def load(
        self, now: Now, actor: CurrentActor, year: FromPath[int], data: JSONBody[CalendarYearWrite]
    ) -> CalendarLoadRead:
        return await plans_holidays.put_year(actor, year, data, now)


plan_route_handlers: list[ControllerRouterHandler] = [
    AnnualPlanController,
    ScheduleController,
    PlanVisitController,
    PlanTaskController,
    CalendarController,
    UnitFeedController,
    PublicScheduleController,
    MyController,
]

"""Annual plans, monthly schedules, planner edits and filing from a task (thin: the services decide).

Register with ``*plan_route_handlers`` (this module and ``api.plans.public_controller``).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.types import ControllerRouterHandler

from api.auth import STAFF, any_authenticated, require
from api.deps import DEPENDENCIES, CurrentActor, Env, Limit, Now, Offset
from api.openapi_tags import ANNUAL_PLANS, CALENDAR, SCHEDULES
from api.pagination import Page
from api.plans import annual as plans_annual
from api.plans import edit_ops as plans_edit_ops
from api.plans import extra as plans_extra
from api.plans import holidays as plans_holidays
from api.plans import schedule as plans_schedule
from api.plans.build import build_schedule
from api.plans.filing import file_from_task
from api.plans.policy import PlanPolicy, parse_month
from api.plans.public_controller import MonthPath, MyController, PublicScheduleController, UnitFeedController
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

ANNUAL_PLAN_EXAMPLES = [
    Example(
        summary="市场监管局 2027 年度计划草稿：两条计划",
        value={
            "year": 2027,
            "entries": [
                {
                    "item_codes": ["MKT-001"],
                    "frequency": 1,
                    "kind": "routine",
                    "onsite": True,
                    "industry_prefixes": ["H62"],
                    "risk_grades": ["high", "medium"],
                    "note": "餐饮业中高风险企业，每年一次",
                },
                {
                    "item_codes": ["MKT-002"],
                    "frequency": 2,
                    "kind": "special",
                    "above_scale_only": True,
                    "note": "规上企业专项检查",
                },
            ],
        },
    ),
    Example(summary="只建空草稿，条目稍后填写", value={"year": 2027}),
]
APPROVE_MONTH_EXAMPLES = [
    Example(summary="主体负责人批准本单位的部分（不带请求体亦可）", value={}),
    Example(summary="管理员代某单位批准", value={"unit_code": "MKT"}),
]


class AnnualPlanController(Controller):
    path = "/api/v1/annual-plans"
    tags = [ANNUAL_PLANS]
    dependencies = PLAN_DEPENDENCIES

    @post("/", guards=PLANNER, summary="新建年度检查计划（草稿）")
    async def create(
        self,
        now: Now,
        actor: CurrentActor,
        policy: Policy,
        data: Annotated[AnnualPlanCreate, Body(media_type=RequestEncodingType.JSON, examples=ANNUAL_PLAN_EXAMPLES)],
    ) -> AnnualPlanRead:
        """为本单位新建某年的年度检查计划，状态为草稿。每条计划写明事项、对象（行业代码前缀、风险等级、
        是否只查规上企业，或点名企业）、每家企业每年的频次、日常或专项、现场或非现场。

        角色：规划员（planner，本单位）；管理员须写明 `unit_code`。
        拒绝：409 `annual_plan_exists`（该年已有计划，请修改或变更）；
        422 `plan_entry_no_duplicate`、事项不存在或未公布。
        English: creates the unit's annual plan for a year, as a draft; then submit → approve → file → publish.
        """
        return await plans_annual.create_plan(actor, data, policy, now)

    @get("/", guards=[any_authenticated], summary="年度检查计划列表")
    async def list_plans(
        self,
        actor: CurrentActor,
        year: FromQuery[int | None] = None,
        unit_code: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Page[AnnualPlanRead]:
        """可见的年度检查计划（含每个版本），按年份、单位、版本排序，可按年份、单位、状态筛选，分页。

        角色：司法局看全部；规划员、主体负责人、执法人员看本单位的计划和其他单位已公开的计划；企业不可（403）。
        """
        rows, total = await plans_annual.list_plans(actor, year, unit_code, status, limit=limit, offset=offset)
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/filings", guards=[require(Role.supervisor)], summary="已向司法局备案的年度计划")
    async def filings(
        self, actor: CurrentActor, year: FromQuery[int | None] = None, limit: Limit = 100, offset: Offset = 0
    ) -> Page[AnnualPlanRead]:
        """已备案的年度计划，逾期备案（晚于备案截止日，默认 3 月 31 日）的标出 `late`；分页。

        角色：司法局（supervisor）。English: plans filed with the supervisor, late ones flagged.
        """
        rows, total = await plans_annual.list_plans(
            actor, year, None, None, filed_only=True, limit=limit, offset=offset
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{plan_id:int}", guards=[any_authenticated], summary="查看一份年度计划")
    async def read(self, actor: CurrentActor, plan_id: FromPath[int]) -> AnnualPlanRead:
        """一份年度计划（一个版本）及其条目和状态。

        角色：与列表相同（企业不可）。拒绝：404 `annual_plan_not_found`；403 `not_your_unit`。
        """
        return await plans_annual.read_plan(actor, plan_id)

    @put("/{plan_id:int}/entries", guards=PLANNER, summary="替换草稿的全部条目")
    async def entries(
        self, now: Now, actor: CurrentActor, plan_id: FromPath[int], data: JSONBody[EntriesReplace]
    ) -> AnnualPlanRead:
        """用请求中的条目替换草稿的全部条目。

        角色：规划员（planner，本单位）。
        拒绝：409 `plan_not_draft`；422 `plan_entry_no_duplicate`；403 `not_your_unit`。
        """
        return await plans_annual.replace_entries(actor, plan_id, data.entries, now)

    @post("/{plan_id:int}/submit", guards=PLANNER, status_code=200, summary="提交年度计划待批准")
    async def submit(self, now: Now, actor: CurrentActor, policy: Policy, plan_id: FromPath[int]) -> AnnualPlanRead:
        """把草稿提交给本单位主体负责人批准。

        角色：规划员（planner，本单位）。拒绝：409 `plan_not_draft`、`plan_without_entries`；403 `not_your_unit`。
        """
        return await plans_annual.step(actor, plan_id, "submit", policy, now)

    @post("/{plan_id:int}/approve", guards=[require(Role.approver)], status_code=200, summary="批准年度计划")
    async def approve(self, now: Now, actor: CurrentActor, policy: Policy, plan_id: FromPath[int]) -> AnnualPlanRead:
        """主体负责人批准已提交的年度计划；批准后由规划员向司法局备案。

        角色：主体负责人（approver，本单位）。拒绝：409 `plan_wrong_status`；403 `not_your_unit`。
        """
        return await plans_annual.step(actor, plan_id, "approve", policy, now)

    @post("/{plan_id:int}/return", guards=[require(Role.approver)], status_code=200, summary="退回年度计划（写明理由）")
    async def send_back(
        self, now: Now, actor: CurrentActor, plan_id: FromPath[int], data: JSONBody[ReasonRequest]
    ) -> AnnualPlanRead:
        """把已提交的计划退回草稿，写明理由，规划员修改后再提交。

        角色：主体负责人（approver，本单位）。拒绝：409 `plan_wrong_status`；403 `not_your_unit`。
        """
        return await plans_annual.send_back(actor, plan_id, data.reason, now)

    @post("/{plan_id:int}/file", guards=PLANNER, status_code=200, summary="年度计划向司法局备案")
    async def file(self, now: Now, actor: CurrentActor, policy: Policy, plan_id: FromPath[int]) -> AnnualPlanRead:
        """已批准的计划向司法局备案；晚于备案截止日的记为逾期备案（`late`）。

        角色：规划员（planner，本单位）。拒绝：409 `plan_wrong_status`（须先批准）；403 `not_your_unit`。
        """
        return await plans_annual.step(actor, plan_id, "file", policy, now)

    @post("/{plan_id:int}/publish", guards=PLANNER, status_code=200, summary="公开年度计划")
    async def publish(self, now: Now, actor: CurrentActor, policy: Policy, plan_id: FromPath[int]) -> AnnualPlanRead:
        """公开已备案的年度计划；此后月度计划按它生成任务。

        角色：规划员（planner，本单位）。拒绝：409 `plan_not_filed`、`plan_wrong_status`；403 `not_your_unit`。
        """
        return await plans_annual.step(actor, plan_id, "publish", policy, now)

    @post("/{plan_id:int}/amend", guards=PLANNER, summary="变更已备案的年度计划（新版本）")
    async def amend(
        self, now: Now, actor: CurrentActor, plan_id: FromPath[int], data: JSONBody[AmendRequest]
    ) -> AnnualPlanRead:
        """变更已备案的计划：写明理由，形成新版本草稿（不给 `entries` 时沿用原版本的条目），
        再走提交、批准、备案；原版本在新版本生效前仍然有效。

        角色：规划员（planner，本单位）。拒绝：409 `plan_not_filed`、`plan_superseded`；403 `not_your_unit`。
        English: an amendment is a new version with a reason; the old one stays in force until it is replaced.
        """
        return await plans_annual.amend(actor, plan_id, data.reason, data.entries, now)


class ScheduleController(Controller):
    path = "/api/v1/schedules"
    tags = [SCHEDULES]
    dependencies = PLAN_DEPENDENCIES

    @post("/{period:str}/build", guards=PLANNER, status_code=200, summary="生成（重新生成）月度检查计划")
    async def build(self, now: Now, actor: CurrentActor, policy: Policy, period: MonthPath) -> ScheduleRead:
        """按各单位已公开的年度计划和追加任务生成全区某月的草稿：分配到工作日（避开节假日、调休和静默日），
        遵守年度频次上限，同一企业的任务按联合检查场景合并；重新生成会覆盖尚未发布的草稿。无需请求体。

        角色：规划员（planner）、管理员。
        拒绝：409 `schedule_published`（已发布的月份不再生成）、`earlier_month_not_published`、`later_month_built`；
        422 `calendar_unavailable`（缺该年的节假日历）；400 `invalid_period`。
        English: builds (or rebuilds) the district's draft month from the published annual plans.
        """
        year, month = parse_month(period)
        await build_schedule(actor, year, month, policy, now)
        return await plans_schedule.read_schedule(year, month, None, None, 50, 0)

    @get("/{period:str}", guards=[require(*STAFF)], summary="查看月度检查计划")
    async def read(
        self,
        period: MonthPath,
        unit_code: FromQuery[str | None] = None,
        uscc: FromQuery[str | None] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> ScheduleRead:
        """一个月的计划：检查（含任务、单位、窗口、是否联合）、联合检查率、各单位的批准情况和生成说明；
        可按单位、企业筛选，分页。

        角色：司法局、规划员、主体负责人、执法人员。拒绝：404 `schedule_not_found`；400 `invalid_period`。
        """
        year, month = parse_month(period)
        return await plans_schedule.read_schedule(year, month, unit_code, uscc, limit, offset)

    @post("/{period:str}/approve", guards=[require(Role.approver)], status_code=200, summary="批准本单位的月度计划")
    async def approve(
        self,
        now: Now,
        actor: CurrentActor,
        period: MonthPath,
        data: Annotated[
            ApproveMonthRequest | None, Body(media_type=RequestEncodingType.JSON, examples=APPROVE_MONTH_EXAMPLES)
        ] = None,
    ) -> ScheduleRead:
        """主体负责人批准本单位在该月计划中的部分；各单位都批准后，司法局才能发布。

        角色：主体负责人（approver，本单位）；管理员须写明 `unit_code`。
        拒绝：409 `already_approved`、`schedule_published`；404 `schedule_not_found`；403 `not_your_unit`。
        English: the unit head approves the unit's part of the month.
        """
        year, month = parse_month(period)
        await plans_schedule.approve_month(actor, year, month, data.unit_code if data else None, now)
        return await plans_schedule.read_schedule(year, month, None, None, 50, 0)

    @post("/{period:str}/extra-tasks", guards=PLANNER, summary="追加触发或专项任务")
    async def add_extra(
        self, now: Now, actor: CurrentActor, period: MonthPath, data: JSONBody[ExtraTaskCreate]
    ) -> ExtraTaskRead:
        """给该月追加一项已批准的任务：触发检查（投诉举报、转办交办等，须写 `trigger_ref`）或专项检查；
        下次生成计划时排入。

        角色：规划员（planner，本单位）。拒绝：409 `schedule_published`、`schedule_approved`；403 `not_your_unit`。
        """
        year, month = parse_month(period)
        return await plans_extra.add_extra_task(actor, year, month, data, now)

    @get("/{period:str}/extra-tasks", guards=[require(*STAFF)], summary="该月追加的任务")
    async def list_extra(self, period: MonthPath, unit_code: FromQuery[str | None] = None) -> list[ExtraTaskRead]:
        """该月追加的触发和专项任务，可按单位筛选。

        角色：司法局、规划员、主体负责人、执法人员。
        """
        year, month = parse_month(period)
        return await plans_extra.list_extra_tasks(year, month, unit_code)

    @post("/{period:str}/publish", guards=[require(Role.supervisor)], status_code=200, summary="发布月度检查计划")
    async def publish(
        self, now: Now, actor: CurrentActor, period: MonthPath, data: JSONBody[PublishMonthRequest | None] = None
    ) -> ScheduleRead:
        """各单位都批准后发布该月计划：规上企业的部分随即公示，企业收到检查预告，任务可以备案为检查。
        按暂定日历（当年尚无官方放假安排）编制的月份须明确确认：`{"confirm_provisional": true}`。

        角色：司法局（supervisor）。拒绝：422 `units_not_approved`；409 `schedule_published`、
        `provisional_calendar_unconfirmed`；404 `schedule_not_found`。
        English: publishes the month once every unit approved its part (a provisional calendar needs confirmation).
        """
        year, month = parse_month(period)
        confirm = data.confirm_provisional if data else False
        await plans_schedule.publish_month(actor, year, month, now, confirm_provisional=confirm)
        return await plans_schedule.read_schedule(year, month, None, None, 50, 0)


class PlanVisitController(Controller):
    path = "/api/v1/plan-visits"
    tags = [SCHEDULES]
    dependencies = PLAN_DEPENDENCIES

    @get("/{visit_id:int}", guards=[require(*STAFF)], summary="读取一条计划检查（已合并的给出合并后的检查）")
    async def read(self, visit_id: FromPath[int]) -> PlanVisitRead:
        """按编号读取计划检查；编号在调整中保持不变，被合并或清空的检查也照常应答。

        角色：各单位人员、司法局、管理员。拒绝：404 `plan_visit_not_found`。English: one planned visit by id.
        """
        return await plans_edit_ops.read_visit(visit_id)

    @post("/{visit_id:int}/move", guards=PLANNER, status_code=200, summary="调整计划检查的时间")
    async def move(
        self, now: Now, actor: CurrentActor, policy: Policy, visit_id: FromPath[int], data: JSONBody[MoveRequest]
    ) -> EditResult:
        """把草稿月份中的一次计划检查移到另一个窗口；移动后按生成时的同一套规则（工作日、频次上限等）重新校验。

        角色：规划员（planner，检查涉及本单位）。
        拒绝：404 `plan_visit_not_found`；409 `schedule_published`、`unit_already_approved`、`schedule_changed`；
        422 `schedule_edit_refused`（`violations` 列出每条违反的规则）；403 `not_your_unit`。
        """
        return await plans_edit_ops.move(actor, visit_id, data.window_start, data.window_end, policy, now)

    @post("/{visit_id:int}/split", guards=PLANNER, status_code=200, summary="拆分联合检查")
    async def split(
        self, now: Now, actor: CurrentActor, policy: Policy, visit_id: FromPath[int], data: JSONBody[SplitRequest]
    ) -> EditResult:
        """把一次联合检查按单位拆成几次（`parts` 每组列出一次检查的单位代码），拆后仍须符合排期规则。

        角色：规划员（planner，检查涉及本单位）。
        拒绝：404 `plan_visit_not_found`；422 `unit_not_in_visit`、`schedule_edit_refused`；
        409 `schedule_published`、`unit_already_approved`。
        """
        return await plans_edit_ops.split(actor, visit_id, data.parts, policy, now)

    @post("/merge", guards=PLANNER, status_code=200, summary="合并为联合检查")
    async def merge(self, now: Now, actor: CurrentActor, policy: Policy, data: JSONBody[MergeRequest]) -> EditResult:
        """把同一企业的几次计划检查合并为一次联合检查，可指定联合检查场景。

        角色：规划员（planner，检查涉及本单位）。
        拒绝：422 `merge_needs_two_visits`、`merge_across_enterprises`、`schedule_edit_refused`；
        404 `scenario_not_found`、`plan_visit_not_found`；409 `schedule_published`。
        English: 进一次门、查多项事 — one visit for several units.
        """
        return await plans_edit_ops.merge(actor, data.visit_ids, data.scenario_code, policy, now)


class PlanTaskController(Controller):
    path = "/api/v1/plan-tasks"
    tags = [SCHEDULES]
    dependencies = PLAN_DEPENDENCIES

    @post("/{task_id:int}/unmerge", guards=PLANNER, status_code=200, summary="把任务移出联合检查")
    async def unmerge(self, now: Now, actor: CurrentActor, policy: Policy, task_id: FromPath[int]) -> EditResult:
        """把一项任务从它所在的联合检查中移出，成为单独的一次检查。

        角色：规划员（planner，本单位的任务）。
        拒绝：404 `plan_task_not_found`；422 `not_joint`（任务本就单独一次）；409 `schedule_published`。
        """
        return await plans_edit_ops.unmerge(actor, task_id, policy, now)

    @post("/{task_id:int}/cancel", guards=PLANNER, status_code=200, summary="取消草稿月份的任务")
    async def cancel(self, now: Now, actor: CurrentActor, policy: Policy, task_id: FromPath[int]) -> EditResult:
        """取消草稿月份中的一项任务。

        角色：规划员（planner，本单位的任务）。拒绝：404 `plan_task_not_found`；409 `schedule_published`；
        422 `plan_task_cancelled`。
        """
        return await plans_edit_ops.cancel(actor, task_id, policy, now)

    @post("/{task_id:int}/file", guards=PLANNER, summary="按计划任务备案检查")
    async def file(
        self, now: Now, actor: CurrentActor, env: Env, task_id: FromPath[int], data: JSONBody[FileTaskRequest]
    ) -> VisitRead:
        """按已发布月份的任务备案一次计划检查：企业、单位、事项由任务带入，只需选执法人员
        （窗口默认任务首日 09:00–17:00）；备案规则与 `POST /api/v1/visits` 相同。

        角色：规划员（planner，本单位的任务）。
        拒绝：422 `plan_task_not_published`、`plan_task_cancelled`、`filing_refused`；400 `window_incomplete`；
        404 `plan_task_not_found`。
        """
        return await file_from_task(actor, task_id, data, env, now)


class CalendarController(Controller):
    path = "/api/v1/calendar"
    tags = [CALENDAR]
    dependencies = PLAN_DEPENDENCIES

    @get("/flags", guards=[require(*STAFF)], summary="落在休息日的已排检查")
    async def flags(
        self,
        year: FromQuery[int | None] = None,
        unit_code: FromQuery[str | None] = None,
        period: FromQuery[str | None] = None,
    ) -> list[FlaggedVisitRead]:
        """载入官方节假日日历后，被标出落在休息日的已排检查（尚未备案），按月份和编号排列；
        可按年份、单位（`unit_code`）和月份（`period`，YYYY-MM）筛选，供规划员调整。

        角色：司法局、规划员、主体负责人、执法人员。拒绝：400 `invalid_period`。
        English: planned visits an official calendar put on a day off.
        """
        if period is not None:
            parse_month(period)
        return await plans_holidays.flagged_visits(year, unit_code, period)

    @get("/{year:int}", guards=[require(*STAFF)], summary="查看某年的节假日日历")
    async def read(self, year: FromPath[int]) -> CalendarYearRead:
        """某年的休息日和调休上班日，以及来源：数据库中载入的官方日历、随程序提供的日历，或按周末推算的临时日历
        （`provisional`）。

        角色：司法局、规划员、主体负责人、执法人员。拒绝：422 `calendar_year_out_of_range`。
        """
        return await plans_holidays.year_view(year)

    @put("/{year:int}", guards=[require(Role.admin)], summary="载入或更正某年的节假日日历")
    async def load(
        self, now: Now, actor: CurrentActor, year: FromPath[int], data: JSONBody[CalendarYearWrite]
    ) -> CalendarLoadRead:
        """载入或更正某年的官方节假日日历（休息日、调休上班日，调休上班日只能是周末），替换该年已有的日历，
        并标出因此落在休息日的已排检查。留审计记录。

        角色：管理员（admin）。
        拒绝：422 `calendar_year_out_of_range`、`calendar_day_repeated`、`calendar_day_outside_year`、
        `calendar_day_conflict`、`calendar_workday_not_weekend`。
        English: load or correct a year's official holiday calendar; planned visits on a day off are flagged.
        """
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

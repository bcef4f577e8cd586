from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter

from api.actor import Actor
from api.auth import STAFF, any_authenticated, require
from api.deps import DEPENDENCIES, After, CurrentActor, Env, Limit, Now, Offset
from api.errors import Forbidden
from api.i18n import tr
from api.openapi_tags import VISITS
from api.pagination import Page
from api.visits import codes
from api.visits import filing as visits
from api.visits.code_images import NOT_MODIFIED, IfNoneMatch, code_image
from api.visits.reads import list_visits, read_visit, visible_visit_row, visit_inspector_ids, visit_unit_ids
from api.visits.schemas import CancelRequest, CodeRead, RescheduleRequest, VisitCreate, VisitRead
from models.enums import Role, VisitStatus

USCC_EXAMPLE = "91370112MA3C0001AT"
FILE_VISIT_EXAMPLES = [
    Example(
        summary="因投诉举报触发的检查（规划员备案）",
        value={
            "uscc": USCC_EXAMPLE,
            "unit_codes": ["MKT"],
            "inspector_ids": [1, 2],
            "window_start": "2026-06-15T09:00:00+08:00",
            "window_end": "2026-06-15T12:00:00+08:00",
            "origin": "triggered",
            "trigger_type": "complaint",
            "trigger_ref": "12345-20260611-0032",
            "trigger_reason": "12345 热线投诉：后厨卫生条件差",
            "item_codes": ["MKT-ND"],
        },
    ),
    Example(
        summary="两个单位的联合检查（牵头单位的规划员备案）",
        value={
            "uscc": USCC_EXAMPLE,
            "unit_codes": ["MKT", "FIRE"],
            "lead_unit_code": "MKT",
            "inspector_ids": [1, 2, 6, 7],
            "window_start": "2026-06-16T09:00:00+08:00",
            "window_end": "2026-06-16T17:00:00+08:00",
            "origin": "planned",
            "item_codes": ["MKT-001", "FIRE-001"],
        },
    ),
    Example(
        summary="突发事件：现场的执法人员先检查后备案",
        value={
            "uscc": USCC_EXAMPLE,
            "unit_codes": ["MKT"],
            "inspector_ids": [1, 2],
            "window_start": "2026-06-10T10:00:00+08:00",
            "window_end": "2026-06-10T12:00:00+08:00",
            "origin": "triggered",
            "trigger_type": "emergency",
            "trigger_reason": "发现疑似有毒食品正在销售，证据可能灭失",
            "item_codes": ["MKT-001"],
        },
    ),
    Example(
        summary="服务性走访（调研）：不带检查事项，无执法权",
        value={
            "uscc": USCC_EXAMPLE,
            "unit_codes": ["MKT"],
            "inspector_ids": [1, 2],
            "window_start": "2026-06-18T14:00:00+08:00",
            "window_end": "2026-06-18T16:00:00+08:00",
            "origin": "planned",
            "kind": "service",
            "service_type": "research",
        },
    ),
]


async def _code_holder_row(actor: Actor, visit_id: int) -> dict[str, Any]:
    """The code is shown by an inspector on the visit, or the lead unit's staff; never by the enterprise."""
    row = await visible_visit_row(actor, visit_id)
    if actor.role == Role.enterprise:
        raise Forbidden(tr("The enterprise verifies the code; it does not fetch it."))
    if actor.role == Role.inspector and actor.inspector_id not in await visit_inspector_ids(visit_id):
        raise Forbidden(tr("Only the inspectors named on the visit show its code."), code="not_on_visit")
    if actor.role in (Role.planner, Role.approver) and actor.unit_id not in await visit_unit_ids(visit_id):
        raise Forbidden(tr("Not a visit of your unit."), code="not_your_unit")
    return row


class VisitController(Controller):
    path = "/api/v1/visits"
    tags = [VISITS]
    dependencies = DEPENDENCIES

    @post("/", guards=[require(Role.planner, Role.inspector)], summary="备案一次检查")
    async def file_visit(
        self,
        now: Now,
        actor: CurrentActor,
        env: Env,
        data: Annotated[VisitCreate, Body(media_type=RequestEncodingType.JSON, examples=FILE_VISIT_EXAMPLES)],
    ) -> VisitRead:
        """检查前备案：企业（统一社会信用代码）、执法主体（联合检查写明牵头单位）、至少两名执法证在整个窗口内有效的
        执法人员、这些单位已公布的检查事项、时间窗口，以及来源——计划内（`planned`，已发布月份须从计划任务备案）
        或触发（`triggered`，写明触发类型和事由；无事不扰事项只能由清单允许的事由触发）。
        备案后状态为 `filed`，须主体负责人批准才签发检查码。应答中的 `warnings` 提示频次过高等（不阻止备案）。

        角色：牵头单位的规划员（planner）；执法人员（inspector）只能备案自己在场的突发事件（`emergency`）。

        拒绝：422 `filing_refused`（`violations` 列出每条违反的规则，如 `too_few_inspectors`、`inspector_not_valid`、
        `item_not_published`、`no_disturbance_without_trigger`、`unit_cap_exceeded`、`window_in_past`）、
        `trigger_required`、`trigger_reason_required`、`lead_unit_required`、`plan_task_required`；
        404 `enterprise_not_found`、`unit_not_found`、`inspector_not_found`、`item_not_found`；403 `not_your_unit`。

        English: files (备案) a visit before it happens; the lead unit head's approval then issues its code.
        """
        return await visits.file_visit(actor, data, env, now)

    @get("/", guards=[any_authenticated], summary="检查列表")
    async def list_visits(
        self,
        now: Now,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        status: FromQuery[VisitStatus | None] = None,
        uscc: Annotated[str | None, QueryParameter(max_length=18)] = None,
        unit_code: FromQuery[str | None] = None,
        start_from: FromQuery[dt.datetime | None] = None,
        start_to: FromQuery[dt.datetime | None] = None,
        mine: FromQuery[bool] = False,
        emergency_overdue: FromQuery[bool] = False,
        after: After = None,
    ) -> Page[VisitRead]:
        """可见的检查，窗口最新的在前；可按状态、企业、单位、时间、`mine`（我参与的）、`emergency_overdue`
        （突发事件逾期未补批）筛选。每个代码字段旁附中文名称（`labels`）。

        角色：司法局看全部；规划员、主体负责人、执法人员看本单位参与的；企业只看对本企业的检查
        （触发检查在窗口开始前不让企业看到，以免走漏风声）。
        English: the visits the caller may see, newest window first.
        """
        page = await list_visits(
            actor,
            now,
            status=status.value if status else None,
            uscc=uscc,
            unit_code=unit_code,
            start_from=start_from,
            start_to=start_to,
            mine=mine,
            emergency_overdue_only=emergency_overdue,
            limit=limit,
            offset=offset,
            after=after,
        )
        return Page(page.items, page.total, limit, offset, page.next_after, page.total_exact)

    @get("/{visit_id:int}", guards=[any_authenticated], summary="查看一次检查")
    async def read_visit(self, now: Now, actor: CurrentActor, visit_id: FromPath[int]) -> VisitRead:
        """一次检查的全部记录：企业、单位、执法人员及执法证号、事项及设定依据、窗口、状态、批准、签到签退、
        结果和备案时的提示。

        角色：能在列表中看到这次检查的账号。拒绝：404 `visit_not_found`（看不到的检查也答 404）。
        """
        return await read_visit(actor, visit_id, now)

    @post(
        "/{visit_id:int}/approve",
        guards=[require(Role.approver)],
        status_code=200,
        summary="批准检查并签发检查码",
    )
    async def approve(self, now: Now, actor: CurrentActor, env: Env, visit_id: FromPath[int]) -> VisitRead:
        """牵头单位的主体负责人批准一次已备案的检查，随即签发检查码（检查码在窗口内有效）。无需请求体：
        `POST /api/v1/visits/12/approve`。批准时再次核对执法人员的执法证（备案后被暂扣、吊销或过期的会被拒绝）。
        突发事件先检查后补批。

        角色：牵头单位的主体负责人（approver）。
        拒绝：422 `already_approved`、`visit_cancelled`、`filing_refused`（执法证已不再有效）；403 `not_your_unit`；
        404 `visit_not_found`。English: the lead unit head's prior approval; issues the visit code (检查码).
        """
        return await visits.approve_visit(actor, visit_id, env, now)

    @post(
        "/{visit_id:int}/cancel",
        guards=[require(Role.planner, Role.approver)],
        status_code=200,
        summary="取消检查（检查码作废）",
    )
    async def cancel(
        self, now: Now, actor: CurrentActor, env: Env, visit_id: FromPath[int], data: JSONBody[CancelRequest]
    ) -> VisitRead:
        """取消一次尚未开始的检查（写明理由），其检查码列入吊销列表，企业核验时显示已取消。

        角色：牵头单位的规划员（planner）或主体负责人（approver）。
        拒绝：422 `visit_not_cancellable`（已签到或已签退）；403 `not_your_unit`；404 `visit_not_found`。
        """
        return await visits.cancel_visit(actor, visit_id, data.reason, env, now)

    @post(
        "/{visit_id:int}/reschedule",
        guards=[require(Role.planner)],
        status_code=200,
        summary="改期（须重新批准）",
    )
    async def reschedule(
        self, now: Now, actor: CurrentActor, env: Env, visit_id: FromPath[int], data: JSONBody[RescheduleRequest]
    ) -> VisitRead:
        """改变检查的时间窗口：按新窗口重新校验备案规则，旧检查码作废，须重新批准后签发新码。

        角色：牵头单位的规划员（planner）。
        拒绝：422 `visit_not_reschedulable`、`filing_refused`；403 `not_your_unit`；404 `visit_not_found`。
        English: a new window needs a new approval and a new code.
        """
        return await visits.reschedule_visit(actor, visit_id, data, env, now)

    @get("/{visit_id:int}/code", guards=[require(*STAFF)], summary="检查码（亮码用）")
    async def code(self, actor: CurrentActor, env: Env, visit_id: FromPath[int]) -> CodeRead:
        """已批准检查的检查码：核验网址（二维码内容）、令牌和有效期。执法人员到达时出示（亮码），企业用任意手机扫码核验。

        角色：检查上列名的执法人员，牵头单位的规划员、主体负责人，司法局；企业不取检查码，只核验。
        拒绝：403 `not_on_visit`、`not_your_unit`；404 `visit_not_found`；422 `code_not_issued`（尚未批准）。
        """
        return await codes.current_code(await _code_holder_row(actor, visit_id), env)

    @get(
        "/{visit_id:int}/code.png",
        guards=[require(*STAFF)],
        media_type="image/png",
        responses=NOT_MODIFIED,
        summary="检查码二维码（PNG）",
    )
    async def code_png(
        self, actor: CurrentActor, env: Env, visit_id: FromPath[int], if_none_match: IfNoneMatch = None
    ) -> Response[bytes]:
        """检查码的二维码图片（PNG），只渲染一次后缓存；支持 ETag / If-None-Match（304）。

        角色：与“检查码”相同。拒绝：403 `not_on_visit`、`not_your_unit`；404 `visit_not_found`。
        """
        code = await codes.current_code(await _code_holder_row(actor, visit_id), env)
        return code_image(code.url, "png", if_none_match)

    @get(
        "/{visit_id:int}/code.svg",
        guards=[require(*STAFF)],
        media_type="image/svg+xml",
        responses=NOT_MODIFIED,
        summary="检查码二维码（SVG）",
    )
    async def code_svg(
        self, actor: CurrentActor, env: Env, visit_id: FromPath[int], if_none_match: IfNoneMatch = None
    ) -> Response[bytes]:
        """检查码的二维码矢量图（SVG），适合打印；支持 ETag / If-None-Match（304）。

        角色：与“检查码”相同。拒绝：403 `not_on_visit`、`not_your_unit`；404 `visit_not_found`。
        """
        code = await codes.current_code(await _code_holder_row(actor, visit_id), env)
        return code_image(code.url, "svg", if_none_match)

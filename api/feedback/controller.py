"""Ratings and complaints: public (code as capability), enterprise, and supervisor routes."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery, JSONBody, PathParameter, QueryParameter

from api.auth import require
from api.deps import CurrentActor, Env, Limit, Now, Offset, provide_actor, provide_context
from api.feedback import service as feedback
from api.feedback.schemas import (
    AdvanceRequest,
    ComplaintCreate,
    ComplaintDetail,
    ComplaintRead,
    ComplaintReceipt,
    PublicComplaintCreate,
    RatingCreate,
    RatingRead,
    RatingReceipt,
    RatingSummary,
)
from api.openapi_tags import FEEDBACK
from api.pagination import Page
from api.throttle import HOUR, enforce_on, rate_limited
from models.enums import ComplaintStatus, Role

CodePath = Annotated[str, PathParameter(max_length=4096, description="The visit code token (Base32, as in the QR URL)")]
From = Annotated[dt.datetime | None, QueryParameter(name="from", description="Rated at or after")]
To = Annotated[dt.datetime | None, QueryParameter(name="to", description="Rated before")]
UnitCode = Annotated[str | None, QueryParameter(max_length=32)]
SUPERVISOR = require(Role.supervisor)
# Public writes are bounded (api.throttle): per client address by guard, per enterprise or visit in the handler.
PUBLIC_WRITES = rate_limited("public_write", lambda settings: settings.public_write_rate_per_hour)


async def _per_target(request: Request[Any, Any, Any], *targets: str | None) -> None:
    """At most ``RUQI_PUBLIC_WRITE_RATE_PER_TARGET`` complaints and ratings an hour about one enterprise or visit."""
    limit = request.app.state.settings.public_write_rate_per_target
    for target in targets:
        if target:
            digest = hashlib.sha256(target.strip().encode()).hexdigest()[:24]
            await enforce_on(request, f"public_write:target:{digest}", limit, HOUR)


RATING_EXAMPLES = [
    Example(
        summary="五分，附一句话",
        value={"score": 5, "client_event_id": "rate-20260615-01", "comment": "检查人员亮码规范"},
    ),
    Example(
        summary="两分",
        value={"score": 2, "client_event_id": "rate-20260615-02", "comment": "一个月内第三次来检查"},
    ),
]
COMPLAINT_EXAMPLES = [
    Example(
        summary="企业投诉频繁检查，附扫描到的检查码",
        value={
            "kind": "too_frequent",
            "description": "本月第三次检查，内容与上次相同",
            "client_event_id": "complaint-20260615-01",
            "token": "https://ruqi.example/V/AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYUCULBOGAZDINRYHI6D4QA",
            "contact": "0531-12345678",
        },
    ),
]
PUBLIC_COMPLAINT_EXAMPLES = [
    Example(
        summary="核验显示无效的检查码，当场投诉",
        value={
            "kind": "unfiled_inspection",
            "description": "检查人员出示的检查码显示无效",
            "client_event_id": "complaint-20260615-02",
            "token": "https://ruqi.example/V/NOT-A-REAL-CODE",
            "uscc": "91370112MA3C0001AT",
            "contact": "0531-12345678",
        },
    ),
    Example(
        summary="没有检查码，只说明情况",
        value={
            "kind": "disguised_inspection",
            "description": "以调研名义查看账目",
            "client_event_id": "complaint-20260615-03",
        },
    ),
]


def _written(written: feedback.Written) -> Response[Any]:
    status, receipt, replayed = written
    return Response(receipt, status_code=status, headers={"Idempotent-Replayed": "true" if replayed else "false"})


class PublicFeedbackController(Controller):
    """No login: anyone may complain, from any verification result; nothing about the sender is stored."""

    path = "/api/v1/public"
    tags = [FEEDBACK]
    dependencies = {"env": Provide(provide_context, sync_to_thread=False)}

    @post("/complaints", guards=[PUBLIC_WRITES], summary="一键投诉（无需登录）")
    async def complain(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        env: Env,
        data: Annotated[
            PublicComplaintCreate, Body(media_type=RequestEncodingType.JSON, examples=PUBLIC_COMPLAINT_EXAMPLES)
        ],
    ) -> Response[ComplaintReceipt]:
        """从任何核验结果投诉，即使检查码是伪造的：类别（未备案检查、频繁检查、变相检查、执法人员行为、其他）、
        情况说明、扫描到的码（可缺、可无效）、企业代码和联系方式（可不填）。不保存投诉人的任何信息。
        应答给出受理编号和办理时限（30 日）。按 `client_event_id` 幂等：重发得到同一回执
        （`Idempotent-Replayed: true`）。

        角色：无需登录。拒绝：400 输入不合格；409 `idempotency_conflict`；
        429 `rate_limited`（提交过于频繁，`Retry-After` 给出何时再试）。
        English: complain from any verification result, even a forged code; nothing about the sender is stored.
        """
        await _per_target(request, data.uscc, data.token)
        return _written(await feedback.file_public_complaint(data, env, now))


class RatingController(Controller):
    """Only the inspected enterprise rates, through its own login (the inspectors hold the visit code too).

    Two routes, one rule: ``/visits/{id}/rating`` names the visit by id, ``/public/visits/{token}/rating`` by the
    code the enterprise scanned (the page's form logs in first). Both need the enterprise's bearer token, and the
    visit must be that enterprise's; the rating is stored without the rater.
    """

    path = "/api/v1"
    tags = [FEEDBACK]
    dependencies = {
        "actor": Provide(provide_actor, sync_to_thread=False),
        "env": Provide(provide_context, sync_to_thread=False),
    }

    @post(
        "/public/visits/{token:str}/rating",
        guards=[require(Role.enterprise), PUBLIC_WRITES],
        summary="凭检查码评价检查",
    )
    async def rate_by_code(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        actor: CurrentActor,
        env: Env,
        token: CodePath,
        data: Annotated[RatingCreate, Body(media_type=RequestEncodingType.JSON, examples=RATING_EXAMPLES)],
    ) -> Response[RatingReceipt]:
        """企业扫描检查码后评价这次已签退的检查（1–5 分，可附一句话）；核验页的表单先登录再提交。
        评价不记录评价人，被检查单位看不到谁评了什么。每次检查只能评一次；按 `client_event_id` 幂等。

        角色：被检查的企业（enterprise，本企业账号）。
        拒绝：403 `invalid_code`（码无效或不是本企业的检查）；422 `visit_not_checked_out`、`visit_cancelled`；
        409 `already_rated`；
        429 `rate_limited`（提交过于频繁，`Retry-After` 给出何时再试）。
        English: rate a checked-out visit by its code; the rating is stored without the rater.
        """
        await _per_target(request, token)
        return _written(await feedback.rate_with_code(actor, token, data, env, now))

    @post(
        "/visits/{visit_id:int}/rating",
        guards=[require(Role.enterprise), PUBLIC_WRITES],
        summary="评价本企业的检查",
    )
    async def rate(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        actor: CurrentActor,
        visit_id: FromPath[int],
        data: Annotated[RatingCreate, Body(media_type=RequestEncodingType.JSON, examples=RATING_EXAMPLES)],
    ) -> Response[RatingReceipt]:
        """按检查编号评价本企业一次已签退的检查（1–5 分，可附一句话）；评价不记录评价人。每次检查只能评一次。

        角色：被检查的企业（enterprise）。
        拒绝：404 `visit_not_found`；422 `visit_not_checked_out`、`visit_cancelled`；409 `already_rated`；
        429 `rate_limited`（提交过于频繁，`Retry-After` 给出何时再试）。
        """
        await _per_target(request, f"visit:{visit_id}")
        return _written(await feedback.rate_as_enterprise(actor, visit_id, data, now))

    @get("/ratings", guards=[SUPERVISOR], summary="评价列表（不含评价人）")
    async def list_ratings(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        unit_code: UnitCode = None,
        start: From = None,
        end: To = None,
    ) -> Page[RatingRead]:
        """企业的评价：检查、被检查单位、分数、意见、时间，不含评价人；可按单位和时间筛选。

        角色：司法局（supervisor）。English: ratings without the rater, for the supervisor only.
        """
        rows, total = await feedback.list_ratings(
            actor, unit_code=unit_code, start=start, end=end, limit=limit, offset=offset
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/ratings/summary", guards=[SUPERVISOR], summary="评价汇总")
    async def summary(
        self, actor: CurrentActor, unit_code: UnitCode = None, start: From = None, end: To = None
    ) -> RatingSummary:
        """评价的条数、平均分和各分值的分布；可按单位和时间筛选。

        角色：司法局（supervisor）。
        """
        return await feedback.rating_summary(actor, unit_code=unit_code, start=start, end=end)


class ComplaintController(Controller):
    path = "/api/v1/complaints"
    tags = [FEEDBACK]
    dependencies = {
        "actor": Provide(provide_actor, sync_to_thread=False),
        "env": Provide(provide_context, sync_to_thread=False),
    }

    @post("/", guards=[require(Role.enterprise), PUBLIC_WRITES], summary="企业投诉")
    async def complain(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        actor: CurrentActor,
        env: Env,
        data: Annotated[ComplaintCreate, Body(media_type=RequestEncodingType.JSON, examples=COMPLAINT_EXAMPLES)],
    ) -> Response[ComplaintReceipt]:
        """已登录的企业投诉（企业代码取自账号）：类别、情况说明、扫描到的检查码（可选）和联系方式。
        应答给出受理编号和办理时限（30 日）；企业可在投诉列表中看到办理进度。按 `client_event_id` 幂等。

        角色：企业（enterprise）。拒绝：400 输入不合格；409 `idempotency_conflict`；
        429 `rate_limited`（提交过于频繁，`Retry-After` 给出何时再试）。
        English: a logged-in enterprise's complaint; it can follow the handling steps.
        """
        await _per_target(request, actor.uscc, data.token)
        return _written(await feedback.file_enterprise_complaint(actor, data, env, now))

    @get(
        "/",
        guards=[require(Role.supervisor, Role.enterprise)],
        summary="投诉列表",
    )
    async def list_complaints(
        self,
        now: Now,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        status: FromQuery[ComplaintStatus | None] = None,
        overdue: FromQuery[bool] = False,
    ) -> Page[ComplaintRead]:
        """投诉及其办理状态（受理、核实、认定、反馈、纠错、归档）和时限；`overdue=true` 只列超过 30 日未办结的。

        角色：司法局（supervisor）看全部；企业（enterprise）只看本企业的投诉。
        """
        rows, total = await feedback.list_complaints(
            actor, now, status=status, overdue=overdue, limit=limit, offset=offset
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{complaint_id:int}", guards=[require(Role.supervisor, Role.enterprise)], summary="查看一件投诉及办理过程")
    async def read_complaint(self, now: Now, actor: CurrentActor, complaint_id: FromPath[int]) -> ComplaintDetail:
        """一件投诉的内容和每一步办理记录（状态、说明、办理人、时间）。

        角色：司法局（supervisor）；企业（enterprise）只能看本企业的投诉。拒绝：404 `complaint_not_found`。
        """
        return await feedback.read_complaint(actor, complaint_id, now)

    @post(
        "/{complaint_id:int}/advance",
        guards=[SUPERVISOR],
        status_code=200,
        summary="推进投诉办理",
    )
    async def advance(
        self, now: Now, actor: CurrentActor, complaint_id: FromPath[int], data: JSONBody[AdvanceRequest]
    ) -> ComplaintDetail:
        """把投诉推进一步：受理 → 核实 → 认定 → 反馈 → 纠错 → 归档，每一步写明说明。

        角色：司法局（supervisor）。
        拒绝：422 `invalid_transition`（不能跳步或回退）、`note_required`；404 `complaint_not_found`。
        English: received → verifying → determined → feedback → rectified → archived.
        """
        return await feedback.advance_complaint(actor, complaint_id, data, now)

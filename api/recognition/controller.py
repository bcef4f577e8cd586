"""检查结果互认 over HTTP: compare before inspecting, accept another unit's result instead, count acceptances."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, QueryParameter

from api.auth import STAFF, require
from api.deps import DEPENDENCIES, CurrentActor, Limit, Now, Offset
from api.openapi_tags import RECOGNITION
from api.pagination import Page
from api.recognition import service
from api.recognition.schemas import AcceptanceCreate, AcceptanceRead, RecognizableResult
from api.settings import Settings
from models.enums import Role


def _days(request: Request[Any, Any, Any]) -> int:
    settings: Settings = request.app.state.settings
    return settings.recognition_days


class RecognitionController(Controller):
    path = "/api/v1/recognition"
    tags = [RECOGNITION]
    dependencies = DEPENDENCIES

    @get(
        "/results",
        guards=[require(*STAFF)],
        summary="查看可互认的检查结果",
    )
    async def results(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        actor: CurrentActor,
        uscc: Annotated[str, QueryParameter(min_length=1, max_length=18)],
        item_codes: Annotated[list[str], QueryParameter(min_items=1, max_items=50)],
        unit_code: Annotated[str | None, QueryParameter(max_length=32)] = None,
    ) -> list[RecognizableResult]:
        """检查前比对：其他单位近期（默认 180 日内，`RUQI_RECOGNITION_DAYS`）在该企业已签退的检查中，
        对相同或等效事项的检查结果；单位人员看的是本单位以外的结果，司法局和管理员可用 `unit_code` 指定从哪个单位看。

        角色：司法局、规划员、主体负责人、执法人员。拒绝：404 `unit_not_found`。
        English: other units' recent results at an enterprise for the same or equivalent items (检查结果互认).
        """
        return await service.recent_results(actor, uscc, item_codes, unit_code, _days(request), now)

    @post("/acceptances", guards=[require(Role.planner)], summary="采用其他单位的检查结果")
    async def accept(
        self, request: Request[Any, Any, Any], now: Now, actor: CurrentActor, data: JSONBody[AcceptanceCreate]
    ) -> AcceptanceRead:
        """规划员为本单位的一个事项采用另一单位近期已签退的执法检查结果，代替本单位再去检查；
        该检查须查过相同或等效的事项。每个结果、每个事项只采用一次。

        角色：规划员（planner，本单位的事项）。
        拒绝：403 `not_your_unit`；404 `item_not_found`；422 `item_not_yours`、`no_result`、`result_too_old`、
        `own_result`、`not_equivalent`；409 `already_accepted`。
        English: accept another unit's result instead of inspecting again.
        """
        return await service.accept(actor, data, _days(request), now)

    @get("/acceptances", guards=[require(*STAFF)], summary="结果互认记录")
    async def acceptances(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        start: Annotated[dt.datetime | None, QueryParameter(name="from")] = None,
        end: Annotated[dt.datetime | None, QueryParameter(name="to")] = None,
    ) -> Page[AcceptanceRead]:
        """已采用的检查结果：单位人员看本单位采用的，司法局看全部；可按时间（`from`、`to`）筛选。

        角色：司法局、规划员、主体负责人、执法人员。
        """
        rows, total = await service.list_acceptances(actor, start=start, end=end, limit=limit, offset=offset)
        return Page(items=rows, total=total, limit=limit, offset=offset)

"""检查结果互认 over HTTP: compare before inspecting, accept another unit's result instead, count acceptances."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, QueryParameter

from api.auth import STAFF, require
from api.deps import DEPENDENCIES, CurrentActor, Limit, Now, Offset
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
    tags = ["recognition"]
    dependencies = DEPENDENCIES

    @get(
        "/results",
        guards=[require(*STAFF)],
        summary="Other units' recent results at an enterprise for the same or equivalent items (检查结果互认)",
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
        return await service.recent_results(actor, uscc, item_codes, unit_code, _days(request), now)

    @post("/acceptances", guards=[require(Role.planner)], summary="Accept another unit's result instead of inspecting")
    async def accept(
        self, request: Request[Any, Any, Any], now: Now, actor: CurrentActor, data: JSONBody[AcceptanceCreate]
    ) -> AcceptanceRead:
        return await service.accept(actor, data, _days(request), now)

    @get(
        "/acceptances", guards=[require(*STAFF)], summary="Accepted results: the unit's own, or all for the supervisor"
    )
    async def acceptances(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        start: Annotated[dt.datetime | None, QueryParameter(name="from")] = None,
        end: Annotated[dt.datetime | None, QueryParameter(name="to")] = None,
    ) -> Page[AcceptanceRead]:
        rows, total = await service.list_acceptances(actor, start=start, end=end, limit=limit, offset=offset)
        return Page(items=rows, total=total, limit=limit, offset=offset)

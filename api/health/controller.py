from __future__ import annotations

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State

from api.health.service import check_health


class HealthRead(msgspec.Struct):
    status: str
    database: str
    redis: str
    dataset: str
    version: str
    detail: dict[str, str] = {}


class HealthController(Controller):
    path = "/health"
    tags = ["system"]

    @get("/", exclude_from_auth=True, summary="Service health: database and Redis (when configured)")
    async def health(self, state: State) -> Response[HealthRead]:
        report = await check_health(state.get("redis_client"))
        status_code = 503 if report["status"] == "down" else 200
        body = msgspec.convert(report, HealthRead)
        return Response(body, status_code=status_code)

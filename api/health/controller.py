from __future__ import annotations

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State

from api.health.service import check_health
from api.openapi_tags import SYSTEM


class HealthRead(msgspec.Struct):
    status: str
    database: str
    redis: str
    dataset: str
    version: str
    detail: dict[str, str] = {}


class HealthController(Controller):
    path = "/health"
    tags = [SYSTEM]

    @get("/", exclude_from_auth=True, summary="服务健康状况")
    async def health(self, state: State) -> Response[HealthRead]:
        """数据库和 Redis（如已配置）是否可用、数据集（真实或样例）和版本号；数据库不可用时为 503。

        角色：无需登录。English: service health for load balancers and monitoring (503 when down).
        """
        report = await check_health(state.get("redis_client"))
        status_code = 503 if report["status"] == "down" else 200
        body = msgspec.convert(report, HealthRead)
        return Response(body, status_code=status_code)

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.exceptions import NotAuthorizedException

from api.auth import actor_from_claims, actor_from_token
from api.health.service import check_health
from api.openapi_tags import SYSTEM


class HealthRead(msgspec.Struct, omit_defaults=True):
    """Anyone sees ``status``; an admin's bearer token also shows what is up or down, and why."""

    status: str
    database: str | None = None
    redis: str | None = None
    dataset: str | None = None
    version: str | None = None
    detail: dict[str, str] | None = None


async def _is_admin(request: Request[Any, Any, Any]) -> bool:
    """/health is outside the login (load balancers call it): an admin's bearer token is read here."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not encoded:
        return False
    jwt_auth = request.app.state.jwt_auth
    try:
        token = jwt_auth.token_cls.decode(encoded.strip(), jwt_auth.token_secret, jwt_auth.algorithm)
    except (NotAuthorizedException, ValueError):
        return False
    try:
        actor = await actor_from_token(token, request)
    except Exception:  # the database is down: the signed claims are all there is to go on
        actor = actor_from_claims(token)
    return actor is not None and actor.is_admin


class HealthController(Controller):
    path = "/health"
    tags = [SYSTEM]

    @get("/", exclude_from_auth=True, summary="服务健康状况")
    async def health(self, request: Request[Any, Any, Any]) -> Response[HealthRead]:
        """只答状态：ok、degraded（Redis 不可用）或 down（数据库不可用，503）；管理员的 Bearer 令牌另得详情
        （数据库、Redis、数据集、版本号）。

        角色：无需登录（详情仅管理员）。English: service health for load balancers (503 when down); details for
        an admin's bearer token only.
        """
        report = await check_health(request.app.state.get("redis_client"))
        status_code = 503 if report["status"] == "down" else 200
        body = msgspec.convert(report, HealthRead) if await _is_admin(request) else HealthRead(status=report["status"])
        return Response(body, status_code=status_code)

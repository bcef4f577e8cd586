"""预约式服务 over HTTP: the enterprise asks and withdraws, the unit's planner accepts (a service visit is filed) or
declines, everyone concerned reads."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.appointments import service
from api.appointments.schemas import (
    ServiceRequestAccept,
    ServiceRequestCreate,
    ServiceRequestDecline,
    ServiceRequestRead,
)
from api.auth import STAFF, require
from api.deps import DEPENDENCIES, CurrentActor, Env, Limit, Now, Offset
from api.pagination import Page
from models.enums import AppointmentStatus, Role

RequestId = FromPath[int]


class ServiceRequestController(Controller):
    path = "/api/v1/service-requests"
    tags = ["appointments"]
    dependencies = DEPENDENCIES

    @post("/", guards=[require(Role.enterprise)], summary="Ask a unit for a service visit (服务/宣传), proposing slots")
    async def request_service(
        self, now: Now, actor: CurrentActor, data: JSONBody[ServiceRequestCreate]
    ) -> ServiceRequestRead:
        return await service.request_service(actor, data, now)

    @get(
        "/",
        guards=[require(Role.enterprise, *STAFF)],
        summary="Service requests: the enterprise's own, the unit's, or all for the supervisor",
    )
    async def list_requests(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        status: FromQuery[AppointmentStatus | None] = None,
    ) -> Page[ServiceRequestRead]:
        rows, total = await service.list_requests(actor, status=status, limit=limit, offset=offset)
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{request_id:int}", guards=[require(Role.enterprise, *STAFF)], summary="A service request")
    async def read(self, actor: CurrentActor, request_id: RequestId) -> ServiceRequestRead:
        return await service.read(actor, request_id)

    @post(
        "/{request_id:int}/accept",
        guards=[require(Role.planner)],
        status_code=200,
        summary="Accept a slot: files the service visit (then approved by the unit head as usual)",
    )
    async def accept(
        self, now: Now, actor: CurrentActor, env: Env, request_id: RequestId, data: JSONBody[ServiceRequestAccept]
    ) -> ServiceRequestRead:
        return await service.accept(actor, request_id, data, env, now)

    @post("/{request_id:int}/decline", guards=[require(Role.planner)], status_code=200, summary="Decline, saying why")
    async def decline(
        self, now: Now, actor: CurrentActor, request_id: RequestId, data: JSONBody[ServiceRequestDecline]
    ) -> ServiceRequestRead:
        return await service.decline(actor, request_id, data, now)

    @post(
        "/{request_id:int}/withdraw",
        guards=[require(Role.enterprise)],
        status_code=200,
        summary="The enterprise withdraws its open request",
    )
    async def withdraw(self, now: Now, actor: CurrentActor, request_id: RequestId) -> ServiceRequestRead:
        return await service.withdraw(actor, request_id, now)

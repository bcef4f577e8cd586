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
from api.openapi_tags import APPOINTMENTS
from api.pagination import Page
from models.enums import AppointmentStatus, Role

RequestId = FromPath[int]


class ServiceRequestController(Controller):
    path = "/api/v1/service-requests"
    tags = [APPOINTMENTS]
    dependencies = DEPENDENCIES

    @post("/", guards=[require(Role.enterprise)], summary="企业申请预约服务")
    async def request_service(
        self, now: Now, actor: CurrentActor, data: JSONBody[ServiceRequestCreate]
    ) -> ServiceRequestRead:
        """企业用本企业账号向一个执法单位申请上门服务（含指导，`service`）或宣传（`publicity`），写明事由，
        提出 1–3 个时段（每段不超过 24 小时，在今后 180 日内）。执法检查不能预约。

        角色：企业（enterprise，本企业账号）。
        拒绝：422 `service_type_not_requestable`、`slots_count`、`slot_invalid`、`slot_out_of_range`；
        404 `unit_not_found`、`enterprise_not_found`。
        English: an enterprise asks a unit for a service visit, proposing slots.
        """
        return await service.request_service(actor, data, now)

    @get(
        "/",
        guards=[require(Role.enterprise, *STAFF)],
        summary="预约服务申请列表",
    )
    async def list_requests(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        status: FromQuery[AppointmentStatus | None] = None,
    ) -> Page[ServiceRequestRead]:
        """预约服务申请：企业看本企业的，单位人员看向本单位提出的，司法局看全部；可按状态（`status`）筛选。

        角色：企业（enterprise）；规划员、主体负责人、执法人员（本单位）；司法局（supervisor）。
        """
        rows, total = await service.list_requests(actor, status=status, limit=limit, offset=offset)
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{request_id:int}", guards=[require(Role.enterprise, *STAFF)], summary="查看预约服务申请")
    async def read(self, actor: CurrentActor, request_id: RequestId) -> ServiceRequestRead:
        """一条预约服务申请：企业、单位、事由、所提时段、状态，受理后所备案的检查编号。

        角色：申请的企业（enterprise）；被申请单位的规划员、主体负责人、执法人员；司法局（supervisor）。
        拒绝：404 `service_request_not_found`。
        """
        return await service.read(actor, request_id)

    @post(
        "/{request_id:int}/accept",
        guards=[require(Role.planner)],
        status_code=200,
        summary="受理预约并备案服务性检查",
    )
    async def accept(
        self, now: Now, actor: CurrentActor, env: Env, request_id: RequestId, data: JSONBody[ServiceRequestAccept]
    ) -> ServiceRequestRead:
        """被申请单位的规划员选定一个尚未开始的时段并指派执法人员：在该时段备案一次服务性检查（由企业申请触发），
        之后照常由主体负责人批准。备案的规则与 `POST /api/v1/visits` 相同，其拒绝也一样。

        角色：规划员（planner，被申请的单位）。
        拒绝：403 `not_your_unit`；422 `service_request_closed`、`slot_unknown`、`slot_past` 及备案检查的拒绝；
        404 `service_request_not_found`。
        English: accept a slot; a service visit is filed in it and approved by the unit head as usual.
        """
        return await service.accept(actor, request_id, data, env, now)

    @post("/{request_id:int}/decline", guards=[require(Role.planner)], status_code=200, summary="不予受理预约")
    async def decline(
        self, now: Now, actor: CurrentActor, request_id: RequestId, data: JSONBody[ServiceRequestDecline]
    ) -> ServiceRequestRead:
        """被申请单位的规划员说明理由，不予受理一条待处理的申请。

        角色：规划员（planner，被申请的单位）。
        拒绝：403 `not_your_unit`；422 `service_request_closed`；404 `service_request_not_found`。
        """
        return await service.decline(actor, request_id, data, now)

    @post(
        "/{request_id:int}/withdraw",
        guards=[require(Role.enterprise)],
        status_code=200,
        summary="企业撤回预约申请",
    )
    async def withdraw(self, now: Now, actor: CurrentActor, request_id: RequestId) -> ServiceRequestRead:
        """企业撤回本企业尚未处理的申请。

        角色：企业（enterprise，本企业的申请）。
        拒绝：422 `service_request_closed`；404 `service_request_not_found`。
        """
        return await service.withdraw(actor, request_id, now)

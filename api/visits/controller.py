from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api.actor import Actor
from api.auth import STAFF, any_authenticated, require
from api.deps import DEPENDENCIES, CurrentActor, Env, Limit, Now, Offset
from api.errors import Forbidden
from api.i18n import tr
from api.pagination import Page
from api.visits import codes
from api.visits import filing as visits
from api.visits.code_images import NOT_MODIFIED, IfNoneMatch, code_image
from api.visits.reads import list_visits, read_visit, visible_visit_row, visit_inspector_ids, visit_unit_ids
from api.visits.schemas import CancelRequest, CodeRead, RescheduleRequest, VisitCreate, VisitRead
from models.enums import Role, VisitStatus


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
    tags = ["visits"]
    dependencies = DEPENDENCIES

    @post("/", guards=[require(Role.planner, Role.inspector)], summary="File (备案) a visit")
    async def file_visit(self, now: Now, actor: CurrentActor, env: Env, data: JSONBody[VisitCreate]) -> VisitRead:
        return await visits.file_visit(actor, data, env, now)

    @get("/", guards=[any_authenticated], summary="Visits you may see (newest window first)")
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
    ) -> Page[VisitRead]:
        rows, total = await list_visits(
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
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{visit_id:int}", guards=[any_authenticated])
    async def read_visit(self, now: Now, actor: CurrentActor, visit_id: FromPath[int]) -> VisitRead:
        return await read_visit(actor, visit_id, now)

    @post(
        "/{visit_id:int}/approve",
        guards=[require(Role.approver)],
        status_code=200,
        summary="Approve (unit head of the lead unit); issues the visit's code",
    )
    async def approve(self, now: Now, actor: CurrentActor, env: Env, visit_id: FromPath[int]) -> VisitRead:
        return await visits.approve_visit(actor, visit_id, env, now)

    @post(
        "/{visit_id:int}/cancel",
        guards=[require(Role.planner, Role.approver)],
        status_code=200,
        summary="Cancel a visit; its code is revoked",
    )
    async def cancel(
        self, now: Now, actor: CurrentActor, env: Env, visit_id: FromPath[int], data: JSONBody[CancelRequest]
    ) -> VisitRead:
        return await visits.cancel_visit(actor, visit_id, data.reason, env, now)

    @post(
        "/{visit_id:int}/reschedule",
        guards=[require(Role.planner)],
        status_code=200,
        summary="Move the window; the visit needs approval and a new code again",
    )
    async def reschedule(
        self, now: Now, actor: CurrentActor, env: Env, visit_id: FromPath[int], data: JSONBody[RescheduleRequest]
    ) -> VisitRead:
        return await visits.reschedule_visit(actor, visit_id, data, env, now)

    @get("/{visit_id:int}/code", guards=[require(*STAFF)], summary="The visit's code: URL, token and validity")
    async def code(self, actor: CurrentActor, env: Env, visit_id: FromPath[int]) -> CodeRead:
        return await codes.current_code(await _code_holder_row(actor, visit_id), env)

    @get(
        "/{visit_id:int}/code.png",
        guards=[require(*STAFF)],
        media_type="image/png",
        responses=NOT_MODIFIED,
        summary="The visit's code as a PNG (rendered once, then cached; ETag / If-None-Match → 304)",
    )
    async def code_png(
        self, actor: CurrentActor, env: Env, visit_id: FromPath[int], if_none_match: IfNoneMatch = None
    ) -> Response[bytes]:
        code = await codes.current_code(await _code_holder_row(actor, visit_id), env)
        return code_image(code.url, "png", if_none_match)

    @get("/{visit_id:int}/code.svg", guards=[require(*STAFF)], media_type="image/svg+xml", responses=NOT_MODIFIED)
    async def code_svg(
        self, actor: CurrentActor, env: Env, visit_id: FromPath[int], if_none_match: IfNoneMatch = None
    ) -> Response[bytes]:
        code = await codes.current_code(await _code_holder_row(actor, visit_id), env)
        return code_image(code.url, "svg", if_none_match)

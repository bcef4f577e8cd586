"""Ratings and complaints: public (code as capability), enterprise, and supervisor routes."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody, PathParameter, QueryParameter

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


def _written(written: feedback.Written) -> Response[Any]:
    status, receipt, replayed = written
    return Response(receipt, status_code=status, headers={"Idempotent-Replayed": "true" if replayed else "false"})


class PublicFeedbackController(Controller):
    """No login: anyone may complain, from any verification result; nothing about the sender is stored."""

    path = "/api/v1/public"
    tags = ["feedback"]
    dependencies = {"env": Provide(provide_context, sync_to_thread=False)}

    @post(
        "/complaints",
        guards=[PUBLIC_WRITES],
        summary="Complain (投诉) from any verification result, even a forged code (rate-limited: 429 says when)",
    )
    async def complain(
        self, request: Request[Any, Any, Any], now: Now, env: Env, data: JSONBody[PublicComplaintCreate]
    ) -> Response[ComplaintReceipt]:
        await _per_target(request, data.uscc, data.token)
        return _written(await feedback.file_public_complaint(data, env, now))


class RatingController(Controller):
    """Only the inspected enterprise rates, through its own login (the inspectors hold the visit code too).

    Two routes, one rule: ``/visits/{id}/rating`` names the visit by id, ``/public/visits/{token}/rating`` by the
    code the enterprise scanned (the page's form logs in first). Both need the enterprise's bearer token, and the
    visit must be that enterprise's; the rating is stored without the rater.
    """

    path = "/api/v1"
    tags = ["feedback"]
    dependencies = {
        "actor": Provide(provide_actor, sync_to_thread=False),
        "env": Provide(provide_context, sync_to_thread=False),
    }

    @post(
        "/public/visits/{token:str}/rating",
        guards=[require(Role.enterprise), PUBLIC_WRITES],
        summary="Rate a checked-out visit by its code, logged in as the inspected enterprise",
    )
    async def rate_by_code(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        actor: CurrentActor,
        env: Env,
        token: CodePath,
        data: JSONBody[RatingCreate],
    ) -> Response[RatingReceipt]:
        await _per_target(request, token)
        return _written(await feedback.rate_with_code(actor, token, data, env, now))

    @post(
        "/visits/{visit_id:int}/rating",
        guards=[require(Role.enterprise), PUBLIC_WRITES],
        summary="Rate your own checked-out visit (enterprise login)",
    )
    async def rate(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        actor: CurrentActor,
        visit_id: FromPath[int],
        data: JSONBody[RatingCreate],
    ) -> Response[RatingReceipt]:
        await _per_target(request, f"visit:{visit_id}")
        return _written(await feedback.rate_as_enterprise(actor, visit_id, data, now))

    @get("/ratings", guards=[SUPERVISOR], summary="Ratings, without who rated (supervisor only)")
    async def list_ratings(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        unit_code: UnitCode = None,
        start: From = None,
        end: To = None,
    ) -> Page[RatingRead]:
        rows, total = await feedback.list_ratings(
            actor, unit_code=unit_code, start=start, end=end, limit=limit, offset=offset
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/ratings/summary", guards=[SUPERVISOR], summary="Count, average and distribution of ratings")
    async def summary(
        self, actor: CurrentActor, unit_code: UnitCode = None, start: From = None, end: To = None
    ) -> RatingSummary:
        return await feedback.rating_summary(actor, unit_code=unit_code, start=start, end=end)


class ComplaintController(Controller):
    path = "/api/v1/complaints"
    tags = ["feedback"]
    dependencies = {
        "actor": Provide(provide_actor, sync_to_thread=False),
        "env": Provide(provide_context, sync_to_thread=False),
    }

    @post("/", guards=[require(Role.enterprise), PUBLIC_WRITES], summary="Complain as the logged-in enterprise")
    async def complain(
        self, request: Request[Any, Any, Any], now: Now, actor: CurrentActor, env: Env, data: JSONBody[ComplaintCreate]
    ) -> Response[ComplaintReceipt]:
        await _per_target(request, actor.uscc, data.token)
        return _written(await feedback.file_enterprise_complaint(actor, data, env, now))

    @get(
        "/",
        guards=[require(Role.supervisor, Role.enterprise)],
        summary="Complaints: all for the supervisor, its own for an enterprise",
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
        rows, total = await feedback.list_complaints(
            actor, now, status=status, overdue=overdue, limit=limit, offset=offset
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{complaint_id:int}", guards=[require(Role.supervisor, Role.enterprise)], summary="A complaint and its steps")
    async def read_complaint(self, now: Now, actor: CurrentActor, complaint_id: FromPath[int]) -> ComplaintDetail:
        return await feedback.read_complaint(actor, complaint_id, now)

    @post(
        "/{complaint_id:int}/advance",
        guards=[SUPERVISOR],
        status_code=200,
        summary="Move the complaint one step on (received → verifying → determined → feedback → rectified → archived)",
    )
    async def advance(
        self, now: Now, actor: CurrentActor, complaint_id: FromPath[int], data: JSONBody[AdvanceRequest]
    ) -> ComplaintDetail:
        return await feedback.advance_complaint(actor, complaint_id, data, now)

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import STAFF, any_authenticated, require
from api.deps import DEPENDENCIES, CurrentActor, Env, Limit, Now, Offset
from api.pagination import Page
from api.registry.uscc import normalize_uscc
from api.visits import enterprise_codes, scans
from api.visits.code_images import NOT_MODIFIED, IfNoneMatch, code_image
from api.visits.enterprise_codes import EnterpriseCodeReissue, EnterpriseCodeReissued
from api.visits.reads import visible_visit_row
from api.visits.scan_schemas import CheckoutRequest, EnterpriseCodeRead, ScanCreate, ScanRead, UnfiledAttemptRead
from api.visits.schemas import VisitRead
from models.enums import Role


class ScanController(Controller):
    path = "/api/v1"
    tags = ["scan-in"]
    dependencies = DEPENDENCIES

    @post(
        "/scans",
        guards=[require(Role.inspector)],
        summary="Check in by scanning the enterprise code; 403 unfiled_visit when no filed visit matches",
        description="Idempotent by client_event_id: the same id and body replay the first answer; "
        "a different body with the same id is 409.",
    )
    async def scan(self, now: Now, actor: CurrentActor, env: Env, data: JSONBody[ScanCreate]) -> ScanRead:
        return await scans.record_scan(actor, data, env, now)

    @post(
        "/visits/{visit_id:int}/checkout",
        guards=[require(Role.inspector)],
        status_code=200,
        summary="Check out with the result (idempotent by client_event_id)",
    )
    async def checkout(
        self, now: Now, actor: CurrentActor, env: Env, visit_id: FromPath[int], data: JSONBody[CheckoutRequest]
    ) -> VisitRead:
        return await scans.check_out(actor, visit_id, data, env, now)

    @get("/visits/{visit_id:int}/scans", guards=[require(*STAFF)], summary="Scans of a visit")
    async def visit_scans(self, actor: CurrentActor, visit_id: FromPath[int]) -> list[dict[str, Any]]:
        await visible_visit_row(actor, visit_id)
        return await scans.list_scans(visit_id)

    @get("/unfiled-attempts", guards=[require(Role.supervisor)], summary="Rejected scans with no filed visit")
    async def unfiled_attempts(
        self,
        limit: Limit = 100,
        offset: Offset = 0,
        uscc: FromQuery[str | None] = None,
        since: FromQuery[dt.datetime | None] = None,
    ) -> Page[UnfiledAttemptRead]:
        rows, total = await scans.list_unfiled_attempts(uscc=uscc, since=since, limit=limit, offset=offset)
        return Page(items=rows, total=total, limit=limit, offset=offset)


class EnterpriseCodeController(Controller):
    """The enterprise's own static code (企业码), printed and posted at its premises."""

    path = "/api/v1/enterprises/{uscc:str}"
    tags = ["scan-in"]
    dependencies = DEPENDENCIES

    async def _url(self, actor: Any, env: Any, uscc: str) -> str:
        return await enterprise_codes.current_code_url(actor, uscc, env)

    @post(
        "/code/reissue",
        guards=[any_authenticated],
        summary="Re-issue the enterprise code: older printed copies stop working after the grace period",
        description="The enterprise itself, an admin or the supervisor. grace_days 0–30 (default 7).",
    )
    async def reissue(
        self, now: Now, actor: CurrentActor, env: Env, uscc: FromPath[str], data: JSONBody[EnterpriseCodeReissue]
    ) -> EnterpriseCodeReissued:
        return await enterprise_codes.reissue(actor, uscc, data, env, now)

    @get("/code", guards=[any_authenticated], summary="The enterprise code's URL (the enterprise itself)")
    async def code(self, actor: CurrentActor, env: Env, uscc: FromPath[str]) -> EnterpriseCodeRead:
        url = await self._url(actor, env, uscc)
        return EnterpriseCodeRead(uscc=normalize_uscc(uscc), url=url)

    @get("/code.png", guards=[any_authenticated], media_type="image/png", responses=NOT_MODIFIED)
    async def code_png(
        self, actor: CurrentActor, env: Env, uscc: FromPath[str], if_none_match: IfNoneMatch = None
    ) -> Response[bytes]:
        return code_image(await self._url(actor, env, uscc), "png", if_none_match)

    @get(
        "/poster.png",
        guards=[any_authenticated],
        media_type="image/png",
        summary="The enterprise code as an A4 poster to print (PNG, 300 dpi)",
        description="企业码张贴页：企业名称、统一社会信用代码、企业码，以及给执法人员（扫码入企）和企业（核验、投诉）的说明。",
    )
    async def poster_png(self, now: Now, actor: CurrentActor, env: Env, uscc: FromPath[str]) -> Response[bytes]:
        url = await self._url(actor, env, uscc)  # who may print it: the enterprise itself, supervisors, admins
        poster = await enterprise_codes.enterprise_poster(normalize_uscc(uscc), url, env, now)
        filename = f"enterprise-code-{normalize_uscc(uscc)}.png"
        headers = {"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, max-age=300"}
        return Response(poster, media_type="image/png", headers=headers)

    @get("/code.svg", guards=[any_authenticated], media_type="image/svg+xml", responses=NOT_MODIFIED)
    async def code_svg(
        self, actor: CurrentActor, env: Env, uscc: FromPath[str], if_none_match: IfNoneMatch = None
    ) -> Response[bytes]:
        return code_image(await self._url(actor, env, uscc), "svg", if_none_match)

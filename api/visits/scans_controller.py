from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery, JSONBody

from api.auth import STAFF, any_authenticated, current_actor, require
from api.deps import DEPENDENCIES, CurrentActor, Env, Limit, Now, Offset
from api.openapi_tags import SCAN_IN
from api.pagination import Page
from api.registry.uscc import normalize_uscc
from api.visits import enterprise_codes, scans
from api.visits.code_images import NOT_MODIFIED, IfNoneMatch, code_image
from api.visits.enterprise_codes import EnterpriseCodeReissue, EnterpriseCodeReissued
from api.visits.reads import visible_visit_row
from api.visits.scan_schemas import CheckoutRequest, EnterpriseCodeRead, ScanCreate, ScanRead, UnfiledAttemptRead
from api.visits.schemas import VisitRead
from models.enums import Role

SCAN_EXAMPLES = [
    Example(
        summary="到达企业，扫描张贴的企业码签到",
        value={
            "content": "https://ruqi.example/E/AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYUCULBOGAZDINRYHI6D4QA",
            "client_event_id": "phone-7f3a-0001",
            "latitude": 36.6806,
            "longitude": 117.0741,
            "accuracy_m": 12.5,
            "device_time": "2026-06-15T09:05:12+08:00",
        },
    ),
    Example(
        summary="系统故障后补录（10 日内，写明原因）",
        value={
            "content": "https://ruqi.example/E/AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYUCULBOGAZDINRYHI6D4QA",
            "client_event_id": "phone-7f3a-0007",
            "device_time": "2026-06-08T09:40:00+08:00",
            "backfill_reason": "当日系统故障，无法联网签到",
        },
    ),
]
CHECKOUT_EXAMPLES = [
    Example(
        summary="检查结束，责令整改",
        value={
            "client_event_id": "phone-7f3a-0002",
            "result": "rectification",
            "findings": "后厨排水沟未加盖，责令 7 日内整改。",
        },
    ),
    Example(summary="检查结束，未发现问题", value={"client_event_id": "phone-7f3a-0003", "result": "no_issue"}),
]


class ScanController(Controller):
    path = "/api/v1"
    tags = [SCAN_IN]
    dependencies = DEPENDENCIES

    @post(
        "/scans",
        guards=[require(Role.inspector)],
        summary="扫企业码签到（扫码入企）",
    )
    async def scan(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[ScanCreate, Body(media_type=RequestEncodingType.JSON, examples=SCAN_EXAMPLES)],
    ) -> ScanRead:
        """执法人员的手机扫描企业张贴的企业码：有一次已备案、已批准、列有该执法人员、在时间窗口内的检查，就签到；
        没有则拒绝为未备案检查并记录，供司法局监督。位置（经纬度、精度、是否模拟定位）与企业登记位置比对，
        偏远或不可信的签到会被标记（`onsite_problem`）但仍记录。系统故障后可在规定天数内补录（`backfill_reason`）。

        按 `client_event_id` 幂等：同一编号和内容重发，得到第一次的应答；同一编号不同内容为 409。

        角色：执法人员（inspector，本人账号）。
        拒绝：403 `unfiled_visit`（无匹配的已备案检查，`attempt_id` 为记录编号）；
        400 `invalid_enterprise_code`、`backfill_needs_time`、`device_time_in_future`；
        422 `enterprise_code_replaced`（旧企业码已过宽限期）、`backfill_too_late`；409 `idempotency_conflict`。

        English: check-in by scanning the enterprise code (Shenzhen model); a scan that matches no filed,
        approved visit is refused and kept for the supervisor.
        """
        # The actor, the context and the clock read directly, not injected: resolving several dependencies costs
        # Litestar a task group per request, on the path every phone check-in takes.
        state = request.app.state
        return await scans.record_scan(current_actor(request), data, state.context, state.clock.now())

    @post(
        "/visits/{visit_id:int}/checkout",
        guards=[require(Role.inspector)],
        status_code=200,
        summary="带结果签退",
    )
    async def checkout(
        self,
        now: Now,
        actor: CurrentActor,
        env: Env,
        visit_id: FromPath[int],
        data: Annotated[CheckoutRequest, Body(media_type=RequestEncodingType.JSON, examples=CHECKOUT_EXAMPLES)],
    ) -> VisitRead:
        """签退并写明检查结果（无问题、责令整改、立案、其他）和发现的问题；此后企业可以评价这次检查。
        离线签退稍后同步时带上手机上的签退时间 `device_time`（不得早于签到、晚于服务器时间）。
        按 `client_event_id` 幂等。

        角色：检查上列名的执法人员（inspector）。
        拒绝：422 `visit_not_checked_in`、`checkout_before_checkin`、`backfill_too_late`；400 `device_time_in_future`；
        404 `visit_not_found`；409 `idempotency_conflict`。
        English: check-out with the result; the enterprise may then rate the visit.
        """
        return await scans.check_out(actor, visit_id, data, env, now)

    @get("/visits/{visit_id:int}/scans", guards=[require(*STAFF)], summary="一次检查的扫码记录")
    async def visit_scans(self, actor: CurrentActor, visit_id: FromPath[int]) -> list[dict[str, Any]]:
        """一次检查的签到、签退扫码：时间、执法人员、距离、是否模拟定位、是否补录。

        角色：能看到这次检查的司法局、规划员、主体负责人、执法人员。拒绝：404 `visit_not_found`。
        """
        await visible_visit_row(actor, visit_id)
        return await scans.list_scans(visit_id)

    @get("/unfiled-attempts", guards=[require(Role.supervisor)], summary="未备案的扫码尝试")
    async def unfiled_attempts(
        self,
        limit: Limit = 100,
        offset: Offset = 0,
        uscc: FromQuery[str | None] = None,
        since: FromQuery[dt.datetime | None] = None,
    ) -> Page[UnfiledAttemptRead]:
        """被拒绝的扫码：没有匹配的已备案、已批准检查（谁、在哪家企业、何时、何处），可按企业和时间筛选。

        角色：司法局（supervisor）。English: scans refused as unfiled, for the supervisor.
        """
        rows, total = await scans.list_unfiled_attempts(uscc=uscc, since=since, limit=limit, offset=offset)
        return Page(items=rows, total=total, limit=limit, offset=offset)


class EnterpriseCodeController(Controller):
    """The enterprise's own static code (企业码), printed and posted at its premises."""

    path = "/api/v1/enterprises/{uscc:str}"
    tags = [SCAN_IN]
    dependencies = DEPENDENCIES

    async def _url(self, actor: Any, env: Any, uscc: str) -> str:
        return await enterprise_codes.current_code_url(actor, uscc, env)

    @post(
        "/code/reissue",
        guards=[any_authenticated],
        summary="重新签发企业码",
    )
    async def reissue(
        self, now: Now, actor: CurrentActor, env: Env, uscc: FromPath[str], data: JSONBody[EnterpriseCodeReissue]
    ) -> EnterpriseCodeReissued:
        """重新签发企业码（例如张贴的码被撕毁或冒用）：宽限期 `grace_days`（0–30 天，默认 7 天）后旧码失效。

        角色：企业本身（enterprise）、司法局（supervisor）、管理员。
        拒绝：403 `forbidden`；404 `enterprise_not_found`；422 `state_changed`（同时有人重签，请重试）。
        English: older printed copies stop working after the grace period.
        """
        return await enterprise_codes.reissue(actor, uscc, data, env, now)

    @get("/code", guards=[any_authenticated], summary="企业码网址")
    async def code(self, actor: CurrentActor, env: Env, uscc: FromPath[str]) -> EnterpriseCodeRead:
        """企业码（企业张贴在经营场所、供执法人员签到扫描的静态码）的网址。

        角色：企业本身（enterprise）、司法局（supervisor）、管理员。拒绝：403 `forbidden`；404 `enterprise_not_found`。
        """
        url = await self._url(actor, env, uscc)
        return EnterpriseCodeRead(uscc=normalize_uscc(uscc), url=url)

    @get(
        "/code.png", guards=[any_authenticated], media_type="image/png", responses=NOT_MODIFIED, summary="企业码（PNG）"
    )
    async def code_png(
        self, actor: CurrentActor, env: Env, uscc: FromPath[str], if_none_match: IfNoneMatch = None
    ) -> Response[bytes]:
        """企业码的二维码图片（PNG）；支持 ETag / If-None-Match（304）。要张贴请用带说明的张贴页 `poster.png`。

        角色：企业本身、司法局、管理员。拒绝：403 `forbidden`；404 `enterprise_not_found`。
        """
        return code_image(await self._url(actor, env, uscc), "png", if_none_match)

    @get(
        "/poster.png",
        guards=[any_authenticated],
        media_type="image/png",
        summary="企业码张贴页（A4，PNG 300 dpi）",
    )
    async def poster_png(self, now: Now, actor: CurrentActor, env: Env, uscc: FromPath[str]) -> Response[bytes]:
        """企业码张贴页：企业名称、统一社会信用代码、企业码，以及给执法人员（扫码入企）和企业（核验、投诉）的说明，
        A4 打印，贴在门口。

        角色：企业本身、司法局、管理员。拒绝：403 `forbidden`；404 `enterprise_not_found`。
        English: the enterprise code as an A4 poster to print (PNG, 300 dpi).
        """
        url = await self._url(actor, env, uscc)  # who may print it: the enterprise itself, supervisors, admins
        poster = await enterprise_codes.enterprise_poster(normalize_uscc(uscc), url, env, now)
        filename = f"enterprise-code-{normalize_uscc(uscc)}.png"
        headers = {"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, max-age=300"}
        return Response(poster, media_type="image/png", headers=headers)

    @get(
        "/code.svg",
        guards=[any_authenticated],
        media_type="image/svg+xml",
        responses=NOT_MODIFIED,
        summary="企业码（SVG）",
    )
    async def code_svg(
        self, actor: CurrentActor, env: Env, uscc: FromPath[str], if_none_match: IfNoneMatch = None
    ) -> Response[bytes]:
        """企业码的二维码矢量图（SVG）；支持 ETag / If-None-Match（304）。

        角色：企业本身、司法局、管理员。拒绝：403 `forbidden`；404 `enterprise_not_found`。
        """
        return code_image(await self._url(actor, env, uscc), "svg", if_none_match)

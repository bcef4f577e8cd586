"""Login-free routes: the verification page (/V/), its JSON twin, live updates, enterprise codes (/E/),
the public keys (JWK Set) and the revocation list for offline verifiers; plus the supervisor's log.

Use ``public_route_handlers(settings)`` in the app: the verification routes are rate-limited per client.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated, Any

import anyio
import msgspec
from litestar import Controller, MediaType, Request, Response, Router, WebSocket, get, websocket
from litestar.channels import ChannelsPlugin
from litestar.datastructures import CacheControlHeader, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException, WebSocketDisconnect, WebSocketException
from litestar.middleware.rate_limit import DURATION_VALUES, RateLimitConfig, RateLimitMiddleware
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from litestar.status_codes import WS_1008_POLICY_VIOLATION
from litestar.types import ASGIApp, ControllerRouterHandler, Message, Receive, Scope, Send

from api.auth import require
from api.context import ServiceContext
from api.deps import DEPENDENCIES, After, Env, Limit, Now, Offset
from api.http_cache import etag_matches, etag_of
from api.labels import COMPLAINT_KINDS as COMPLAINT_KIND_LABELS
from api.openapi_tags import VERIFICATION
from api.pagination import Page
from api.settings import Settings
from api.throttle import client_address
from api.verification.log import coarse_client, list_verifications
from api.verification.schemas import EnterpriseCodeView, RevocationList, VerificationLogRead, VerificationRead
from api.verification.service import (
    MAX_TOKEN_TEXT,
    live_visit_id,
    read_enterprise_code,
    revocation_list,
    verify_visit_code,
)
from models.enums import Role

LIVE_MAX_SECONDS = 6 * 3600  # a page left open all day reconnects (or polls) after this
Uscc = Annotated[str | None, QueryParameter(max_length=64, description="The scanning enterprise's USCC.")]
COMPLAINT_KINDS = tuple(COMPLAINT_KIND_LABELS.items())  # the values of api.feedback.schemas.ComplaintKind


def _client(connection: Request[Any, Any, Any] | WebSocket[Any, Any, Any]) -> str:
    return coarse_client(client_address(connection), connection.headers.get("user-agent"))


def _page_headers(nonce: str) -> dict[str, str]:
    """Inline CSS/JS only, by nonce; no external resource; the token in the URL is never sent as a referrer."""
    csp = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


class _VerifyRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's rate-limit middleware and headers over our fixed-window counter (``app.state.rate_counter``:
    one atomic Redis round trip instead of Litestar's GET + SET of a request history under a process lock),
    extended to the live-update websocket (closed with 4429 when over)."""

    def __init__(self, app: ASGIApp, config: RateLimitConfig) -> None:
        super().__init__(app, config)
        self.scopes = {ScopeType.HTTP, ScopeType.WEBSOCKET}
        self.window_s = DURATION_VALUES[self.unit]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        request: Request[Any, Any, Any] = app.request_class(scope)
        if not await self.should_check_request(request=request):
            await self.app(scope, receive, send)
            return
        token = request.path_params.get("token")
        # Per code as well (counted only while the client is within its limit): rotating client addresses does
        # not flood one visit's verification log. Both counters in one round trip.
        code_key = f"verify:code:{hashlib.sha256(str(token).encode()).hexdigest()[:24]}" if token else None
        count, reset_in = await app.state.rate_counter.hit_then(
            self.cache_key_from_request(request), code_key, self.max_requests, self.window_s
        )
        headers = {
            self.config.rate_limit_policy_header_key: f"{self.max_requests}; w={self.window_s}",
            self.config.rate_limit_limit_header_key: str(self.max_requests),
            self.config.rate_limit_remaining_header_key: str(max(0, self.max_requests - count)),
            self.config.rate_limit_reset_header_key: str(reset_in),
        }
        if count > self.max_requests:
            if scope["type"] == ScopeType.WEBSOCKET:
                raise WebSocketException(detail="Too many requests", code=4429)
            raise TooManyRequestsException(headers=headers)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message=message).update(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _verify_key(request: Request[Any, Any, Any]) -> str:
    # Its own key space: other rate limits in the same store keep their own counters. The address is the
    # peer's, or the one a trusted proxy forwarded (never a header anyone can write: RUQI_TRUSTED_PROXIES).
    return f"verify:{client_address(request)}"


def verify_rate_limit(per_minute: int) -> RateLimitConfig:
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        identifier_for_request=_verify_key,
        middleware_class=_VerifyRateLimitMiddleware,
    )


_RATE_LIMITED = ResponseSpec(
    None,
    description="该客户端核验过于频繁；RateLimit-* 响应头说明何时可重试。 Too many verifications",
    media_type="application/problem+json",
)


class VerifyController(Controller):
    """What a phone camera opens: rate-limited, no login."""

    path = "/"
    tags = [VERIFICATION]
    dependencies = DEPENDENCIES

    @get("/V/{token:str}", media_type=MediaType.HTML, include_in_schema=False)
    async def page(self, request: Request[Any, Any, Any], token: FromPath[str], uscc: Uscc = None) -> Template:
        state = request.app.state  # not injected, as for the JSON twin below
        view = await verify_visit_code(
            token, state.context, state.clock.now(), expected_uscc=uscc, channel="page", client=_client(request)
        )
        nonce = secrets.token_urlsafe(16)
        context = {
            "view": view,
            "token": token[:MAX_TOKEN_TEXT],
            "nonce": nonce,
            "complaint_kinds": COMPLAINT_KINDS,
        }
        return Template(template_name="verify.html", context=context, headers=_page_headers(nonce))

    @get(
        "/api/v1/public/verify/{token:str}",
        summary="核验检查码（JSON）",
        cache_control=CacheControlHeader(no_store=True),
        responses={429: _RATE_LIMITED},
    )
    async def verify(
        self, request: Request[Any, Any, Any], token: FromPath[str], uscc: Uscc = None
    ) -> VerificationRead:
        """核验执法人员出示的检查码，与扫码打开的 `/V/{token}` 网页内容相同。总是答 200，`outcome` 为：
        `valid`（有效）、`not_yet_valid`（未到时间）、`expired`（已过期）、`cancelled`（已取消或改期）、
        `unknown_key`、`bad_signature`、`malformed`（伪造或损坏），或 `enterprise_mismatch`（`uscc` 是另一家企业）。
        只有签名验证通过时，`visit` 才给出数据库中的备案内容：单位、执法人员及执法证号、事项及设定依据、时间窗口。
        按客户端限流；每次调用都以粗略的客户端信息记入核验日志。

        角色：无需登录。拒绝：429（核验过于频繁，带 RateLimit-* 响应头）。
        English: verify a visit code (检查码); always 200 with an `outcome`.
        """
        # The clock and the context straight from the app state, not injected: every phone scan comes here, and
        # resolving two dependencies costs Litestar a task group per request.
        state = request.app.state
        return await verify_visit_code(
            token, state.context, state.clock.now(), expected_uscc=uscc, channel="json", client=_client(request)
        )

    @get("/E/{token:str}", media_type=MediaType.HTML, include_in_schema=False)
    async def enterprise_page(self, now: Now, env: Env, token: FromPath[str]) -> Template:
        view: EnterpriseCodeView = await read_enterprise_code(token, env, now)
        nonce = secrets.token_urlsafe(16)
        return Template(
            template_name="enterprise_code.html", context={"view": view, "nonce": nonce}, headers=_page_headers(nonce)
        )

    @websocket("/V/{token:str}/live")
    async def live(self, now: Now, socket: WebSocket[Any, Any, Any], token: FromPath[str]) -> None:
        """Sends a message whenever the visit changes (check-in, check-out, cancel); the page re-fetches."""
        env: ServiceContext = socket.app.state.context
        visit_id = live_visit_id(token, env, now)
        if visit_id is None:
            await socket.close(code=WS_1008_POLICY_VIOLATION, reason="not a visit code")
            return
        channels = socket.app.plugins.get(ChannelsPlugin)
        # Subscribe before accepting, so that nothing published after the page connected is missed.
        async with channels.start_subscription([f"visit-{visit_id}"]) as subscriber:
            await socket.accept()
            async with subscriber.run_in_background(socket.send_data):
                with anyio.move_on_after(LIVE_MAX_SECONDS):
                    try:
                        while True:  # the page sends nothing; this notices when it goes away
                            await socket.receive_data(mode="text")
                    except WebSocketDisconnect:
                        pass


def _cacheable(request: Request[Any, Any, Any], body: bytes, max_age: int) -> Response[bytes]:
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=MediaType.JSON, headers=headers)


_NOT_MODIFIED = ResponseSpec(None, description="未改变（If-None-Match 与 ETag 相同），无内容。 Not modified")


class PublicKeysController(Controller):
    """What offline verifiers download: cacheable, with ETags."""

    path = "/"
    tags = [VERIFICATION]
    dependencies = DEPENDENCIES

    @get(
        "/.well-known/jwks.json",
        summary="核验公钥（JWK Set）",
        responses={
            200: ResponseSpec(dict[str, list[dict[str, str]]], description="核验公钥（JWK Set）。 The public keys"),
            304: _NOT_MODIFIED,
        },
    )
    async def jwks(self, now: Now, request: Request[Any, Any, Any], env: Env) -> Response[bytes]:
        """离线核验检查码和企业码用的 Ed25519 公钥，每个带 `kid`（8 个 Base32 字符，与码的 COSE 头一致）；
        停止签发的密钥保留到它签的最后一个码过期。支持 ETag / If-None-Match（304）。

        角色：无需登录。English: the public keys (JWK Set) that verify visit and enterprise codes.
        """
        keys = env.keyring.jwks(now)["keys"]
        # The enterprise-code keys come after the visit keys: an offline verifier then recognises an enterprise
        # code (企业码) for what it is instead of calling it signed by an unknown key.
        if env.enterprise_keyring is not None:
            known = {k["kid"] for k in keys}
            keys += [k for k in env.enterprise_keyring.jwks(now)["keys"] if k["kid"] not in known]
        return _cacheable(request, msgspec.json.encode({"keys": keys}), max_age=300)

    @get(
        "/api/v1/public/revocations",
        summary="检查码吊销列表",
        responses={
            200: ResponseSpec(RevocationList, description="游标之后的吊销记录。 Revocations after the cursor"),
            304: _NOT_MODIFIED,
        },
    )
    async def revocations(
        self,
        now: Now,
        request: Request[Any, Any, Any],
        since: Annotated[int, QueryParameter(ge=0, le=2**31 - 1, description="Cursor from the last call")] = 0,
    ) -> Response[bytes]:
        """游标之后被吊销的检查码（检查取消或改期），供离线核验；下次把应答中的 `cursor` 作为 `since` 传入。
        码过期后，其吊销记录不再列出。支持 ETag / If-None-Match（304）。

        角色：无需登录。English: codes revoked since a cursor, while they could still be shown.
        """
        return _cacheable(request, msgspec.json.encode(await revocation_list(since, now)), max_age=60)


class VerificationLogController(Controller):
    path = "/api/v1/verifications"
    tags = [VERIFICATION]

    @get("/", guards=[require(Role.supervisor)], summary="核验日志")
    async def list_log(
        self,
        visit_id: Annotated[int | None, QueryParameter(ge=0, le=2**31 - 1)] = None,
        limit: Limit = 100,
        offset: Offset = 0,
        after: After = None,
    ) -> Page[VerificationLogRead]:
        """每次核验（网页或 JSON）的结果、时间和粗略的客户端信息，最新的在前；可按检查筛选。

        角色：司法局（supervisor）。English: the verification log, newest first.
        """
        return await list_verifications(visit_id, limit, offset, after)


def public_route_handlers(settings: Settings) -> list[ControllerRouterHandler]:
    limited = Router(
        path="/",
        route_handlers=[VerifyController],
        middleware=[verify_rate_limit(settings.verify_rate_per_minute).middleware],
    )
    return [limited, PublicKeysController, VerificationLogController]

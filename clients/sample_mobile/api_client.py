"""A typed client of the ruqi HTTP API: what both phones call, and nothing else.

Errors: every non-2xx answer becomes ``ApiError`` (the server's problem+json: ``status``, ``code``,
``detail``, ``field``); a lost connection, a timeout or a 5xx/429 becomes ``TransientError`` — the only
kind of failure worth retrying with the same request.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import msgspec

from clients.sample_mobile import __version__
from clients.sample_mobile.schemas import (
    CheckoutRequest,
    ComplaintPage,
    ComplaintRequest,
    EnterpriseCode,
    EnterprisePage,
    ItemPage,
    Login,
    RatingPage,
    RatingRequest,
    ScanRequest,
    ScanResult,
    UnfiledAttemptPage,
    Verification,
    Visit,
    VisitCode,
    VisitDraft,
    VisitPage,
)
from clients.sample_mobile.tokens import token_text

T = TypeVar("T")
DEFAULT_SERVER = "http://127.0.0.1:8000"
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class ApiError(Exception):
    """The server answered and refused: a final answer for this request."""

    def __init__(self, status: int, code: str, detail: str, field: str | None = None, body: Any = None) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail, self.field, self.body = status, code, detail, field, body


class TransientError(Exception):
    """No usable answer (network down, timeout, 5xx, 429): the same request may be sent again."""


@dataclass(frozen=True)
class Answer:
    """A raw answer: what the outbox stores."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Conditional:
    """A conditional GET: ``body`` is None when the server said 304 Not Modified."""

    status: int
    body: bytes | None
    etag: str | None
    max_age: int


def _max_age(cache_control: str | None) -> int:
    for part in (cache_control or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "max-age" and value.isdigit():
            return int(value)
    return 0


def api_error(answer: Answer) -> ApiError:
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return ApiError(answer.status, "http_error", answer.body[:200].decode("utf-8", "replace"), body=body)
    return ApiError(
        answer.status, str(body.get("code", "http_error")), str(body.get("detail", "")), body.get("field"), body
    )


class ApiClient:
    """One server, one optional bearer token. Use as a context manager or call ``close()``."""

    def __init__(
        self,
        server: str = DEFAULT_SERVER,
        token: str | None = None,
        *,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.token = token
        headers = {"User-Agent": f"ruqi-sample-mobile/{__version__}"}
        self._http = httpx.Client(base_url=self.server, timeout=timeout, headers=headers, transport=transport)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- transport -------------------------------------------------------------------------------------
    def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> Answer:
        """Send one request; TransientError when there is no final answer. Does not raise for 4xx."""
        all_headers = dict(headers or {})
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        if auth and self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self._http.request(method, path, content=body, params=params, headers=all_headers)
        except httpx.TransportError as exc:
            raise TransientError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code in RETRYABLE_STATUS:
            detail = response.text[:200].replace("\n", " ")
            raise TransientError(f"{method} {path}: HTTP {response.status_code} {detail}")
        return Answer(response.status_code, response.content, dict(response.headers))

    def _call(self, method: str, path: str, type_: type[T], **kw: Any) -> T:
        answer = self.send(method, path, **kw)
        if not 200 <= answer.status < 300:
            raise api_error(answer)
        return msgspec.json.decode(answer.body, type=type_)

    def _bytes(self, path: str, auth: bool = True) -> bytes:
        answer = self.send("GET", path, auth=auth)
        if answer.status != 200:
            raise api_error(answer)
        return answer.body

    def conditional_get(self, path: str, etag: str | None, *, force: bool = False) -> Conditional:
        """GET with If-None-Match; ``force`` also asks caches on the way to revalidate (no-cache)."""
        headers = {"If-None-Match": etag} if etag else {}
        if force:
            headers["Cache-Control"] = "no-cache"
        answer = self.send("GET", path, headers=headers, auth=False)
        if answer.status not in (200, 304):
            raise api_error(answer)
        lowered = {k.lower(): v for k, v in answer.headers.items()}
        return Conditional(
            status=answer.status,
            body=answer.body if answer.status == 200 else None,
            etag=lowered.get("etag", etag),
            max_age=_max_age(lowered.get("cache-control")),
        )

    # -- everyone --------------------------------------------------------------------------------------
    def login(self, username: str, password: str) -> Login:
        body = msgspec.json.encode({"username": username, "password": password})
        login = self._call("POST", "/api/v1/auth/login", Login, body=body, auth=False)
        self.token = login.access_token
        return login

    def health(self) -> dict[str, Any]:
        answer = self.send("GET", "/health", auth=False)
        if answer.status != 200:
            raise api_error(answer)
        result: dict[str, Any] = answer.json()
        return result

    # -- staff: visits and codes -----------------------------------------------------------------------
    def list_visits(self, **filters: Any) -> VisitPage:
        params = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in filters.items() if v is not None}
        params = {k: ("true" if v is True else "false" if v is False else v) for k, v in params.items()}
        return self._call("GET", "/api/v1/visits", VisitPage, params=params)

    def today(self, now: dt.datetime | None = None, tz: dt.tzinfo = LOCAL_TZ) -> list[Visit]:
        """My approved visits whose window starts today (local day)."""
        day = (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()
        start = dt.datetime(day.year, day.month, day.day, tzinfo=tz)
        page = self.list_visits(mine=True, status="approved", start_from=start, start_to=start + dt.timedelta(days=1))
        return page.items

    def visit(self, visit_id: int) -> Visit:
        return self._call("GET", f"/api/v1/visits/{visit_id}", Visit)

    def file_visit(self, draft: VisitDraft) -> Visit:
        return self._call("POST", "/api/v1/visits", Visit, body=msgspec.json.encode(draft))

    def approve(self, visit_id: int) -> Visit:
        return self._call("POST", f"/api/v1/visits/{visit_id}/approve", Visit)

    def cancel(self, visit_id: int, reason: str) -> Visit:
        body = msgspec.json.encode({"reason": reason})
        return self._call("POST", f"/api/v1/visits/{visit_id}/cancel", Visit, body=body)

    def visit_code(self, visit_id: int) -> VisitCode:
        return self._call("GET", f"/api/v1/visits/{visit_id}/code", VisitCode)

    def visit_code_png(self, visit_id: int) -> bytes:
        return self._bytes(f"/api/v1/visits/{visit_id}/code.png")

    def visit_scans(self, visit_id: int) -> list[dict[str, Any]]:
        return self._call("GET", f"/api/v1/visits/{visit_id}/scans", list[dict[str, Any]])

    def enterprise_code(self, uscc: str) -> EnterpriseCode:
        return self._call("GET", f"/api/v1/enterprises/{quote(uscc)}/code", EnterpriseCode)

    def enterprise_code_png(self, uscc: str) -> bytes:
        return self._bytes(f"/api/v1/enterprises/{quote(uscc)}/code.png")

    # -- inspector writes (the outbox sends these through ``send``; direct calls are for tools) -----------
    def scan(self, request: ScanRequest) -> ScanResult:
        return self._call("POST", SCAN_PATH, ScanResult, body=msgspec.json.encode(request))

    def checkout(self, visit_id: int, request: CheckoutRequest) -> Visit:
        return self._call("POST", checkout_path(visit_id), Visit, body=msgspec.json.encode(request))

    # -- enterprise: verification and complaints (no login), rating (its own login) -------------------
    def verify(self, scanned: str, uscc: str | None = None) -> Verification:
        params = {"uscc": uscc} if uscc else None
        path = f"/api/v1/public/verify/{quote(token_text(scanned), safe='')}"
        return self._call("GET", path, Verification, params=params, auth=False)

    def rate(self, scanned: str, request: RatingRequest) -> dict[str, Any]:
        """As the logged-in enterprise: only the inspected enterprise's own account may rate."""
        return self._call("POST", rating_path(scanned), dict[str, Any], body=msgspec.json.encode(request))

    def complain(self, request: ComplaintRequest) -> dict[str, Any]:
        return self._call("POST", COMPLAINT_PATH, dict[str, Any], body=msgspec.json.encode(request), auth=False)

    # -- planner tools: what filing a visit needs ------------------------------------------------------------
    def enterprises(self, q: str | None = None, limit: int = 100, offset: int = 0) -> EnterprisePage:
        params = {"limit": limit, "offset": offset, **({"q": q} if q else {})}
        return self._call("GET", "/api/v1/enterprises", EnterprisePage, params=params)

    def inspector_id(self, cert_no: str) -> int:
        """The registry id of the inspector holding this 执法证 (planners see their own unit's)."""
        page = self._call("GET", "/api/v1/inspectors", dict[str, Any], params={"cert_no": cert_no})
        found = [i["id"] for i in page.get("items", []) if i.get("cert_no") == cert_no]
        if len(found) != 1:
            raise ApiError(404, "inspector_not_found", f"no inspector of your unit holds 执法证 {cert_no}")
        return int(found[0])

    def items(self, unit_code: str | None = None, status: str | None = "published", limit: int = 100) -> ItemPage:
        params = {k: v for k, v in {"unit_code": unit_code, "status": status, "limit": limit}.items() if v is not None}
        return self._call("GET", "/api/v1/items", ItemPage, params=params)

    # -- supervisor ------------------------------------------------------------------------------------
    def ratings(self, unit_code: str | None = None) -> RatingPage:
        params = {"unit_code": unit_code} if unit_code else None
        return self._call("GET", "/api/v1/ratings", RatingPage, params=params)

    def complaints(self, limit: int = 100) -> ComplaintPage:
        return self._call("GET", "/api/v1/complaints", ComplaintPage, params={"limit": limit})

    def unfiled_attempts(self, uscc: str | None = None) -> UnfiledAttemptPage:
        params = {"uscc": uscc} if uscc else None
        return self._call("GET", "/api/v1/unfiled-attempts", UnfiledAttemptPage, params=params)


SCAN_PATH = "/api/v1/scans"
COMPLAINT_PATH = "/api/v1/public/complaints"
JWKS_PATH = "/.well-known/jwks.json"
REVOCATIONS_PATH = "/api/v1/public/revocations"


def checkout_path(visit_id: int) -> str:
    return f"/api/v1/visits/{visit_id}/checkout"


def rating_path(scanned: str) -> str:
    return f"/api/v1/public/visits/{quote(token_text(scanned), safe='')}/rating"

"""The supervisor's dashboard: server-rendered HTML with inline SVG charts, no script at all.

A browser cannot send a bearer header on a plain link, so ``/dashboard`` (excluded from the bearer
middleware by ``PUBLIC_PATHS``) reads the same JWT from an HttpOnly, SameSite=Strict cookie set by the
login form, and checks it here: no or bad cookie → redirect to the login form; a role other than
supervisor or admin → a 403 page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from api.accounts import service as users
from api.actor import Actor
from api.auth import actor_from_token, token_extras, verify_password_async
from api.clock import LOCAL_TZ
from api.deps import Now
from api.errors import DomainError, TooManyRequests
from api.i18n import render
from api.metrics import drilldown, supervision_view
from api.metrics.controller import FromDate, PeriodText, ToDate, UnitCode
from api.metrics.dashboard_view import dashboard_context, display_helpers
from api.metrics.export import export_file
from api.metrics.period import Period, parse_metric_period
from api.metrics.service import compute_metrics
from api.throttle import client_address, login_throttle
from models.enums import CaseStep, ComplaintStatus, Role, VisitStatus

COOKIE = "ruqi_dashboard"
COOKIE_PATH = "/dashboard"
LOGIN = "/dashboard/login"
READERS = (Role.supervisor, Role.admin)
# A unit's planner and approver read the supervision documents sent to their unit (and only those pages).
DOCUMENT_READERS = (*READERS, Role.planner, Role.approver)
UNIT_DOCUMENTS = "/dashboard/documents"
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(LOCAL_TZ).date()


def _chosen_period(period: str | None, start: dt.date | None, last_day: dt.date | None, now: dt.datetime) -> Period:
    """The period asked for; with none, the last full month (the current one is still filling up)."""
    if not (period or start or last_day):
        previous = _today(now).replace(day=1) - dt.timedelta(days=1)
        period = f"{previous.year}-{previous.month:02d}"
    return parse_metric_period(period, start=start, last_day=last_day, today=_today(now))


Page = Annotated[int, QueryParameter(ge=1, le=100_000, description="Page number, from 1")]


class LoginForm(msgspec.Struct):
    username: Annotated[str, msgspec.Meta(max_length=64)] = ""
    password: Annotated[str, msgspec.Meta(max_length=256)] = ""
    next: Annotated[str, msgspec.Meta(max_length=2000)] = ""


async def cookie_actor(request: Request[Any, Any, Any]) -> Actor | None:
    """The actor of the dashboard cookie's JWT, or None when it is missing, forged, expired or revoked."""
    encoded = request.cookies.get(COOKIE)
    if not encoded:
        return None
    jwt_auth = request.app.state.jwt_auth
    try:
        token = jwt_auth.token_cls.decode(encoded, jwt_auth.token_secret, jwt_auth.algorithm)
    except (NotAuthorizedException, ValueError):
        return None
    return await actor_from_token(token, request)


def _safe_next(target: str) -> str:
    """Only a dashboard path on this site (no scheme, no host): never an open redirect."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/dashboard") or parts.path.startswith(LOGIN):
        return "/dashboard"
    return target


def _to_login(request: Request[Any, Any, Any]) -> Redirect:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # An explicit media type: the export route's application/octet-stream is not one a redirect may carry.
    return Redirect(f"{LOGIN}?{urlencode({'next': here})}", status_code=303, media_type=MediaType.TEXT)


def _page(name: str, context: dict[str, Any], status: int = 200) -> Template:
    return Template(template_name=name, context=context, status_code=status, headers=HEADERS)


def _denied(actor: Actor) -> Template:
    context = {"username": actor.username, "role": actor.role.value, "documents": actor.role in DOCUMENT_READERS}
    return _page("dashboard_denied.html", context, 403)


def _with_helpers(actor: Actor, context: dict[str, Any]) -> dict[str, Any]:
    return {**context, **drilldown.page_helpers(), **display_helpers(), "username": actor.username}


def _cross_site(request: Request[Any, Any, Any]) -> bool:
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc != request.headers.get("host", "")


class DashboardController(Controller):
    path = "/dashboard"
    include_in_schema = False

    @get("/", media_type=MediaType.HTML)
    async def dashboard(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        period: PeriodText = None,
        start: FromDate = None,
        last_day: ToDate = None,
        unit_code: UnitCode = None,
    ) -> Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None:
            return _to_login(request)
        if actor.role not in READERS:
            return _denied(actor)
        if start or last_day:  # the form keeps the last period in its text box: dates typed in win
            period = None
        form = {"period": period or "", "from": start, "to": last_day, "unit_code": unit_code or ""}
        box = {"cases_box": await supervision_view.cases_box(actor, now), **supervision_view.case_helpers()}
        try:
            chosen = _chosen_period(period, start, last_day, now)
            metrics = await compute_metrics(
                chosen.start, chosen.end, unit_code or None, now=now, policy=request.app.state.context.policy
            )
        except DomainError as exc:
            context = await dashboard_context(None, form, actor, _today(now), render(exc.message))
            return _page("dashboard.html", {**context, **box}, 400)
        return _page("dashboard.html", {**await dashboard_context(metrics, form, actor, _today(now)), **box})

    @get("/visits", media_type=MediaType.HTML)
    async def visits(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        uscc: Annotated[str | None, QueryParameter(max_length=18)] = None,
        unit_code: UnitCode = None,
        start_from: FromQuery[dt.datetime | None] = None,
        start_to: FromQuery[dt.datetime | None] = None,
        status: FromQuery[VisitStatus | None] = None,
        page: Page = 1,
    ) -> Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None or actor.role not in READERS:
            return _to_login(request) if actor is None else _denied(actor)
        context = await drilldown.visits_page(
            actor,
            now,
            uscc=uscc,
            unit_code=unit_code,
            start_from=start_from,
            start_to=start_to,
            status=status,
            page=page,
        )
        return _page("dashboard_visits.html", _with_helpers(actor, context))

    @get("/visits/{visit_id:int}", media_type=MediaType.HTML)
    async def visit(self, request: Request[Any, Any, Any], now: Now, visit_id: FromPath[int]) -> Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None or actor.role not in READERS:
            return _to_login(request) if actor is None else _denied(actor)
        return _page("dashboard_visit.html", _with_helpers(actor, await drilldown.visit_page(actor, visit_id, now)))

    @get("/unfiled-attempts", media_type=MediaType.HTML)
    async def unfiled_attempts(
        self,
        request: Request[Any, Any, Any],
        uscc: Annotated[str | None, QueryParameter(max_length=18)] = None,
        since: FromQuery[dt.datetime | None] = None,
        page: Page = 1,
    ) -> Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None or actor.role not in READERS:
            return _to_login(request) if actor is None else _denied(actor)
        context = await drilldown.unfiled_page(uscc=uscc, since=since, page=page)
        return _page("dashboard_unfiled.html", _with_helpers(actor, context))

    @get("/complaints/{complaint_id:int}", media_type=MediaType.HTML)
    async def complaint(
        self, request: Request[Any, Any, Any], now: Now, complaint_id: FromPath[int]
    ) -> Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None or actor.role not in READERS:
            return _to_login(request) if actor is None else _denied(actor)
        context = await drilldown.complaint_page(actor, complaint_id, now)
        return _page("dashboard_complaint.html", _with_helpers(actor, context))

    @get("/acceptances", media_type=MediaType.HTML)
    async def acceptances(
        self, request: Request[Any, Any, Any], since: FromQuery[dt.datetime | None] = None, page: Page = 1
    ) -> Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None or actor.role not in READERS:
            return _to_login(request) if actor is None else _denied(actor)
        context = await drilldown.acceptances_page(actor, since=since, page=page)
        return _page("dashboard_acceptances.html", _with_helpers(actor, context))

    @get("/complaints", media_type=MediaType.HTML)
    async def complaints(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        status: FromQuery[ComplaintStatus | None] = None,
        overdue: FromQuery[bool] = False,
        page: Page = 1,
    ) -> Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None or actor.role not in READERS:
            return _to_login(request) if actor is None else _denied(actor)
        context = await drilldown.complaints_page(actor, now, status=status, overdue=overdue, page=page)
        return _page("dashboard_complaints.html", _with_helpers(actor, {**context, "statuses": list(ComplaintStatus)}))

    @get("/cases", media_type=MediaType.HTML)
    async def cases(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        step: FromQuery[CaseStep | None] = None,
        overdue: FromQuery[bool] = False,
        page: Page = 1,
    ) -> Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None or actor.role not in READERS:
            return _to_login(request) if actor is None else _denied(actor)
        context = await supervision_view.cases_page(actor, now, overdue=overdue, step=step, page=page)
        return _page("dashboard_cases.html", _with_helpers(actor, {**context, **supervision_view.case_helpers()}))

    @get("/cases/{case_id:int}", media_type=MediaType.HTML)
    async def case(self, request: Request[Any, Any, Any], now: Now, case_id: FromPath[int]) -> Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None or actor.role not in READERS:
            return _to_login(request) if actor is None else _denied(actor)
        context = await supervision_view.case_page(actor, case_id, now)
        return _page("dashboard_case.html", _with_helpers(actor, {**context, **supervision_view.case_helpers()}))

    @get("/documents", media_type=MediaType.HTML)
    async def documents(
        self, request: Request[Any, Any, Any], now: Now, overdue: FromQuery[bool] = False, page: Page = 1
    ) -> Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None or actor.role not in DOCUMENT_READERS:
            return _to_login(request) if actor is None else _denied(actor)
        context = await supervision_view.documents_page(actor, now, overdue=overdue, page=page)
        return _page("dashboard_documents.html", _with_helpers(actor, context))

    @get("/documents/{document_id:int}", media_type=MediaType.HTML)
    async def document(
        self, request: Request[Any, Any, Any], now: Now, document_id: FromPath[int]
    ) -> Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None or actor.role not in DOCUMENT_READERS:
            return _to_login(request) if actor is None else _denied(actor)
        return _page("supervision_document.html", await supervision_view.document_page(actor, document_id, now))

    @get("/export", media_type="application/octet-stream")
    async def export(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        format: FromQuery[str] = "xlsx",
        period: PeriodText = None,
        start: FromDate = None,
        last_day: ToDate = None,
        unit_code: UnitCode = None,
    ) -> Response[bytes] | Template | Redirect:
        actor = await cookie_actor(request)
        if actor is None:
            return _to_login(request)
        if actor.role not in READERS:
            return _denied(actor)
        chosen = _chosen_period(period, start, last_day, now)
        metrics = await compute_metrics(
            chosen.start, chosen.end, unit_code or None, now=now, policy=request.app.state.context.policy
        )
        content, media_type, filename = export_file(metrics, "csv" if format == "csv" else "xlsx")
        disposition = f'attachment; filename="{filename}"'
        return Response(content, media_type=media_type, headers={"Content-Disposition": disposition, **HEADERS})

    @get("/login", media_type=MediaType.HTML)
    async def login_form(self, next: FromQuery[str] = "/dashboard") -> Template:
        return _page("dashboard_login.html", {"next": _safe_next(next), "error": "", "username": ""})

    @post("/login", media_type=MediaType.HTML, status_code=303)
    async def login(
        self,
        request: Request[Any, Any, Any],
        now: Now,
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        target = _safe_next(data.next or "/dashboard")
        context = {"next": target, "username": data.username}
        if _cross_site(request):
            return _page("dashboard_login.html", {**context, "error": "跨站登录请求已拒绝。"}, 403)
        try:
            found = await users.login(
                data.username,
                data.password,
                client_address(request),
                login_throttle(request),
                verify_password_async,
                now,
            )
        except TooManyRequests as exc:
            page = _page("dashboard_login.html", {**context, "error": render(exc.message)}, 429)
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        except DomainError:
            return _page("dashboard_login.html", {**context, "error": "用户名或密码错误。"}, 401)
        actor = found.actor
        if actor.role not in DOCUMENT_READERS:
            return _denied(actor)
        if actor.role not in READERS and not target.startswith(UNIT_DOCUMENTS):
            target = UNIT_DOCUMENTS  # unit staff: their unit's documents are the pages they may read
        jwt_auth = request.app.state.jwt_auth
        token = jwt_auth.create_token(identifier=actor.username, token_extras=token_extras(actor, found.token_version))
        cookie = Cookie(
            key=COOKIE,
            value=token,
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=int(jwt_auth.default_token_expiration.total_seconds()),
        )
        return Redirect(target, status_code=303, cookies=[cookie])

    @post("/logout", status_code=303)
    async def logout(self) -> Redirect:
        expired = Cookie(key=COOKIE, value="", path=COOKIE_PATH, httponly=True, samesite="strict", max_age=0)
        return Redirect(LOGIN, status_code=303, cookies=[expired])

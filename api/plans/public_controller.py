"""Published schedules: the public page and JSON (规上企业月公示), exports, calendar feeds, 检查预告."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Controller, MediaType, Request, Response, get
from litestar.di import Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from api.auth import STAFF, require
from api.deps import CurrentActor, Now, provide_actor
from api.errors import NotFound
from api.pages import page
from api.plans.ical import enterprise_feed_for, my_upcoming, unit_feed_for
from api.plans.policy import parse_month
from api.plans.public import EXPORT_HEADERS, export_rows, public_schedule, published_periods
from api.plans.schemas import PublicScheduleRead, UpcomingRead
from api.settings import Settings
from api.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, write_csv, write_xlsx
from models.enums import Role

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _feed_name(feed: str) -> str:
    if not feed.endswith(".ics") or len(feed) <= 4:
        raise NotFound("Calendar feeds end in .ics.", code="feed_not_found")
    return feed[:-4]


def _ics(body: bytes, filename: str, cache: str) -> Response[bytes]:
    headers = {"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": cache}
    return Response(body, media_type=ICS_MEDIA_TYPE, headers=headers)


class PublicScheduleController(Controller):
    """No login: only above-scale enterprises' on-site planned visits of a published month, no inspectors."""

    path = "/"
    tags = ["public schedules"]

    @get("/public/schedules", media_type=MediaType.HTML, include_in_schema=False)
    async def index(self) -> Template:
        return page("public_schedules.html", {"periods": await published_periods()})

    @get("/public/schedules/{period:str}", media_type=MediaType.HTML, include_in_schema=False)
    async def page(self, period: FromPath[str]) -> Template:
        year, month = parse_month(period)
        view = await public_schedule(year, month)
        return page("public_schedule.html", {"view": view, "year": year, "month": month})

    @get("/api/v1/public/schedules/{period:str}", summary="A published month: above-scale enterprises' visits")
    async def read(self, period: FromPath[str]) -> Response[PublicScheduleRead]:
        year, month = parse_month(period)
        return Response(await public_schedule(year, month), headers=PUBLIC_CACHE)

    @get("/api/v1/public/schedules/{period:str}/export", summary="The published month as .xlsx or .csv")
    async def export(
        self, period: FromPath[str], format: FromQuery[Literal["xlsx", "csv"]] = "xlsx"
    ) -> Response[bytes]:
        year, month = parse_month(period)
        rows = export_rows(await public_schedule(year, month))
        if format == "csv":
            content, media_type = write_csv(EXPORT_HEADERS, rows), CSV_MEDIA_TYPE
        else:
            content, media_type = write_xlsx(f"{period} 检查计划公示", EXPORT_HEADERS, rows), XLSX_MEDIA_TYPE
        disposition = f'attachment; filename="schedule-{period}.{format}"'
        return Response(content, media_type=media_type, headers={"Content-Disposition": disposition, **PUBLIC_CACHE})

    @get(
        "/api/v1/public/schedules/enterprise/{feed:str}",
        summary="An enterprise's calendar of published tasks ({uscc}.ics?token=…, the token from /my/upcoming)",
        media_type=ICS_MEDIA_TYPE,
    )
    async def enterprise_feed(
        self, now: Now, request: Request[Any, Any, Any], feed: FromPath[str], token: FromQuery[str | None] = None
    ) -> Response[bytes]:
        settings = _settings(request)
        uscc = _feed_name(feed)
        body = await enterprise_feed_for(uscc, token, settings.resolved_jwt_secret(), settings.issuer, now)
        return _ics(body, f"{uscc}.ics", "private, max-age=300")


class UnitFeedController(Controller):
    path = "/api/v1/schedules/unit"
    tags = ["plans"]
    dependencies = {"actor": Provide(provide_actor, sync_to_thread=False)}

    @get("/{feed:str}", guards=[require(*STAFF)], media_type=ICS_MEDIA_TYPE, summary="A unit's published visits")
    async def unit_feed(
        self, now: Now, request: Request[Any, Any, Any], actor: CurrentActor, feed: FromPath[str]
    ) -> Response[bytes]:
        body = await unit_feed_for(actor, _feed_name(feed), _settings(request).issuer, now)
        return _ics(body, feed, "private, no-store")


class MyController(Controller):
    path = "/api/v1/my"
    tags = ["plans"]
    dependencies = {"actor": Provide(provide_actor, sync_to_thread=False)}

    @get("/upcoming", guards=[require(Role.enterprise)], summary="检查预告: your published upcoming inspections")
    async def upcoming(self, now: Now, request: Request[Any, Any, Any], actor: CurrentActor) -> UpcomingRead:
        settings = _settings(request)
        return await my_upcoming(actor, settings.resolved_jwt_secret(), settings.public_base_url, now)

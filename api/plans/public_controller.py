"""Published schedules: the public page and JSON (规上企业月公示), exports, calendar feeds, 检查预告."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, MediaType, Request, Response, get
from litestar.di import Provide
from litestar.openapi.spec import Example
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter
from litestar.response import Template

from api.auth import STAFF, require
from api.deps import CurrentActor, Limit, Now, Offset, provide_actor
from api.errors import NotFound
from api.i18n import tr
from api.openapi_tags import PUBLIC_SCHEDULES, SCHEDULES
from api.pages import page
from api.plans.ical import enterprise_feed_for, my_upcoming, unit_feed_for
from api.plans.policy import parse_month
from api.plans.public import EXPORT_HEADERS, PUBLIC_PAGE, export_rows, public_schedule, published_periods
from api.plans.schemas import PublicScheduleRead, UpcomingRead
from api.settings import Settings
from api.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, write_csv, write_xlsx
from models.enums import Role

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}
MonthPath = Annotated[
    str, PathParameter(description="月份，YYYY-MM", examples=[Example(summary="2026 年 7 月", value="2026-07")])
]
PageNumber = Annotated[int, QueryParameter(query="page", ge=1, le=100_000, description="页码，从 1 开始")]


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _feed_name(feed: str) -> str:
    if not feed.endswith(".ics") or len(feed) <= 4:
        raise NotFound(tr("Calendar feeds end in .ics."), code="feed_not_found")
    return feed[:-4]


def _ics(body: bytes, filename: str, cache: str) -> Response[bytes]:
    headers = {"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": cache}
    return Response(body, media_type=ICS_MEDIA_TYPE, headers=headers)


class PublicScheduleController(Controller):
    """No login: only above-scale enterprises' on-site planned visits of a published month, no inspectors."""

    path = "/"
    tags = [PUBLIC_SCHEDULES]

    @get("/public/schedules", media_type=MediaType.HTML, include_in_schema=False)
    async def index(self) -> Template:
        return page("public_schedules.html", {"periods": await published_periods()})

    @get("/public/schedules/{period:str}", media_type=MediaType.HTML, include_in_schema=False)
    async def page(self, period: FromPath[str], page_no: PageNumber = 1) -> Template:
        year, month = parse_month(period)
        view = await public_schedule(year, month, PUBLIC_PAGE, (page_no - 1) * PUBLIC_PAGE)
        pages = max(1, -(-view.total // PUBLIC_PAGE))
        context = {"view": view, "year": year, "month": month, "page_no": page_no, "pages": pages}
        return page("public_schedule.html", context)

    @get("/api/v1/public/schedules/{period:str}", summary="规上企业月度检查计划公示")
    async def read(
        self, period: MonthPath, limit: Limit = PUBLIC_PAGE, offset: Offset = 0
    ) -> Response[PublicScheduleRead]:
        """一个已发布月份的公示：规上企业的现场检查计划（企业、检查单位、事项、周次、时间窗口、是否联合检查），
        不含执法人员；分页（`limit`、`offset`，`total` 为全月条数），整月请下载导出文件。浏览器打开
        `/public/schedules/{period}` 得到同样内容的网页（`?page=` 翻页）。

        角色：无需登录。拒绝：404 `schedule_not_published`；400 `invalid_period`。
        English: the published month's planned visits to above-scale enterprises (规上企业月公示), one page at a time.
        """
        year, month = parse_month(period)
        return Response(await public_schedule(year, month, limit, offset), headers=PUBLIC_CACHE)

    @get("/api/v1/public/schedules/{period:str}/export", summary="下载公示（Excel 或 CSV）")
    async def export(self, period: MonthPath, format: FromQuery[Literal["xlsx", "csv"]] = "xlsx") -> Response[bytes]:
        """已发布月份的公示，`format=xlsx`（默认）或 `csv`，中文表头。

        角色：无需登录。拒绝：404 `schedule_not_published`；400 `invalid_period`。
        """
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
        summary="企业的检查日历订阅（iCalendar）",
        media_type=ICS_MEDIA_TYPE,
    )
    async def enterprise_feed(
        self, now: Now, request: Request[Any, Any, Any], feed: FromPath[str], token: FromQuery[str | None] = None
    ) -> Response[bytes]:
        """企业已发布的检查任务，作为日历订阅：`{统一社会信用代码}.ics?token=…`，令牌取自 `/api/v1/my/upcoming`。

        角色：无需登录，凭令牌。拒绝：404 `feed_not_found`（令牌不对或地址不以 .ics 结尾）。
        English: an enterprise's calendar feed of its published tasks, by the token from /my/upcoming.
        """
        settings = _settings(request)
        uscc = _feed_name(feed)
        body = await enterprise_feed_for(uscc, token, settings.resolved_jwt_secret(), settings.issuer, now)
        return _ics(body, f"{uscc}.ics", "private, max-age=300")


class UnitFeedController(Controller):
    path = "/api/v1/schedules/unit"
    tags = [SCHEDULES]
    dependencies = {"actor": Provide(provide_actor, sync_to_thread=False)}

    @get("/{feed:str}", guards=[require(*STAFF)], media_type=ICS_MEDIA_TYPE, summary="单位的检查日历订阅（iCalendar）")
    async def unit_feed(
        self, now: Now, request: Request[Any, Any, Any], actor: CurrentActor, feed: FromPath[str]
    ) -> Response[bytes]:
        """一个单位已发布的检查任务，作为日历订阅：`{单位代码}.ics`。

        角色：司法局看任何单位；规划员、主体负责人、执法人员只能订阅本单位。
        拒绝：403 `not_your_unit`；404 `feed_not_found`。
        """
        body = await unit_feed_for(actor, _feed_name(feed), _settings(request).issuer, now)
        return _ics(body, feed, "private, no-store")


class MyController(Controller):
    path = "/api/v1/my"
    tags = [PUBLIC_SCHEDULES]
    dependencies = {"actor": Provide(provide_actor, sync_to_thread=False)}

    @get("/upcoming", guards=[require(Role.enterprise)], summary="检查预告：本企业即将到来的检查")
    async def upcoming(self, now: Now, request: Request[Any, Any, Any], actor: CurrentActor) -> UpcomingRead:
        """检查预告：已发布计划中本企业即将到来的检查，以及本企业日历订阅的地址（含令牌）。

        角色：企业（enterprise）。English: the enterprise's advance notice of its published upcoming inspections.
        """
        settings = _settings(request)
        return await my_upcoming(actor, settings.resolved_jwt_secret(), settings.public_base_url, now)

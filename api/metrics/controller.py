"""The supervisor's metrics as JSON and as Excel/CSV exports (definitions: ``api.metrics.service``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.params import QueryParameter

from api.auth import require
from api.clock import LOCAL_TZ
from api.deps import DEPENDENCIES, CurrentActor, Env, Now
from api.metrics.export import export_file
from api.metrics.period import Period, parse_metric_period
from api.metrics.schemas import Metrics
from api.metrics.service import read_metrics
from models.enums import Role

PeriodText = Annotated[
    str | None,
    QueryParameter(max_length=16, description="2026-07 (month), 2026-Q3 (quarter) or 2026 (year); default this month"),
]
FromDate = Annotated[dt.date | None, QueryParameter(name="from", description="Custom period: first day")]
ToDate = Annotated[dt.date | None, QueryParameter(name="to", description="Custom period: last day (included)")]
UnitCode = Annotated[
    str | None, QueryParameter(max_length=32, description="A unit's view; unit roles get their own unit")
]
READERS = require(Role.supervisor, Role.planner, Role.approver)
DESCRIPTION = (
    "Every figure is defined in the README (and the `api.metrics.service` docstring). Supervisors and admins "
    "see everything; a unit's planners and approvers see their own unit only, without complaints and ratings "
    "(null, named in `hidden`); inspectors and enterprises get 403."
)


def period_from(period: str | None, start: dt.date | None, last_day: dt.date | None, now: dt.datetime) -> Period:
    return parse_metric_period(period, start=start, last_day=last_day, today=now.astimezone(LOCAL_TZ).date())


class MetricsController(Controller):
    path = "/api/v1/metrics"
    tags = ["metrics"]
    dependencies = DEPENDENCIES
    guards = [READERS]

    @get(
        "/",
        summary="Supervisor metrics for a period (month, quarter, year or custom) and an optional unit",
        description=DESCRIPTION,
        cache_control=CacheControlHeader(no_store=True),
    )
    async def metrics(
        self,
        now: Now,
        actor: CurrentActor,
        env: Env,
        period: PeriodText = None,
        start: FromDate = None,
        last_day: ToDate = None,
        unit_code: UnitCode = None,
    ) -> Metrics:
        return await read_metrics(actor, period_from(period, start, last_day, now), unit_code, env.policy, now)

    @get(
        "/export",
        summary="The same metrics as an Excel workbook or a UTF-8 CSV file (one long table)",
        description=DESCRIPTION + " Columns: section, figure, unit_code, value, 说明.",
        media_type="application/octet-stream",
    )
    async def export(
        self,
        now: Now,
        actor: CurrentActor,
        env: Env,
        format: Annotated[Literal["xlsx", "csv"], QueryParameter(description="xlsx or csv")] = "xlsx",
        period: PeriodText = None,
        start: FromDate = None,
        last_day: ToDate = None,
        unit_code: UnitCode = None,
    ) -> Response[bytes]:
        metrics = await read_metrics(actor, period_from(period, start, last_day, now), unit_code, env.policy, now)
        content, media_type, filename = export_file(metrics, format)
        return Response(
            content,
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )

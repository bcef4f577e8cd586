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
from api.openapi_tags import METRICS
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
    "每个指标的定义见 README（及 `api.metrics.service` 的说明）：检查量及同比、联合检查率、扫码入企率、"
    "非现场占比、计划执行率、频次预警、未备案扫码、投诉、评价等。期间：`period` 为月（2026-07）、"
    "季度（2026-Q3）或年（2026），或用 `from`、`to` 自定义；`unit_code` 看一个单位。\n\n"
    "角色：司法局（supervisor）和管理员看全部；规划员（planner）、主体负责人（approver）只看本单位，"
    "且不含投诉和评价（为 null，列在 `hidden` 中）；执法人员和企业为 403。\n\n"
    "拒绝：400 `invalid_period`；403 `forbidden`。English: every figure is defined in the README."
)


def period_from(period: str | None, start: dt.date | None, last_day: dt.date | None, now: dt.datetime) -> Period:
    return parse_metric_period(period, start=start, last_day=last_day, today=now.astimezone(LOCAL_TZ).date())


class MetricsController(Controller):
    path = "/api/v1/metrics"
    tags = [METRICS]
    dependencies = DEPENDENCIES
    guards = [READERS]

    @get(
        "/",
        summary="监督指标",
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
        summary="导出监督指标（Excel 或 CSV）",
        description="同样的指标，导出为 Excel 工作簿（`format=xlsx`，默认）或 UTF-8 CSV（`format=csv`）。\n\n"
        + DESCRIPTION,
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

"""Per-unit rows, the monthly series and year-on-year arithmetic of the metrics."""

from __future__ import annotations

import asyncio
import datetime as dt

from api.metrics import counts, totals
from api.metrics.months import Span
from api.metrics.period import Period, local_midnight
from api.metrics.schemas import MonthlySeries, MonthPoint, UnitMetrics, YearOnYear
from api.metrics.sql import ratio
from models.tables import Unit


def year_on_year(current: int, last_year: int) -> YearOnYear:
    if not last_year:
        return YearOnYear(current=current, last_year=last_year, change_ratio=None, change_percent=None)
    change = (current - last_year) / last_year
    return YearOnYear(
        current=current, last_year=last_year, change_ratio=round(change, 4), change_percent=round(change * 100, 1)
    )


async def unit_rows(
    period: Period, unit_id: int | None, compared: Period, open_from: dt.date | None = None
) -> list[UnitMetrics]:
    """One row per unit (every unit, or the one asked for), a joint visit counted for each of its units.

    Year on year against last year's ``compared`` span (``Period.through``); ``open_from`` as in ``totals``.
    """
    start, end = period.bounds()
    last_start, last_end = compared.last_year().bounds()
    onsite, nonsite, last_onsite, last_nonsite = await asyncio.gather(
        totals.onsite_per_unit(start, end, unit_id, open_from),
        totals.nonsite_per_unit(start, end, unit_id, open_from),
        totals.onsite_per_unit(last_start, last_end, unit_id, open_from),
        totals.nonsite_per_unit(last_start, last_end, unit_id, open_from),
    )
    query = Unit.select(Unit.id, Unit.code, Unit.name).order_by(Unit.code)
    if unit_id is not None:
        query = query.where(Unit.id == unit_id)
    rows = []
    for unit in await query:
        stats = onsite.get(unit["id"], counts.OnsiteStats())
        n = nonsite.get(unit["id"], 0)
        total = stats.onsite + n
        last_total = last_onsite.get(unit["id"], counts.OnsiteStats()).onsite + last_nonsite.get(unit["id"], 0)
        rows.append(
            UnitMetrics(
                unit_code=unit["code"],
                unit_name=unit["name"],
                onsite=stats.onsite,
                joint=stats.joint,
                checked_out=stats.checked_out,
                checked_out_with_scan=stats.scanned,
                nonsite=n,
                total=total,
                joint_rate=ratio(stats.joint, stats.onsite),
                scan_rate=ratio(stats.scanned, stats.checked_out),
                nonsite_share=ratio(n, total),
                last_year_total=last_total,
                yoy_percent=year_on_year(total, last_total).change_percent,
            )
        )
    return rows


def monthly_span(year: int) -> Span:
    """The span of the monthly series: ``year`` and the year before."""
    return local_midnight(dt.date(year - 1, 1, 1)), local_midnight(dt.date(year + 1, 1, 1))


async def monthly_series(year: int, unit_id: int | None, open_from: dt.date | None = None) -> MonthlySeries:
    """On-site and non-site inspections per local month of ``year`` and of the year before."""
    start, end = monthly_span(year)
    onsite, nonsite = await totals.per_month(start, end, unit_id, open_from)

    def at(table: dict[str, int], y: int, month: int) -> int:
        return table.get(f"{y}-{month:02d}-01", 0)

    months = [
        MonthPoint(
            month=m,
            onsite=at(onsite, year, m),
            nonsite=at(nonsite, year, m),
            last_year_onsite=at(onsite, year - 1, m),
            last_year_nonsite=at(nonsite, year - 1, m),
        )
        for m in range(1, 13)
    ]
    return MonthlySeries(year=year, last_year=year - 1, months=months)

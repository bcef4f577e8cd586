"""Stored totals of closed months (``models.metrics_tables``): counted once, read as 48 rows a month after that.

A month's totals are those of ``api.metrics.counts`` for the month: per unit and for the whole district
(``ALL_UNITS``, a joint visit once). They are valid while ``metrics_month_state.rolled`` equals its ``version``,
which the triggers of ``models.metrics_trigger`` raise whenever an input of the month changes. Counting a month:

1. make sure the month has a state row, then read its ``version``;
2. count the month live (several statements, each seeing what was committed when it ran);
3. in one write transaction, claim the month — ``UPDATE … SET rolled = version WHERE version = <read in 1>`` —
   and replace its rows. A change committed after step 1 has raised ``version`` (on PostgreSQL at its COMMIT,
   holding the state row until then), so the claim fails and nothing stale is stored; a change committing after
   the claim waits for it and then raises ``version`` past ``rolled``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from api.clock import LOCAL_TZ
from api.metrics import counts
from api.metrics.months import month_bounds, next_month
from api.metrics.sql import as_datetime, as_int, fetch
from models.db import write_transaction
from models.metrics_tables import ALL_UNITS, MetricsCache, MetricsMonth

PARALLEL_MONTHS = 2  # months counted at once when many are missing (each runs three statements)


@dataclass(frozen=True)
class MonthTotals:
    onsite: dict[int, counts.OnsiteStats] = field(default_factory=dict)  # unit id (or ALL_UNITS) → stats
    nonsite: dict[int, int] = field(default_factory=dict)


async def month_totals(months: list[dt.date]) -> dict[dt.date, MonthTotals]:
    """The totals of these closed months: stored ones read, missing or out-of-date ones counted and stored."""
    if not months:
        return {}
    found = await _stored(months)
    missing = [m for m in months if m not in found]
    limit = asyncio.Semaphore(PARALLEL_MONTHS)

    async def count(month: dt.date) -> None:
        async with limit:
            found[month] = await roll_up(month)

    async with asyncio.TaskGroup() as tg:
        for month in missing:
            tg.create_task(count(month))
    return found


async def roll_up(month: dt.date) -> MonthTotals:
    """Count one month and store its totals unless its inputs changed meanwhile; the counted totals either way."""
    key = month.isoformat()
    async with write_transaction():
        await fetch(
            "INSERT INTO metrics_month_state (month, version, rolled) VALUES ({}, 0, -1) "
            "ON CONFLICT (month) DO NOTHING",
            key,
        )
    version = as_int((await fetch("SELECT version FROM metrics_month_state WHERE month = {}", key))[0]["version"])
    start, end = month_bounds(month)
    totals, per_unit, nonsite = await asyncio.gather(
        counts.onsite_totals(start, end, None),
        counts.onsite_per_unit(start, end, None),
        counts.nonsite_per_unit(start, end, None),
    )
    counted = MonthTotals({ALL_UNITS: totals, **per_unit}, {ALL_UNITS: sum(nonsite.values()), **nonsite})
    async with write_transaction():
        claimed = await fetch(
            "UPDATE metrics_month_state SET rolled = {} WHERE month = {} AND version = {} RETURNING id",
            version,
            key,
            version,
        )
        if claimed:
            await MetricsMonth.delete().where(MetricsMonth.month == key)
            await MetricsMonth.insert(*_rows(key, counted))
    return counted


async def roll_up_closed(before: dt.date, since: dt.date | None = None) -> int:
    """Count every month before ``before`` (from ``since``, else from the oldest visit) lacking current totals."""
    if since is None:
        oldest = await fetch("SELECT MIN(window_start) AS first FROM visit")
        if not oldest or oldest[0]["first"] is None:
            return 0
        since = as_datetime(oldest[0]["first"]).astimezone(LOCAL_TZ).date().replace(day=1)
    months = months_of(month_bounds(since.replace(day=1))[0], month_bounds(before)[0])
    stored = await _stored(months)
    missing = [m for m in months if m not in stored]
    await month_totals(missing)
    return len(missing)


async def _stored(months: list[dt.date]) -> dict[dt.date, MonthTotals]:
    keys = [m.isoformat() for m in months]
    marks = ", ".join("{}" for _ in keys)
    rows = await fetch(
        "SELECT m.month AS month, m.unit AS unit, m.onsite AS onsite, m.joint AS joint, m.checked_out AS checked_out, "
        "m.scanned AS scanned, m.nonsite AS nonsite FROM metrics_month m JOIN metrics_month_state s "
        f"ON s.month = m.month AND s.rolled = s.version WHERE m.month IN ({marks})",
        *keys,
    )
    found: dict[dt.date, MonthTotals] = {}
    for r in rows:
        totals = found.setdefault(dt.date.fromisoformat(str(r["month"])), MonthTotals())
        unit = int(r["unit"])
        totals.onsite[unit] = counts.OnsiteStats(
            as_int(r["onsite"]), as_int(r["joint"]), as_int(r["checked_out"]), as_int(r["scanned"])
        )
        totals.nonsite[unit] = as_int(r["nonsite"])
    return {m: t for m, t in found.items() if ALL_UNITS in t.onsite}  # the district row marks a complete month


def _rows(key: str, totals: MonthTotals) -> list[MetricsMonth]:
    units = sorted(set(totals.onsite) | set(totals.nonsite) | {ALL_UNITS})
    rows = []
    for unit in units:
        stats = totals.onsite.get(unit, counts.OnsiteStats())
        rows.append(
            MetricsMonth(
                month=key,
                unit=unit,
                onsite=stats.onsite,
                joint=stats.joint,
                checked_out=stats.checked_out,
                scanned=stats.scanned,
                nonsite=totals.nonsite.get(unit, 0),
            )
        )
    return rows


# -- the slow warning queries over closed months --------------------------------------------------------------------
async def cached_rows(
    key: str,
    span: tuple[dt.datetime, dt.datetime],
    open_from: dt.date | None,
    query: Callable[[], Awaitable[list[dict[str, Any]]]],
) -> list[dict[str, Any]]:
    """``query``'s rows, kept in ``metrics_cache`` while every month of ``span`` keeps its version.

    Only spans that end by ``open_from`` (closed months) are kept. The versions are read before the query runs: a
    change committed after that read has raised one of them, so the kept rows are never taken for newer than they
    are. Instants come back as ISO text (as SQLite gives them); the callers read both.
    """
    start, end = span
    if open_from is None or end > month_bounds(open_from)[0]:
        return await query()
    months = [m.isoformat() for m in months_of(start, end)]
    marks = ", ".join("{}" for _ in months)
    found = await fetch(f"SELECT month, version FROM metrics_month_state WHERE month IN ({marks})", *months)
    known = {str(r["month"]): as_int(r["version"]) for r in found}
    versions = ",".join(f"{m}={known.get(m, 0)}" for m in months)
    kept = await MetricsCache.select(MetricsCache.versions, MetricsCache.body).where(MetricsCache.key == key).first()
    if kept is not None and kept["versions"] == versions:
        rows: list[dict[str, Any]] = json.loads(kept["body"])
        return rows
    rows = await query()
    body = json.dumps(rows, default=_plain, ensure_ascii=False, separators=(",", ":"))
    async with write_transaction():
        await fetch(
            "INSERT INTO metrics_cache (key, versions, body) VALUES ({}, {}, {}) "
            "ON CONFLICT (key) DO UPDATE SET versions = excluded.versions, body = excluded.body",
            key,
            versions,
            body,
        )
    return rows


def months_of(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """The local months ``[start, end)`` touches."""
    months, day = [], start.astimezone(LOCAL_TZ).date().replace(day=1)
    while month_bounds(day)[0] < end:
        months.append(day)
        day = next_month(day)
    return months


def _plain(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a metrics row")


async def drop_stale_rows() -> int:
    """Delete the kept warning rows whose months changed since (the nightly job; a read would replace them)."""
    current = {
        str(r["month"]): as_int(r["version"]) for r in await fetch("SELECT month, version FROM metrics_month_state")
    }
    stale = []
    for row in await MetricsCache.select(MetricsCache.id, MetricsCache.versions):
        pairs = (part.split("=", 1) for part in str(row["versions"]).split(",") if "=" in part)
        if any(current.get(month, 0) != int(version) for month, version in pairs):
            stale.append(row["id"])
    if stale:
        async with write_transaction():
            await MetricsCache.delete().where(MetricsCache.id.is_in(stale))
    return len(stale)

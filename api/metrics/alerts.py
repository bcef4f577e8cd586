"""The supervisor's warnings: frequency, caps, low yield, overdue emergency approvals, unfiled and back-filled scans.

Grouping and streak-finding happen in SQL (GROUP BY … HAVING, a running SUM window); Python only
turns the few flagged groups into rows with links.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any
from urllib.parse import quote_plus, urlencode

from api.local_sql import Bucket, local_bucket
from api.metrics import rollup
from api.metrics.period import Period, local_midnight
from api.metrics.schemas import (
    BackfilledScan,
    BackfilledScans,
    CapReached,
    EmergencyOverdue,
    FrequencyWarning,
    LowYieldStreak,
    OffsiteScan,
    OffsiteScans,
    UnfiledAttemptRow,
    UnfiledAttempts,
)
from api.metrics.sql import as_datetime, as_int, fetch, onsite_cte
from api.policies import FilingPolicy
from models.db import is_postgres
from models.tables import Inspector, Unit
from models.visit_tables import UnfiledAttempt, Visit, VisitUnit

LATEST_ROWS = 50
LOW_YIELD_STREAK = 3


def visits_link(**query: Any) -> str:
    return "/api/v1/visits?" + urlencode({k: v for k, v in query.items() if v is not None})


def pair_link(uscc: str, unit_code: str, rest: str) -> str:
    """``visits_link(uscc=…, unit_code=…, **rest)`` with ``rest`` encoded once: a year's caps run to 25,000 rows."""
    return f"/api/v1/visits?uscc={quote_plus(uscc)}&unit_code={quote_plus(unit_code)}&{rest}"


async def enterprise_names(ids: set[int]) -> dict[int, tuple[str, str]]:
    """(USCC, name) by id. The ids go as one array (PostgreSQL) or one JSON text (SQLite): a year's caps name
    25,000 enterprises at 100×, and Piccolo's ``is_in`` spent 0.2 s building their placeholders one by one."""
    if not ids:
        return {}
    if is_postgres():
        rows = await fetch("SELECT id, uscc, name FROM enterprise WHERE id = ANY({})", sorted(ids))
    else:
        rows = await fetch(
            "SELECT id, uscc, name FROM enterprise WHERE id IN (SELECT value FROM json_each({}))",
            json.dumps(sorted(ids)),
        )
    return {int(r["id"]): (str(r["uscc"]), str(r["name"])) for r in rows}


async def unit_codes() -> dict[int, str]:
    return {r["id"]: r["code"] for r in await Unit.select(Unit.id, Unit.code)}


def _bucket_end(bucket: Bucket, first: dt.date) -> dt.date:
    if bucket == "day":
        return first + dt.timedelta(days=1)
    if bucket == "week":
        return first + dt.timedelta(days=7)
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


async def frequency(
    period: Period, unit_id: int | None, policy: FilingPolicy, open_from: dt.date | None = None
) -> list[FrequencyWarning]:
    """Per enterprise and local day / ISO week / month whose first day lies in the period.

    ``open_from`` (the 1st of the current month): rows over closed months are kept (``rollup.cached_rows``).
    """
    start, _ = period.bounds()
    scan_end = local_midnight(period.end + dt.timedelta(days=32))  # a month starting in the period may run past it
    cte, args = onsite_cte(start, scan_end, None)
    mine, mine_args = "COUNT(*)", []
    if unit_id is not None:  # the unit's own visits among those counted
        # EXISTS probes visit_unit's index per counted visit; ``IN (SELECT …)`` inside a CASE became a subplan that
        # PostgreSQL re-ran over the unit's visits for every row once they outgrew work_mem (100×: minutes).
        mine = (
            "SUM(CASE WHEN EXISTS (SELECT 1 FROM visit_unit vu WHERE vu.visit = o.id AND vu.unit = {}) "
            "THEN 1 ELSE 0 END)"
        )
        mine_args = [unit_id]
    limits: list[tuple[Bucket, int]] = [
        ("day", policy.max_per_day),
        ("week", policy.max_per_week),
        ("month", policy.max_per_month),
    ]

    async def groups(bucket: Bucket, limit: int) -> list[dict[str, Any]]:
        expr = local_bucket("o.window_start", bucket)
        key = f"frequency:{bucket}:{limit}:{start.isoformat()}:{scan_end.isoformat()}:{unit_id}"
        return await rollup.cached_rows(
            key,
            (start, scan_end),
            open_from,
            lambda: fetch(
                f"WITH {cte} SELECT o.enterprise AS enterprise, {expr} AS b, COUNT(*) AS n, {mine} AS mine "
                f"FROM onsite o GROUP BY o.enterprise, {expr} HAVING COUNT(*) > {{}}",
                *args,
                *mine_args,
                limit,
            ),
        )

    found: list[tuple[Bucket, dict[str, Any], int]] = []
    results = await asyncio.gather(*(groups(bucket, limit) for bucket, limit in limits))
    for (bucket, limit), rows in zip(limits, results, strict=True):
        for r in rows:
            first = dt.date.fromisoformat(str(r["b"]))
            if period.start <= first < period.end and as_int(r["mine"]) > 0:
                found.append((bucket, r, limit))
    names = await enterprise_names({int(r["enterprise"]) for _, r, _ in found})
    result = []
    for bucket, r, limit in found:
        uscc, name = names[int(r["enterprise"])]
        first = dt.date.fromisoformat(str(r["b"]))
        link = visits_link(
            uscc=uscc,
            start_from=local_midnight(first).isoformat(),
            start_to=local_midnight(_bucket_end(bucket, first)).isoformat(),
        )
        result.append(FrequencyWarning(bucket, uscc, name, first, as_int(r["n"]), limit, link))
    return sorted(result, key=lambda w: (w.bucket_start, w.kind, w.uscc))


async def caps_reached(
    period: Period, unit_id: int | None, cap: int, open_from: dt.date | None = None
) -> list[CapReached]:
    """Enterprise × unit pairs at the unit yearly cap in the year of the period's last day, as of its end."""
    _, end = period.bounds()
    year = period.last_day.year
    only, args = ("", []) if unit_id is None else (" AND vu.unit = {}", [unit_id])
    rows = await rollup.cached_rows(
        f"caps:{cap}:{year}:{end.isoformat()}:{unit_id}",
        (local_midnight(dt.date(year, 1, 1)), end),
        open_from,
        lambda: fetch(
            "SELECT v.enterprise AS enterprise, vu.unit AS unit, COUNT(*) AS n FROM visit v JOIN visit_unit vu "
            "ON vu.visit = v.id WHERE v.kind = 'enforcement' AND v.status <> 'cancelled' AND v.\"year\" = {} "
            f"AND v.window_start < {{}}{only} GROUP BY v.enterprise, vu.unit HAVING COUNT(*) >= {{}}",
            year,
            end,
            *args,
            cap,
        ),
    )
    names, codes = await enterprise_names({int(r["enterprise"]) for r in rows}), await unit_codes()
    since = urlencode({"start_from": local_midnight(dt.date(year, 1, 1)).isoformat()})
    result = []
    for r in rows:
        uscc, name = names[int(r["enterprise"])]
        code = codes[int(r["unit"])]
        n = as_int(r["n"])
        result.append(CapReached(uscc, name, code, year, n, cap, n > cap, pair_link(uscc, code, since)))
    return sorted(result, key=lambda c: (c.unit_code, c.uscc))


async def low_yield(period: Period, unit_id: int | None, open_from: dt.date | None = None) -> list[LowYieldStreak]:
    """Runs of ≥3 consecutive no_issue check-outs (same unit, enterprise, year) whose latest visit is in the period."""
    start, end = period.bounds()
    only, args = ("", []) if unit_id is None else (" AND vu.unit = {}", [unit_id])
    first_year = period.start.year
    rows = await rollup.cached_rows(
        f"low_yield:{LOW_YIELD_STREAK}:{first_year}:{end.isoformat()}:{unit_id}",
        (local_midnight(dt.date(first_year, 1, 1)), end),
        open_from,
        lambda: fetch(
            'WITH seq AS (SELECT vu.unit AS unit, v.enterprise AS enterprise, v."year" AS y, v.window_start AS ws, '
            "v.result AS result, SUM(CASE WHEN v.result = 'no_issue' THEN 0 ELSE 1 END) OVER (PARTITION BY vu.unit, "
            'v.enterprise, v."year" ORDER BY v.window_start, v.id ROWS UNBOUNDED PRECEDING) AS grp '
            "FROM visit v JOIN visit_unit vu ON vu.visit = v.id WHERE v.kind = 'enforcement' "
            'AND v.status = \'checked_out\' AND v."year" >= {} AND v."year" <= {} AND v.window_start < {}'
            f"{only}) SELECT unit, enterprise, y, COUNT(*) AS streak, MIN(ws) AS first_at, MAX(ws) AS last_at "
            "FROM seq WHERE result = 'no_issue' GROUP BY unit, enterprise, y, grp HAVING COUNT(*) >= {}",
            first_year,
            period.last_day.year,
            end,
            *args,
            LOW_YIELD_STREAK,
        ),
    )
    flagged = [r for r in rows if as_datetime(r["last_at"]) >= start]
    names, codes = await enterprise_names({int(r["enterprise"]) for r in flagged}), await unit_codes()
    result = []
    for r in flagged:
        uscc, name = names[int(r["enterprise"])]
        code, year = codes[int(r["unit"])], int(r["y"])
        link = visits_link(
            uscc=uscc, unit_code=code, status="checked_out", start_from=local_midnight(dt.date(year, 1, 1)).isoformat()
        )
        first, last = as_datetime(r["first_at"]), as_datetime(r["last_at"])
        result.append(LowYieldStreak(uscc, name, code, year, as_int(r["streak"]), first, last, link))
    return sorted(result, key=lambda s: (s.unit_code, s.uscc, s.first_window_start))


async def overdue_emergencies(period: Period, unit_id: int | None, now: dt.datetime) -> list[EmergencyOverdue]:
    start, end = period.bounds()
    query = Visit.select(
        Visit.id,
        Visit.enterprise._.uscc.as_alias("uscc"),
        Visit.enterprise._.name.as_alias("name"),
        Visit.lead_unit._.code.as_alias("lead"),
        Visit.window_start,
        Visit.approval_due_at,
    ).where(
        (Visit.is_emergency == True)  # noqa: E712 - a column comparison
        & Visit.approved_at.is_null()
        & (Visit.status != "cancelled")
        & (Visit.approval_due_at < now)
        & (Visit.window_start >= start)
        & (Visit.window_start < end)
    )
    if unit_id is not None:
        query = query.where(Visit.id.is_in(_unit_visit_ids(unit_id)))
    rows = await query.order_by(Visit.approval_due_at)
    return [
        EmergencyOverdue(
            r["id"],
            r["uscc"],
            r["name"],
            r["lead"],
            r["window_start"],
            r["approval_due_at"],
            f"/api/v1/visits/{r['id']}",
        )
        for r in rows
    ]


def _unit_visit_ids(unit_id: int) -> Any:
    return VisitUnit.select(VisitUnit.visit).where(VisitUnit.unit == unit_id)


async def unfiled_attempts(period: Period, unit_id: int | None) -> UnfiledAttempts:
    """Rejected scans in the period; for a unit, those by its inspectors."""
    start, end = period.bounds()
    condition = (UnfiledAttempt.at >= start) & (UnfiledAttempt.at < end)
    if unit_id is not None:
        condition &= UnfiledAttempt.inspector.is_in(Inspector.select(Inspector.id).where(Inspector.unit == unit_id))
    count = await UnfiledAttempt.count().where(condition)
    rows = (
        await UnfiledAttempt.select().where(condition).order_by(UnfiledAttempt.at, ascending=False).limit(LATEST_ROWS)
    )
    latest = [UnfiledAttemptRow(r["id"], r["at"], r["username"], r["inspector"], r["uscc"], r["reason"]) for r in rows]
    link = "/api/v1/unfiled-attempts?" + urlencode({"since": start.isoformat()})
    return UnfiledAttempts(count=count, latest=latest, list_link=link)


async def _flagged_scans(
    flag_sql: str, flag_args: list[Any], period: Period, unit_id: int | None
) -> tuple[int, list[dict[str, Any]]]:
    """(count, newest ``LATEST_ROWS``) of the period's scans matching ``flag_sql``; for a unit, on its visits.

    The unit's visits are probed per flagged scan (``EXISTS`` on ``visit_unit``'s index): a unit of a big district
    has taken part in over a million visits, which ``visit IN (SELECT …)`` would read whole for every period.
    """
    start, end = period.bounds()
    where = f"{flag_sql} AND s.at >= {{}} AND s.at < {{}}"
    args = [*flag_args, start, end]
    if unit_id is not None:
        where += " AND EXISTS (SELECT 1 FROM visit_unit vu WHERE vu.visit = s.visit AND vu.unit = {})"
        args.append(unit_id)
    count, rows = await asyncio.gather(
        fetch(f"SELECT COUNT(*) AS n FROM scan s WHERE {where}", *args),
        fetch(
            "SELECT s.id AS id, s.visit AS visit, s.kind AS kind, s.at AS at, s.backfill_reason AS reason, "
            f"s.onsite_problem AS problem FROM scan s WHERE {where} ORDER BY s.at DESC, s.id DESC LIMIT {LATEST_ROWS}",
            *args,
        ),
    )
    return as_int(count[0]["n"]), rows


async def backfilled_scans(period: Period, unit_id: int | None) -> BackfilledScans:
    """Back-filled scans (after an outage) whose scan time lies in the period."""
    count, rows = await _flagged_scans("s.backfill = {}", [True], period, unit_id)
    latest = [
        BackfilledScan(
            r["id"], r["visit"], r["kind"], as_datetime(r["at"]), r["reason"], f"/api/v1/visits/{r['visit']}/scans"
        )
        for r in rows
    ]
    return BackfilledScans(count=count, latest=latest)


async def offsite_scans(period: Period, unit_id: int | None) -> OffsiteScans:
    """Scans in the period without position, with poor accuracy or a mock location (flagged for the supervisor)."""
    count, rows = await _flagged_scans("s.onsite_problem <> ''", [], period, unit_id)
    latest = [
        OffsiteScan(
            r["id"], r["visit"], r["kind"], as_datetime(r["at"]), r["problem"], f"/api/v1/visits/{r['visit']}/scans"
        )
        for r in rows
    ]
    return OffsiteScans(count=count, latest=latest)

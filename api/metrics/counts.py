"""Counting inspections: on-site visits (totals and per unit), non-site records, months, feedback.

Every function is one aggregate query (COUNT … GROUP BY); none reads visit rows one by one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from api.i18n import for_reader, tr
from api.local_sql import local_bucket
from api.metrics.sql import as_int, fetch, onsite_cte, unit_visits
from api.plans.link import plan_execution_rate
from models.enums import ComplaintStatus
from models.tables import Unit

PLAN_EXECUTION_NOTE = tr("No published plan task is due in the period.")


@dataclass(frozen=True)
class OnsiteStats:
    onsite: int = 0
    joint: int = 0
    checked_out: int = 0
    scanned: int = 0  # checked out, with a scan on site (position, accuracy, no mock location) not back-filled


_STATS_COLUMNS = (
    "COUNT(*) AS onsite, "
    "SUM(CASE WHEN sz.units >= 2 THEN 1 ELSE 0 END) AS joint, "
    "SUM(CASE WHEN o.status = 'checked_out' THEN 1 ELSE 0 END) AS checked_out, "
    "SUM(CASE WHEN o.status = 'checked_out' AND a.visit IS NOT NULL THEN 1 ELSE 0 END) AS scanned"
)
_STATS_CTES = (
    "sizes AS (SELECT vu.visit, COUNT(*) AS units FROM visit_unit vu JOIN onsite o ON o.id = vu.visit "
    "GROUP BY vu.visit), "
    "arrived AS (SELECT DISTINCT s.visit FROM scan s JOIN onsite o ON o.id = s.visit "
    "WHERE s.backfill = {} AND s.onsite_problem = '')"
)
_STATS_JOINS = "LEFT JOIN sizes sz ON sz.visit = o.id LEFT JOIN arrived a ON a.visit = o.id"


def _stats(row: dict[str, Any]) -> OnsiteStats:
    return OnsiteStats(as_int(row["onsite"]), as_int(row["joint"]), as_int(row["checked_out"]), as_int(row["scanned"]))


async def onsite_totals(start: dt.datetime, end: dt.datetime, unit_id: int | None) -> OnsiteStats:
    """A joint visit counts once here."""
    cte, args = onsite_cte(start, end, unit_id)
    rows = await fetch(f"WITH {cte}, {_STATS_CTES} SELECT {_STATS_COLUMNS} FROM onsite o {_STATS_JOINS}", *args, False)
    return _stats(rows[0]) if rows else OnsiteStats()


async def onsite_per_unit(start: dt.datetime, end: dt.datetime, unit_id: int | None) -> dict[int, OnsiteStats]:
    """A joint visit counts once for each of its units."""
    cte, args = onsite_cte(start, end, unit_id)
    only = ""
    if unit_id is not None:
        only, args = " WHERE vu.unit = {}", [*args, False, unit_id]
    else:
        args = [*args, False]
    rows = await fetch(
        f"WITH {cte}, {_STATS_CTES} SELECT vu.unit AS unit, {_STATS_COLUMNS} FROM visit_unit vu "
        f"JOIN onsite o ON o.id = vu.visit {_STATS_JOINS}{only} GROUP BY vu.unit",
        *args,
    )
    return {int(r["unit"]): _stats(r) for r in rows}


# -- non-site records: the one place that knows where they are kept ------------------------------------------
async def nonsite_per_unit(start: dt.datetime, end: dt.datetime, unit_id: int | None) -> dict[int, int]:
    """Non-site records (``nonsite_record``) by their start time, per recording unit."""
    only, args = ("", []) if unit_id is None else (" AND unit = {}", [unit_id])
    rows = await fetch(
        "SELECT unit, COUNT(*) AS n FROM nonsite_record WHERE started_at >= {} AND started_at < {}"
        f"{only} GROUP BY unit",
        start,
        end,
        *args,
    )
    return {int(r["unit"]): as_int(r["n"]) for r in rows}


async def nonsite_per_month(start: dt.datetime, end: dt.datetime, unit_id: int | None) -> dict[str, int]:
    only, args = ("", []) if unit_id is None else (" AND unit = {}", [unit_id])
    month = local_bucket("started_at", "month")
    rows = await fetch(
        f"SELECT {month} AS m, COUNT(*) AS n FROM nonsite_record WHERE started_at >= {{}} AND started_at < {{}}"
        f"{only} GROUP BY {month}",
        start,
        end,
        *args,
    )
    return {str(r["m"]): as_int(r["n"]) for r in rows}


async def onsite_per_month(start: dt.datetime, end: dt.datetime, unit_id: int | None) -> dict[str, int]:
    """On-site visits per local month ('YYYY-MM-01'), a joint visit once."""
    cte, args = onsite_cte(start, end, unit_id)
    month = local_bucket("o.window_start", "month")
    rows = await fetch(f"WITH {cte} SELECT {month} AS m, COUNT(*) AS n FROM onsite o GROUP BY {month}", *args)
    return {str(r["m"]): as_int(r["n"]) for r in rows}


# -- plans: the hook for the plan execution rate ----------------------------------------------------------------
async def plan_execution(start: dt.datetime, end: dt.datetime, unit_id: int | None) -> tuple[float | None, str | None]:
    """(rate, note): published on-site plan tasks due in the period whose filed visit was checked out / all due.

    The rate is None (with a note) when no published task is due in the period.
    """
    unit_code = None
    if unit_id is not None:
        row = await Unit.select(Unit.code).where(Unit.id == unit_id).first()
        unit_code = row["code"] if row else None
    rate = await plan_execution_rate(start, end, unit_code)
    return rate, None if rate is not None else for_reader(PLAN_EXECUTION_NOTE)


# -- feedback (supervisors only) --------------------------------------------------------------------------------
async def complaint_counts(
    start: dt.datetime, end: dt.datetime, unit_id: int | None, now: dt.datetime
) -> tuple[dict[str, int], int]:
    """Complaints received in the period, by current status, and how many of them are overdue now."""
    unit_sql, unit_args = unit_visits(unit_id, "c.visit")
    rows = await fetch(
        "SELECT c.status AS status, COUNT(*) AS n, "
        "SUM(CASE WHEN c.status <> 'archived' AND c.due_at < {} THEN 1 ELSE 0 END) AS overdue "
        f"FROM complaint c WHERE c.received_at >= {{}} AND c.received_at < {{}}{unit_sql} GROUP BY c.status",
        now,
        start,
        end,
        *unit_args,
    )
    by_status = {s.value: 0 for s in ComplaintStatus}
    for r in rows:
        by_status[str(r["status"])] = as_int(r["n"])
    return by_status, sum(as_int(r["overdue"]) for r in rows)


async def rating_counts(start: dt.datetime, end: dt.datetime, unit_id: int | None) -> dict[int, int]:
    """Ratings given in the period (their own time), per score 1–5."""
    unit_sql, unit_args = unit_visits(unit_id, "r.visit")
    rows = await fetch(
        f'SELECT r.score AS score, COUNT(*) AS n FROM rating r WHERE r."at" >= {{}} AND r."at" < {{}}{unit_sql} '
        "GROUP BY r.score",
        start,
        end,
        *unit_args,
    )
    distribution = dict.fromkeys(range(1, 6), 0)
    for r in rows:
        distribution[int(r["score"])] = as_int(r["n"])
    return distribution

"""Portable aggregate SQL for the metrics: the same text runs on SQLite and PostgreSQL.

Only date bucketing differs between the two; ``api.local_sql.local_bucket`` hides it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.visit_tables import Visit

ONSITE_STATUSES = ("checked_in", "checked_out")


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one read query; ``{}`` marks each parameter."""
    return list(await Visit.raw(sql, *args))


def unit_visits(unit_id: int | None, column: str = "v.id") -> tuple[str, list[Any]]:
    """A condition limiting ``column`` to visits the unit took part in (or nothing without a unit)."""
    if unit_id is None:
        return "", []
    return f" AND {column} IN (SELECT vu_f.visit FROM visit_unit vu_f WHERE vu_f.unit = {{}})", [unit_id]


def onsite_cte(start: dt.datetime, end: dt.datetime, unit_id: int | None) -> tuple[str, list[Any]]:
    """``onsite``: enforcement visits that took place (checked in or out) with the window starting in the period."""
    unit_sql, unit_args = unit_visits(unit_id)
    sql = (
        "onsite AS (SELECT v.id, v.enterprise, v.status, v.window_start FROM visit v "
        "WHERE v.kind = 'enforcement' AND v.status IN ('checked_in', 'checked_out') "
        f"AND v.window_start >= {{}} AND v.window_start < {{}}{unit_sql})"
    )
    return sql, [start, end, *unit_args]


def as_int(value: Any) -> int:
    return int(value or 0)


def as_datetime(value: Any) -> dt.datetime:
    """A timestamp from a raw row: PostgreSQL gives datetimes, SQLite the stored UTC text."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None

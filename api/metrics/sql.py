"""Portable aggregate SQL for the metrics: the same text runs on SQLite and PostgreSQL.

Only date bucketing differs between the two; ``local_bucket`` hides it. Asia/Shanghai has kept UTC+8
without daylight saving since 1991, so SQLite shifts by the fixed offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from api.visits.rules import LOCAL_TZ
from models.db import is_postgres
from models.visit_tables import Visit

Bucket = Literal["day", "week", "month"]

ONSITE_STATUSES = ("checked_in", "checked_out")


def _offset_minutes() -> int:
    offset = dt.datetime(2026, 1, 1, tzinfo=LOCAL_TZ).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def local_bucket(column: str, bucket: Bucket) -> str:
    """SQL text giving the local day, ISO week's Monday or month's first day of ``column`` as 'YYYY-MM-DD'."""
    if is_postgres():
        local = f"({column} AT TIME ZONE '{LOCAL_TZ.key}')"
        truncated = local if bucket == "day" else f"date_trunc('{bucket}', {local})"
        return f"to_char({truncated}, 'YYYY-MM-DD')"
    shift = f"'{_offset_minutes():+d} minutes'"
    if bucket == "day":
        return f"date({column}, {shift})"
    if bucket == "week":
        return f"date({column}, {shift}, 'weekday 0', '-6 days')"
    return f"strftime('%Y-%m-01', {column}, {shift})"


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

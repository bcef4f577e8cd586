"""Local (Asia/Shanghai) dates in SQL text that runs the same on SQLite and PostgreSQL.

Used by the metrics and by the plan builder's history. Asia/Shanghai has kept UTC+8 without daylight saving
since 1991, so SQLite shifts by the fixed offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from api.clock import LOCAL_TZ
from models.db import is_postgres

Bucket = Literal["day", "week", "month"]


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

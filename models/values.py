"""Raw column values to Python, the same on both backends: one place that decodes JSON columns and dates.

Piccolo returns a ``JSON`` column as its text (SQLite, and PostgreSQL without ``output(load_json=True)``), raw
queries on SQLite return dates as text. Pure: no Piccolo, no Litestar.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def json_value(raw: Any) -> Any:
    """A JSON column's value: text is decoded, anything else (already decoded, or None) is kept."""
    return json.loads(raw) if isinstance(raw, str | bytes) and raw else raw


def json_list(raw: Any) -> list[Any]:
    """A JSON array column as a list (NULL or empty text: an empty list)."""
    return list(json_value(raw) or [])


def json_dict(raw: Any) -> dict[str, Any]:
    """A JSON object column as a dict (NULL, empty text or a non-object: an empty dict)."""
    value = json_value(raw)
    return dict(value) if isinstance(value, dict) else {}


def as_date(value: Any) -> dt.date:
    """A DATE from a raw row: PostgreSQL and Piccolo give dates, SQLite raw queries may give text."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])

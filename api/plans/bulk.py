"""Bulk inserts for a month's schedule rows: one statement per chunk of rows, never one per row.

PostgreSQL: ``INSERT INTO t (…) SELECT … FROM unnest($1::int4[], $2::text[], …)`` — every column travels
as one array parameter, so a chunk of tens of thousands of rows is a single statement with a handful of
parameters (asyncpg encodes the arrays in binary). JSON columns travel as ``text[]`` and are cast.
SQLite: multi-row ``INSERT … VALUES (…), (…)`` chunks within its limit on bound variables.

Both run on the current transaction's connection when called inside ``write_transaction()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from models.db import is_postgres
from models.plan_tables import PlanCarry, PlanDropped, PlanShortfall, PlanTask, PlanVisit

PG_CHUNK_ROWS = 50_000
SQLITE_MAX_VARIABLES = 32_766


@dataclass(frozen=True)
class BulkTable:
    """A table name and its inserted columns as (name, PostgreSQL type: int4, text, bool, date or json)."""

    name: str
    columns: tuple[tuple[str, str], ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


PLAN_VISIT = BulkTable(
    PlanVisit._meta.tablename,
    (
        ("schedule", "int4"),
        ("seq", "int4"),
        ("uscc", "text"),
        ("lead_unit", "int4"),
        ("scenario_code", "text"),
        ("window_start", "date"),
        ("window_end", "date"),
        ("onsite", "bool"),
        ("explanation", "text"),
    ),
)
PLAN_TASK = BulkTable(
    PlanTask._meta.tablename,
    (
        ("schedule", "int4"),
        ("visit_seq", "int4"),
        ("uscc", "text"),
        ("unit", "int4"),
        ("item_codes", "json"),
        ("onsite", "bool"),
        ("status", "text"),
        ("sources", "json"),
        ("explanation", "text"),
    ),
)
PLAN_CARRY = BulkTable(
    PlanCarry._meta.tablename,
    (
        ("schedule", "int4"),
        ("year", "int4"),
        ("month", "int4"),
        ("task_key", "text"),
        ("uscc", "text"),
        ("unit", "int4"),
        ("item_codes", "json"),
        ("kind", "text"),
        ("onsite", "bool"),
        ("note", "text"),
        ("entry_ids", "json"),
    ),
)
PLAN_DROPPED = BulkTable(
    PlanDropped._meta.tablename,
    (
        ("schedule", "int4"),
        ("uscc", "text"),
        ("unit", "int4"),
        ("item_codes", "json"),
        ("source_kind", "text"),
        ("source_ref", "text"),
        ("reason", "text"),
    ),
)
PLAN_SHORTFALL = BulkTable(
    PlanShortfall._meta.tablename,
    (
        ("schedule", "int4"),
        ("uscc", "text"),
        ("unit", "int4"),
        ("entry_id", "text"),
        ("wanted", "int4"),
        ("planned", "int4"),
        ("missing", "int4"),
        ("reason", "text"),
    ),
)


_encode = msgspec.json.encode


def to_json(value: Any) -> str:
    """Compact UTF-8 JSON text (msgspec: several times faster than ``json.dumps`` on a month of rows)."""
    return _encode(value).decode()


def pg_insert_sql(table: BulkTable, target: str | None = None) -> str:
    """The unnest INSERT for ``table`` (into ``target`` when given, e.g. a scratch copy)."""
    names = ", ".join(f'"{name}"' for name in table.column_names)
    arrays = ", ".join("{}::" + ("text" if kind == "json" else kind) + "[]" for _, kind in table.columns)
    aliases = ", ".join(f"c{i}" for i in range(len(table.columns)))
    picks = ", ".join(f"c{i}::json" if kind == "json" else f"c{i}" for i, (_, kind) in enumerate(table.columns))
    return f'INSERT INTO "{target or table.name}" ({names}) SELECT {picks} FROM unnest({arrays}) AS u({aliases})'


async def bulk_insert(table: BulkTable, rows: Sequence[tuple[Any, ...]], *, chunk_rows: int = PG_CHUNK_ROWS) -> int:
    """Insert ``rows`` (tuples in ``table.columns`` order, JSON columns already encoded as text)."""
    if not rows:
        return 0
    if is_postgres():
        sql = pg_insert_sql(table)
        for start in range(0, len(rows), chunk_rows):
            columns = list(zip(*rows[start : start + chunk_rows], strict=True))
            await PlanTask.raw(sql, *columns)
        return len(rows)
    width = len(table.columns)
    per_chunk = max(SQLITE_MAX_VARIABLES // width, 1)
    names = ", ".join(f'"{name}"' for name in table.column_names)
    placeholder = "(" + ", ".join(["{}"] * width) + ")"
    for start in range(0, len(rows), per_chunk):
        chunk = rows[start : start + per_chunk]
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ' + ", ".join([placeholder] * len(chunk))
        await PlanTask.raw(sql, *_flatten(chunk))
    return len(rows)


def _flatten(rows: Iterable[tuple[Any, ...]]) -> list[Any]:
    return [value for row in rows for value in row]

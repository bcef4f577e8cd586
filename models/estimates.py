"""A page's ``total``: exact, except PostgreSQL's estimate for an unfiltered list of a very large table."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

# Below this many rows an exact COUNT(*) costs tens of milliseconds at most: estimate only above it.
ESTIMATE_FROM_ROWS = 200_000


async def estimated_rows(table: type[Table]) -> int | None:
    """The planner's row count (``reltuples``, summed over partitions); None on SQLite or before ANALYZE."""
    if not isinstance(table._meta.db, PostgresEngine):
        return None
    rows = await table.raw(
        "SELECT SUM(c.reltuples) FILTER (WHERE c.reltuples >= 0) AS n, BOOL_OR(c.reltuples >= 0) AS known "
        "FROM pg_class c WHERE (c.oid = {}::regclass AND c.relkind = 'r') "
        "OR c.oid IN (SELECT relid FROM pg_partition_tree({}::regclass) WHERE isleaf)",
        table._meta.tablename,
        table._meta.tablename,
    )
    if not rows or not rows[0]["known"]:
        return None
    return int(rows[0]["n"] or 0)


async def page_total(table: type[Table], exact: Awaitable[Any], filtered: bool) -> tuple[int, bool]:
    """(total, whether exact): the estimate for an unfiltered list of ``ESTIMATE_FROM_ROWS`` rows or more.

    ``exact`` is the list's count query (a Piccolo query, run only when awaited).
    """
    if not filtered:
        estimate = await estimated_rows(table)
        if estimate is not None and estimate >= ESTIMATE_FROM_ROWS:
            return estimate, False
    return int(await exact), True

"""Prebuilt SQL for hot paths: the statement text is fixed at import, nothing is built per call.

Write the SQL once with Piccolo's ``{}`` placeholders, in SQL that both engines accept. On PostgreSQL, outside a
transaction and with the engine's pool open, it runs on the asyncpg pool directly (``$1``… text made at
construction; asyncpg caches the prepared statement per connection). Otherwise it goes through ``Table.raw`` —
which uses the current transaction, opens a connection when there is no pool, and on SQLite converts columns by
their declared type (TIMESTAMPTZ → aware UTC datetime, BOOLEAN → bool) exactly as a Piccolo select does.
Expressions have no declared type: normalize them in the caller (e.g. ``bool()`` of an EXISTS).
"""

from __future__ import annotations

import string
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table


class PrebuiltSQL:
    """One statement bound to a table (whose engine runs it)."""

    __slots__ = ("pg_text", "table", "template")

    def __init__(self, table: type[Table], template: str) -> None:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        if any(fields):
            raise ValueError("use bare {} placeholders")
        self.table = table
        self.template = template
        self.pg_text = template.format(*(f"${n}" for n in range(1, len(fields) + 1)))

    def _pool(self) -> Any:
        engine = self.table._meta.db
        if isinstance(engine, PostgresEngine) and engine.pool is not None and engine.current_transaction.get() is None:
            return engine.pool
        return None

    async def fetchrow(self, *args: Any) -> dict[str, Any] | None:
        """The first row as a dict, or None."""
        pool = self._pool()
        if pool is not None:
            record = await pool.fetchrow(self.pg_text, *args)
            return dict(record) if record is not None else None
        rows: list[dict[str, Any]] = await self.table.raw(self.template, *args)
        return rows[0] if rows else None

    async def execute(self, *args: Any) -> None:
        """Run for its effect (an INSERT, an UPDATE); the result is not read."""
        pool = self._pool()
        if pool is not None:
            await pool.execute(self.pg_text, *args)
            return
        await self.table.raw(self.template, *args)

"""Prebuilt SQL for hot paths: the statement text is fixed at import, nothing is built per call.

Write the SQL once with Piccolo's ``{}`` placeholders, in SQL that both engines accept. On PostgreSQL, outside a
it runs on asyncpg directly — on the current transaction's connection, else on the engine's pool — with ``$1``…
text made at construction (asyncpg caches the prepared statement per connection). Otherwise (SQLite, or no
pool) it goes through ``Table.raw``, which opens a connection when there is no pool and on SQLite converts
columns by their declared type (TIMESTAMPTZ → aware UTC datetime, BOOLEAN → bool) exactly as a Piccolo select
does.
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

    def _asyncpg(self) -> Any:
        """What runs the statement on PostgreSQL: the transaction's connection (as Piccolo's own queries
        do), else the pool; None on SQLite or without a pool."""
        engine = self.table._meta.db
        if not isinstance(engine, PostgresEngine):
            return None
        transaction = engine.current_transaction.get()
        if transaction is not None:
            return transaction.connection
        return engine.pool

    async def fetch(self, *args: Any) -> list[dict[str, Any]]:
        """Every row, as dicts."""
        runner = self._asyncpg()
        if runner is not None:
            return [dict(record) for record in await runner.fetch(self.pg_text, *args)]
        rows: list[dict[str, Any]] = await self.table.raw(self.template, *args)
        return rows

    async def fetchrow(self, *args: Any) -> dict[str, Any] | None:
        """The first row as a dict, or None."""
        runner = self._asyncpg()
        if runner is not None:
            record = await runner.fetchrow(self.pg_text, *args)
            return dict(record) if record is not None else None
        rows: list[dict[str, Any]] = await self.table.raw(self.template, *args)
        return rows[0] if rows else None

    async def execute(self, *args: Any) -> None:
        """Run for its effect (an INSERT, an UPDATE); the result is not read."""
        runner = self._asyncpg()
        if runner is not None:
            await runner.execute(self.pg_text, *args)
            return
        await self.table.raw(self.template, *args)

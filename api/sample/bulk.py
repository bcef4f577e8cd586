"""Fast bulk inserts for the sample loaders, on the connection of the current write transaction.

Building one Piccolo ``Table`` object per row costs more than the database does for tens of thousands of
rows, so the history loader hands plain tuples to the driver: ``COPY`` (asyncpg ``copy_records_to_table``)
on PostgreSQL, ``executemany`` on SQLite, where Piccolo's registered adapters store aware datetimes as
UTC text exactly as Piccolo's own inserts do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from models.db import current_engine


def _connection() -> Any:
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk inserts run inside write_transaction()")
    while getattr(transaction, "_parent", None) is not None:
        transaction = transaction._parent
    return transaction.connection


async def insert_rows(table: type[Table], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    name = table._meta.tablename
    connection = _connection()
    if isinstance(current_engine(), PostgresEngine):
        # One trigger event per copied row would queue millions at 100×: skip them (models.metrics_trigger) and
        # mark every stored month out of date at once instead.
        await connection.execute("SET LOCAL ruqi.metrics_bulk = 'on'")
        await connection.copy_records_to_table(name, records=[tuple(r) for r in rows], columns=list(columns))
        await connection.execute("SET LOCAL ruqi.metrics_bulk = 'off'")
        await connection.execute("UPDATE metrics_month_state SET version = version + 1")
        return
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    await connection.executemany(f'INSERT INTO "{name}" ({names}) VALUES ({marks})', [tuple(r) for r in rows])


async def insert_with_ids(table: type[Table], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert and return the new ids in the order of ``rows`` (nothing else writes inside the transaction)."""
    pk = table._meta.primary_key
    last = await table.select(pk).order_by(pk, ascending=False).first()
    await insert_rows(table, columns, rows)
    new = await table.select(pk).where(pk > (last[pk._meta.name] if last else 0)).order_by(pk)
    ids = [int(r[pk._meta.name]) for r in new]
    if len(ids) != len(rows):
        raise RuntimeError(f"{table._meta.tablename}: inserted {len(rows)} rows but found {len(ids)} new ids")
    return ids

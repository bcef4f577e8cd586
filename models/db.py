"""Engine selection from a URL and binding the tables to it.

Tables normally find their engine through ``piccolo_conf``; the app factory and the tests bind
an explicit engine instead so that one process can use a SQLite file or a PostgreSQL database.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from models.audit_trigger import install_audit_trigger
from models.metrics_trigger import install_metrics_triggers
from models.partitions import partition_verification_log
from models.schema import ALL_TABLES
from models.sqlite_pool import PooledSQLiteEngine

SQLITE_BUSY_TIMEOUT_S = 30


def engine_from_url(url: str) -> Engine[Any]:
    """``sqlite:///path/to/file`` or ``postgresql://user@host:port/db``."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = url.split("sqlite:///", 1)[1] if "sqlite:///" in url else url.split("sqlite://", 1)[1]
        return PooledSQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT_S)
    if scheme in {"postgres", "postgresql"}:
        return PostgresEngine(config={"dsn": url})
    raise ValueError(f"unsupported DATABASE_URL scheme {scheme!r}: use sqlite:/// or postgresql://")


def bind_engine(engine: Engine[Any]) -> None:
    for table in ALL_TABLES:
        table._meta.db = engine


def current_engine() -> Engine[Any]:
    return ALL_TABLES[0]._meta.db


def is_postgres(engine: Engine[Any] | None = None) -> bool:
    return isinstance(engine or current_engine(), PostgresEngine)


def write_transaction() -> AbstractAsyncContextManager[Any]:
    """A transaction for writes: IMMEDIATE on SQLite (take the write lock up front), plain on PostgreSQL."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    transaction: AbstractAsyncContextManager[Any] = engine.transaction()  # Engine.transaction() is untyped
    return transaction


async def create_schema(engine: Engine[Any] | None = None) -> None:
    """Create every table (used by tests on throw-away databases; production uses migrations)."""
    for table in ALL_TABLES:
        if engine is not None:
            table._meta.db = engine
        await table.create_table(if_not_exists=True)
    # Migrations install it too: without it PostgreSQL would keep appended events as unlinked placeholders.
    await install_audit_trigger(engine or current_engine())
    await partition_verification_log(engine or current_engine())  # as its migration does, on PostgreSQL only
    await install_metrics_triggers(engine or current_engine())

"""The embedded default's engine: SQLite in WAL mode with long-lived connections while the app serves.

Piccolo's ``SQLiteEngine`` opens a connection (a thread, a file open, the schema parse) for every query and
every transaction. Once ``start_pool()`` has run (the app's lifespan), this engine instead keeps:

- **one writer** connection: every transaction (``write_transaction()`` is ``BEGIN IMMEDIATE``) and every
  statement that is not a plain ``SELECT`` runs on it, one at a time (an ``asyncio.Lock``) — SQLite allows one
  writer anyway, and queueing in-process is cheaper and fairer than retrying on ``SQLITE_BUSY``;
- **readers** (``READERS`` connections): a ``SELECT`` outside a transaction takes any free one. In WAL mode
  readers never block the writer nor each other, and each statement sees the last committed state.

``journal_mode=WAL`` is set on the file (it persists), ``synchronous=NORMAL`` on each connection: a commit is
durable against a crash of the process, and against power loss up to the last checkpoint (SQLite's documented
WAL trade-off). Without ``start_pool()`` (CLI commands, tests that never start the app, other processes) the
engine behaves exactly as Piccolo's: a connection per query, which WAL also lets run beside a serving app.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

READERS = 4


class _PooledTransaction(SQLiteTransaction):
    """A transaction on the pool's writer connection, held (not closed) until it ends."""

    __slots__ = ("_lease",)

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            await self.begin()  # type: ignore[no-untyped-call]
        except BaseException:
            await self._lease.__aexit__(None, None, None)
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def get_connection(self) -> Any:
        engine = self.engine
        assert isinstance(engine, PooledSQLiteEngine)
        self._lease = engine._writer_lease()
        return await self._lease.__aenter__()

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
        finally:
            self.engine.current_transaction.reset(self.context)
            await self._lease.__aexit__(None, None, None)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self._writer: aiosqlite.Connection | None = None
        self._write_lock: asyncio.Lock | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] | None = None
        self._all: list[aiosqlite.Connection] = []

    @property
    def pooled(self) -> bool:
        return self._writer is not None

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        self._all.append(connection)
        for pragma in ("foreign_keys = 1", "synchronous = NORMAL"):
            async with connection.execute(f"PRAGMA {pragma}") as cursor:
                await cursor.fetchall()  # a statement left open would keep holding its lock
        return connection

    async def start_pool(self, readers: int = READERS) -> None:
        """Open the writer and the readers on the running loop; switch the file to WAL."""
        if self.pooled:
            return
        writer = await self._open()
        async with writer.execute("PRAGMA journal_mode = WAL") as cursor:
            await cursor.fetchall()
        queue: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for _ in range(readers):
            queue.put_nowait(await self._open())
        self._write_lock, self._readers, self._writer = asyncio.Lock(), queue, writer

    async def close_pool(self) -> None:
        connections, self._all = self._all, []
        self._writer, self._readers, self._write_lock = None, None, None
        for connection in connections:
            with contextlib.suppress(Exception):
                await connection.close()

    @contextlib.asynccontextmanager
    async def _writer_lease(self) -> AsyncIterator[Any]:
        if self._writer is None or self._write_lock is None:  # no pool: Piccolo's own connection per transaction
            connection = await self.get_connection()
            try:
                yield connection
            finally:
                await connection.close()
            return
        async with self._write_lock:
            yield self._writer

    @contextlib.asynccontextmanager
    async def _reader_lease(self) -> AsyncIterator[aiosqlite.Connection]:
        assert self._readers is not None
        connection = await self._readers.get()
        try:
            yield connection
        finally:
            self._readers.put_nowait(connection)

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> SQLiteTransaction:
        if not self.pooled:
            return super().transaction(transaction_type=transaction_type, allow_nested=allow_nested)
        return _PooledTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> Any:
        if not self.pooled or self.current_transaction.get() is not None:
            return await super().run_querystring(querystring, in_pool)
        query, args = querystring.compile_string(engine_type=self.engine_type)
        return await self._run_pooled(query, args)

    async def run_ddl(self, ddl: str, in_pool: bool = False) -> Any:
        if not self.pooled or self.current_transaction.get() is not None:
            return await super().run_ddl(ddl, in_pool)
        return await self._run_pooled(ddl, [])

    async def _run_pooled(self, query: str, args: list[Any]) -> Any:
        # execute_fetchall: one hop to the connection's thread (execute, fetchall and close would be three).
        if query.lstrip()[:6].upper() == "SELECT":
            async with self._reader_lease() as reader:
                return await reader.execute_fetchall(query, args)
        async with self._writer_lease() as writer:
            try:
                rows = await writer.execute_fetchall(query, args)
                await writer.commit()
            except BaseException:
                await writer.rollback()
                raise
            return rows

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        if not self.pooled:
            return await super()._run_in_existing_connection(connection, query, args, query_type, table)
        # The pool's connections have foreign_keys on and dict rows from the start: no PRAGMA per statement,
        # and one hop to the connection's thread per statement.
        return await connection.execute_fetchall(query, args or [])

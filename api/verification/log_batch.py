"""The verification log written in batches (``RUQI_VERIFY_LOG_FLUSH_MS`` > 0): one multi-row INSERT per interval
instead of one INSERT per phone scan.

Each worker keeps the rows of the verifications it answered in memory and writes them every interval (or
sooner, at ``MAX_ROWS``), and once more when the app shuts down. **Loss window**: a worker that dies without
shutting down (SIGKILL, power loss) loses the rows of at most its last interval; nothing else depends on them
(the answer to the phone was already given, and the audit chain folds whatever rows exist before each
checkpoint). A failed write (database unreachable) keeps the rows for the next interval, up to ``MAX_KEPT``;
beyond that the oldest are dropped with a warning rather than exhausting memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

from models.visit_tables import VerificationLog

logger = logging.getLogger("ruqi.verification")

Row = tuple[dt.datetime, int | None, str, str, str]
MAX_ROWS = 500  # rows per INSERT (5 parameters each: well under SQLite's limit)
MAX_KEPT = 100_000
_COLUMNS = "INSERT INTO verification_log (at, visit_id, outcome, channel, client) VALUES "


class VerificationLogBatch:
    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self._rows: list[Row] = []
        self._full = asyncio.Event()

    def add(self, at: dt.datetime, visit_id: int | None, outcome: str, channel: str, client: str) -> None:
        self._rows.append((at, visit_id, outcome, channel, client))
        if len(self._rows) >= MAX_ROWS:
            self._full.set()

    async def flush(self) -> int:
        """Write what is buffered now; returns how many rows were written."""
        rows, self._rows = self._rows, []
        self._full.clear()
        written = 0
        try:
            for start in range(0, len(rows), MAX_ROWS):
                chunk = rows[start : start + MAX_ROWS]
                values = ", ".join("({}, {}, {}, {}, {})" for _ in chunk)
                await VerificationLog.raw(_COLUMNS + values, *[value for row in chunk for value in row])
                written += len(chunk)
        except Exception as exc:
            kept = (rows[written:] + self._rows)[-MAX_KEPT:]
            dropped = len(rows) - written + len(self._rows) - len(kept)
            self._rows = kept
            logger.warning("verification log: %d row(s) not written yet (%r); %d dropped", len(kept), exc, dropped)
        return written

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Flush every interval while the app serves, and once more on the way out."""

        async def loop() -> None:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self.every_s)
                await self.flush()

        task = asyncio.create_task(loop(), name="ruqi-verification-log")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.flush()

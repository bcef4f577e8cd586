"""What limited a run: CPU used by the server's processes and the database's backends, and what the
backends were waiting on (sampled from pg_stat_activity), read from /proc and PostgreSQL while wrk runs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import asyncpg

TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_EVERY_S = 0.25
ACTIVITY_SQL = """
SELECT pid, state, coalesce(wait_event_type, '') AS wait_type, coalesce(wait_event, '') AS wait_event
FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


def group_pids(pgid: int) -> list[int]:
    """The processes of one process group (the server this script started, with its workers)."""
    done = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True, check=False)
    return [int(p) for p in done.stdout.split()]


def cpu_seconds(pids: set[int]) -> dict[int, float]:
    out: dict[int, float] = {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
            out[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return out


@dataclass
class Usage:
    """CPU seconds and mean pg_stat_activity counts over one run."""

    server_cpu_s: float = 0.0
    db_cpu_s: float = 0.0
    wall_s: float = 0.0
    samples: int = 0
    states: Counter[str] = field(default_factory=Counter)

    def per_request(self, requests: int) -> dict[str, float]:
        n = max(requests, 1)
        per = {
            "server_cpu_ms_per_request": round(1000 * self.server_cpu_s / n, 3),
            "db_cpu_ms_per_request": round(1000 * self.db_cpu_s / n, 3),
            "server_cores_busy": round(self.server_cpu_s / max(self.wall_s, 1e-9), 2),
            "db_cores_busy": round(self.db_cpu_s / max(self.wall_s, 1e-9), 2),
        }
        for key, count in sorted(self.states.items()):
            per[f"backends_{key}"] = round(count / max(self.samples, 1), 2)
        return per


@contextlib.contextmanager
def watch(server_pgid: int | None, dsn: str | None) -> Iterator[Usage]:
    """Measure CPU of the server's process group and of the database's backends while the block runs;
    sample pg_stat_activity every 0.25 s (backends active, idle in transaction, waiting on which lock)."""
    usage = Usage()
    stop = threading.Event()
    db_pids: set[int] = set()

    def classify(row: asyncpg.Record) -> str:
        if row["wait_type"] == "Lock":
            return f"waiting_lock_{row['wait_event']}"
        return str(row["state"] or "unknown").replace(" ", "_")

    async def sample() -> None:
        assert dsn is not None
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            while not stop.is_set():
                rows = await conn.fetch(ACTIVITY_SQL)
                db_pids.update(int(r["pid"]) for r in rows)
                usage.samples += 1
                usage.states.update(classify(r) for r in rows if r["state"] != "idle")
                await asyncio.sleep(SAMPLE_EVERY_S)
        finally:
            await conn.close()

    sampler = threading.Thread(target=lambda: asyncio.run(sample()), daemon=True) if dsn else None
    server_pids = set(group_pids(server_pgid)) if server_pgid else set()
    before_server = cpu_seconds(server_pids)
    if sampler:
        sampler.start()
        time.sleep(SAMPLE_EVERY_S)  # the first sample names the backends that already exist
    before_db = cpu_seconds(set(db_pids))
    started = time.monotonic()
    try:
        yield usage
    finally:
        usage.wall_s = time.monotonic() - started
        after_server = cpu_seconds(server_pids)
        after_db = cpu_seconds(set(db_pids))
        stop.set()
        if sampler:
            sampler.join(timeout=10)
        usage.server_cpu_s = sum(after_server[p] - before_server.get(p, 0.0) for p in after_server)
        # Backends that appeared during the run count from zero (their CPU so far is all from this run).
        usage.db_cpu_s = sum(after_db[p] - before_db.get(p, 0.0) for p in after_db)


BUSY_SQL = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'
"""


def settle(server_pgid: int | None, dsn: str | None, timeout_s: float = 60.0) -> float:
    """Wait until the server has finished what wrk left queued (wrk stops sending, the server does not stop
    working): its processes use < 5 % of a core over 0.25 s and no backend of ``dsn`` is busy. Returns the wait."""
    started = time.monotonic()
    pids = set(group_pids(server_pgid)) if server_pgid else set()

    async def busy_backends() -> int:
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            return int(await conn.fetchval(BUSY_SQL))
        finally:
            await conn.close()

    while time.monotonic() - started < timeout_s:
        before = sum(cpu_seconds(pids).values())
        time.sleep(SAMPLE_EVERY_S)
        cpu = sum(cpu_seconds(pids).values()) - before
        if cpu < 0.05 * SAMPLE_EVERY_S and (dsn is None or asyncio.run(busy_backends()) == 0):
            break
    return time.monotonic() - started

"""CPU per scan-in in-process: ``api.visits.scans.record_scan`` against one raw asyncpg INSERT, same loop.

    .venv/bin/python bench/bench_scan_cpu.py [--calls 1000] [--warmup 100] [--rounds 3]

Starts on loopback a fresh PostgreSQL database and Redis key prefix, ``ruqi migrate`` + ``ruqi seed
--enterprises 500``, and ``ruqi run`` (one worker) only to file and approve a visit of enterprise-1 naming
inspector-1 through the API (bench/fixtures.py); the server is stopped before anything is measured.

Then, in this process, with the app's engine and pool (PostgresEngine, pool min 1 / max 10) and the server's
key ring: one arrival scan, ``--warmup`` unmeasured presence scans, and per round ``--calls`` presence scans
with unique client_event_ids, one after another in one event loop, timed with ``time.process_time`` (CPU of
this process: the service, Piccolo, asyncpg, the audit link; not PostgreSQL's). Live-update publishing is a
no-op here (in the app it is a Redis PUBLISH through Litestar's channels plugin). The yardstick is the same
number of single-row ``INSERT … RETURNING id`` of the scan-like body through a raw asyncpg pool of the same
size (what bench/baseline_app.py does per request). Judged by the ratio scan-in CPU / INSERT CPU (lower is
better). Everything created (database, Redis keys, temporary files) is dropped on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from piccolo.engine.postgres import PostgresEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.accounts.service import actor_of
from api.actor import Actor
from api.context import ServiceContext
from api.settings import Settings
from api.visits.scan_schemas import ScanCreate
from api.visits.scans import record_scan
from bench import common, fixtures, report
from models.db import bind_engine, engine_from_url
from qr import KeyRing

RAW_TABLE = """
CREATE TABLE bench_scan_cpu_insert (
    id bigserial PRIMARY KEY, client_event_id text NOT NULL UNIQUE, content text NOT NULL,
    latitude double precision, longitude double precision, accuracy_m double precision, at timestamptz NOT NULL
)
"""
RAW_INSERT = (
    "INSERT INTO bench_scan_cpu_insert (client_event_id, content, latitude, longitude, accuracy_m, at) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
)
ACTOR_ROW = "SELECT id, username, role, unit, inspector, uscc FROM app_user WHERE username = $1"
COUNTS = "SELECT (SELECT count(*) FROM scan) AS scans, (SELECT count(*) FROM unfiled_attempt) AS unfiled"


def _actor(dsn: str, username: str) -> Actor:
    return actor_of(common.sql(dsn, ACTOR_ROW, username)[0])


def _env(data_dir: Path) -> ServiceContext:
    """The ServiceContext api/app.py builds, from default settings and the server's key ring (publish: no-op)."""
    settings = Settings(data_dir=data_dir, public_base_url=common.PUBLIC_BASE_URL)
    return ServiceContext(
        keyring=KeyRing.load_or_create(data_dir / "keys", dt.datetime.now(dt.UTC)),
        policy=settings.filing_policy,
        public_base_url=settings.public_base_url,
        issuer=settings.issuer,
        code_grace=dt.timedelta(minutes=settings.code_grace_minutes),
        scan_radius_m=float(settings.scan_radius_m),
        scan_max_accuracy_m=float(settings.scan_max_accuracy_m),
        backfill_window=dt.timedelta(days=settings.backfill_days),
        enterprise_keyring=KeyRing.load_or_create(data_dir / "enterprise_keys", dt.datetime.now(dt.UTC)),
    )


async def _cpu_ms_per_call(calls: int, one: Callable[[int], Awaitable[Any]], start: int) -> float:
    gc.collect()
    cpu = time.process_time()
    for i in range(start, start + calls):
        await one(i)
    return (time.process_time() - cpu) * 1000 / calls


async def measure(
    dsn: str, data_dir: Path, fixture: fixtures.VisitFixture, actor: Actor, calls: int, warmup: int, rounds: int
) -> dict[str, Any]:
    env = _env(data_dir)
    template = msgspec.json.decode(fixtures.scan_body(fixture).encode())
    run = uuid.uuid4().hex[:8]

    def body(i: int) -> ScanCreate:
        return msgspec.convert({**template, "client_event_id": f"cpu-{run}-{i}"}, ScanCreate)

    bodies: dict[int, ScanCreate] = {}

    async def scan(i: int) -> None:
        read = await record_scan(actor, bodies[i], env, dt.datetime.now(dt.UTC))
        if read.visit_id != fixture.visit_id:
            raise RuntimeError(f"scan {i} matched visit {read.visit_id}, not {fixture.visit_id}")

    engine = engine_from_url(dsn)
    assert isinstance(engine, PostgresEngine)
    bind_engine(engine)
    await engine.start_connection_pool(min_size=common.PG_POOL_MIN, max_size=common.PG_POOL_MAX)
    pool = await asyncpg.create_pool(dsn, min_size=common.PG_POOL_MIN, max_size=common.PG_POOL_MAX)
    try:
        await pool.execute(RAW_TABLE)

        async def insert(i: int) -> None:
            await pool.fetchval(
                RAW_INSERT,
                bodies[i].client_event_id,
                bodies[i].content,
                bodies[i].latitude,
                bodies[i].longitude,
                bodies[i].accuracy_m,
                dt.datetime.now(dt.UTC),
            )

        total = 1 + warmup + rounds * calls
        bodies.update((i, body(i)) for i in range(total))  # decoded up front: neither side pays for it
        first = await record_scan(actor, bodies[0], env, dt.datetime.now(dt.UTC))
        if first.kind != "arrival":
            raise RuntimeError(f"the first scan did not check the visit in: {first}")
        for i in range(1, 1 + warmup):
            await scan(i)
            await insert(i)
        scan_ms, insert_ms = [], []
        start = 1 + warmup
        for _ in range(rounds):
            scan_ms.append(await _cpu_ms_per_call(calls, scan, start))
            insert_ms.append(await _cpu_ms_per_call(calls, insert, start))
            start += calls
        return {"scan_ms": scan_ms, "insert_ms": insert_ms, "scans": total}
    finally:
        await pool.close()
        await engine.close_connection_pool()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=1000, help="measured scans (and INSERTs) per round")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--enterprises", type=int, default=500)
    args = parser.parse_args()
    common.exit_cleanly_on_sigterm()
    print("command:", report.command_line())

    with (
        common.deployment(postgres=True, enterprises=args.enterprises) as dep,
        tempfile.TemporaryDirectory(prefix="ruqi-bench-logs-") as logs,
    ):
        with common.ruqi_server(dep, 1, Path(logs)) as app:
            fixture = fixtures.approved_visit(app.base_url)
        before = common.sql(dep.database_url, COUNTS)[0]
        actor = _actor(dep.database_url, "inspector-1")
        figures = asyncio.run(
            measure(dep.database_url, dep.data_dir, fixture, actor, args.calls, args.warmup, args.rounds)
        )
        after = common.sql(dep.database_url, COUNTS)[0]

    added = after["scans"] - before["scans"]
    if added != figures["scans"] or after["unfiled"] != before["unfiled"]:
        raise SystemExit(f"expected {figures['scans']} scan rows and no unfiled attempt: {before} → {after}")
    scan_ms, insert_ms = statistics.median(figures["scan_ms"]), statistics.median(figures["insert_ms"])
    per_round = [round(s / i, 1) for s, i in zip(figures["scan_ms"], figures["insert_ms"], strict=True)]
    print(f"\n{args.rounds} rounds × {args.calls} calls, one event loop, CPU by time.process_time (median of rounds):")
    print(f"  scan-in  record_scan (presence)  {scan_ms:7.3f} ms CPU/call   rounds {_fmt(figures['scan_ms'])}")
    print(f"  raw asyncpg INSERT … RETURNING   {insert_ms:7.3f} ms CPU/call   rounds {_fmt(figures['insert_ms'])}")
    print(f"  ratio scan-in / INSERT           {scan_ms / insert_ms:7.1f}×             rounds {per_round}")
    print(f"checks: {added} scan rows written, 0 unfiled attempts")


def _fmt(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.3f}" for v in values) + "]"


if __name__ == "__main__":
    main()

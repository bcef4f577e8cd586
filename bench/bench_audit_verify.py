"""How long a full audit-chain verify takes on PostgreSQL, per 100k events.

    .venv/bin/python bench/bench_audit_verify.py [--events 100000] [--batch 10000] [--runs 3]

Creates a throw-away database on the loopback server (RUQI_BENCH_PG_DSN, default
postgresql://postgres@127.0.0.1:5432/postgres), COPYs precomputed valid links of realistic payloads
(visit filings, scans, catalogue changes) into ``audit_event``, times ``api.audit.chain.verify_chain``
through the app's own code and connection pool, and drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from piccolo.engine.postgres import PostgresEngine

from api.audit.chain import verify_chain
from api.audit.formula import GENESIS_HASH, canonical_json, link_hash, normalize
from models.audit_tables import AUDIT_TABLES

ADMIN_DSN = os.environ.get("RUQI_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
COLUMNS = ["seq", "at", "actor", "type", "subject", "payload", "prev_hash", "hash"]
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _event(seq: int) -> tuple[str, str, str, dict[str, Any]]:
    visit = seq // 4 + 1
    moment = START + dt.timedelta(minutes=seq)
    kind = seq % 4
    if kind == 0:
        return (
            "visit.filed",
            "planner-mkt",
            f"visit:{visit}",
            {
                "visit_id": visit,
                "uscc": "91370112MA3C0001A4",
                "status": "filed",
                "kind": "enforcement",
                "origin": "planned",
                "trigger_type": None,
                "lead_unit": "MKT",
                "units": ["MKT", "FIRE"],
                "inspector_certs": ["MKT-C1", "MKT-C2", "FIRE-C1"],
                "items": ["MKT-001", "FIRE-001"],
                "window_start": moment,
                "window_end": moment + dt.timedelta(hours=2),
                "is_emergency": False,
                "catalogue_version": 512,
                "warnings": [],
            },
        )
    if kind == 1:
        return ("visit.approved", "approver-mkt", f"visit:{visit}", {"visit_id": visit, "status": "approved"})
    if kind == 2:
        payload = {"visit_id": visit, "scan_id": seq, "inspector_id": 7, "kind": "arrival", "at": moment}
        return ("scan", "inspector-mkt1", f"visit:{visit}", {**payload, "backfill": False, "mock_location": False})
    return (
        "catalogue.change",
        "planner-mkt",
        f"items:MKT-{seq % 400:03d}",
        {"list": "items", "list_version": seq, "record_code": f"MKT-{seq % 400:03d}", "action": "update"},
    )


def links(n: int) -> list[tuple[Any, ...]]:
    rows, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        event_type, actor, subject, raw = _event(seq)
        at = START + dt.timedelta(seconds=seq, microseconds=seq % 1_000_000)
        payload = normalize(raw)
        digest = link_hash(prev, seq, at, actor, event_type, subject, payload)
        rows.append((seq, at, actor, event_type, subject, canonical_json(payload), prev, digest))
        prev = digest
    return rows


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def run(n: int, batch: int, runs: int) -> None:
    name = f"ruqi_bench_{uuid.uuid4().hex[:10]}"
    dsn = f"{ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    await _admin(f"CREATE DATABASE {name}")
    engine = PostgresEngine(config={"dsn": dsn})
    try:
        for table in AUDIT_TABLES:
            table._meta.db = engine
            await table.create_table(if_not_exists=True)
        started = time.perf_counter()
        rows = links(n)
        built = time.perf_counter() - started
        conn = await asyncpg.connect(dsn)
        started = time.perf_counter()
        await conn.copy_records_to_table("audit_event", records=rows, columns=COLUMNS)
        await conn.execute("ANALYZE audit_event")
        copied = time.perf_counter() - started
        size = await conn.fetchval("SELECT pg_size_pretty(pg_total_relation_size('audit_event'))")
        await conn.close()
        print(f"built {n} links in {built:.2f} s, COPY in {copied:.2f} s, table {size}")

        await engine.start_connection_pool(min_size=1, max_size=10)
        timings = []
        for i in range(runs):
            report = await verify_chain(dt.datetime.now(dt.UTC), batch)
            assert report.ok and report.checked == n, report
            timings.append(report.seconds)
            print(f"run {i + 1}: verify_chain(batch={batch}) checked {report.checked} links in {report.seconds:.3f} s")
        await engine.close_connection_pool()
        best, median = min(timings), statistics.median(timings)
        print(
            f"RESULT: {n} events, median {median:.3f} s (best {best:.3f} s) = {n / median:,.0f} events/s; "
            f"{median * 100_000 / n:.2f} s per 100k events"
        )
    finally:
        await _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    asyncio.run(run(args.events, args.batch, args.runs))


if __name__ == "__main__":
    main()

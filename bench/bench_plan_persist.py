"""City-scale benchmark of persisting a built month on PostgreSQL: the app's bulk path next to a raw COPY.

Generates the city of ``bench_schedule_build`` (200,000 enterprises, 47 units, ~100,000 tasks a month),
builds one month, creates a fresh PostgreSQL database with the app's schema, then in the same run and on the
same rows, alternately:

- **bulk**: ``api.plans.build.persist_result`` inside ``write_transaction()`` — the path a build
  takes in the app (one ``INSERT … SELECT FROM unnest(arrays)`` per chunk per table, through Piccolo);
- **COPY**: asyncpg ``copy_records_to_table`` of the very same row tuples into scratch tables created
  ``LIKE … INCLUDING ALL`` plus the same foreign keys, in one transaction.

Each round truncates the tables first; the median round is reported. Row preparation (BuildResult -> tuples,
JSON encoding) is timed separately and is included in the end-to-end "persist" figure, not in COPY's.
Run: ``.venv/bin/python bench/bench_plan_persist.py [--rounds 3] [--month 10] [--keep]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.plans.build import persist_result, result_rows
from api.plans.bulk import PLAN_CARRY, PLAN_DROPPED, PLAN_SHORTFALL, PLAN_TASK, PLAN_VISIT, BulkTable
from api.registry.lookups import unit_names_by_id
from bench.bench_schedule_build import UNITS, generate
from models.db import bind_engine, create_schema, engine_from_url, write_transaction
from models.plan_tables import ScheduleMonth
from models.tables import Unit
from schedules import BuildConfig, build_month

ADMIN_DSN = os.environ.get("RUQI_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
TABLES: dict[str, BulkTable] = {
    "visits": PLAN_VISIT,
    "tasks": PLAN_TASK,
    "carried": PLAN_CARRY,
    "dropped": PLAN_DROPPED,
    "shortfalls": PLAN_SHORTFALL,
}


def dsn(database: str) -> str:
    return ADMIN_DSN.rsplit("/", 1)[0] + "/" + database


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def prepare(database: str, year: int, month: int) -> int:
    """The app's schema on the fresh database, the units, a schedule row, and identical scratch tables."""
    engine = engine_from_url(dsn(database))
    bind_engine(engine)
    await create_schema()
    await Unit.insert(*(Unit(id=u, code=f"U{u:02d}", name=f"单位{u}", kind="department") for u in range(1, UNITS + 1)))
    row = await ScheduleMonth.insert(
        ScheduleMonth(period=f"{year}-{month:02d}", year=year, month=month, status="draft")
    ).returning(ScheduleMonth.id)
    conn = await asyncpg.connect(dsn(database))
    try:
        for table in TABLES.values():
            scratch = f"scratch_{table.name}"
            await conn.execute(f'CREATE TABLE "{scratch}" (LIKE "{table.name}" INCLUDING ALL)')
            foreign = await conn.fetch(
                "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
                "WHERE conrelid = $1::regclass AND contype = 'f'",
                table.name,
            )
            for fk in foreign:
                await conn.execute(f'ALTER TABLE "{scratch}" ADD CONSTRAINT "s_{fk["conname"]}" {fk["def"]}')
    finally:
        await conn.close()
    return int(row[0]["id"])


async def truncate(database: str, prefix: str) -> None:
    conn = await asyncpg.connect(dsn(database))
    try:
        names = ", ".join(f'"{prefix}{table.name}"' for table in TABLES.values())
        await conn.execute(f"TRUNCATE {names}")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def copy_rows(database: str, rows: dict[str, list[tuple[object, ...]]]) -> float:
    conn = await asyncpg.connect(dsn(database))
    try:
        started = time.perf_counter()
        async with conn.transaction():
            for key, table in TABLES.items():
                await conn.copy_records_to_table(
                    f"scratch_{table.name}", records=rows[key], columns=list(table.column_names)
                )
        return time.perf_counter() - started
    finally:
        await conn.close()


async def run(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    city = generate(args.seed, args.enterprises, args.month)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    result = build_month(
        args.year,
        args.month,
        city.entries,
        city.enterprises,
        city.items,
        city.scenarios,
        city.history,
        city.extra_tasks,
        BuildConfig(align_joinable_entries=args.align),
    )
    built = time.perf_counter() - started
    print(
        f"city: {len(city.enterprises):,} enterprises, {UNITS} units, {len(city.entries)} plan entries "
        f"(generated in {generated:.1f} s)"
    )
    print(
        f"build {args.year}-{args.month:02d}: {built:.2f} s — {len(result.tasks):,} tasks in {len(result.visits):,} "
        f"visits, {len(result.overflow):,} carried over, {len(result.dropped):,} dropped"
    )
    database = f"ruqi_bench_{uuid.uuid4().hex[:10]}"
    await admin(f"CREATE DATABASE {database}")
    try:
        schedule_id = await prepare(database, args.year, args.month)
        started = time.perf_counter()
        rows = result_rows(schedule_id, result, await unit_names_by_id())
        prep = time.perf_counter() - started
        total = sum(len(r) for r in rows.values())
        print("rows: " + ", ".join(f"{key} {len(r):,}" for key, r in rows.items()) + f" = {total:,}")
        bulk_times: list[float] = []
        copy_times: list[float] = []
        for _ in range(args.rounds):
            await truncate(database, "")
            started = time.perf_counter()
            async with write_transaction():
                written = await persist_result(schedule_id, result)
            bulk_times.append(time.perf_counter() - started)
            assert written == total
            await truncate(database, "scratch_")
            copy_times.append(await copy_rows(database, rows))
        persist = statistics.median(bulk_times)
        copy = statistics.median(copy_times)
        insert = max(persist - prep, 1e-9)
        print(f"row preparation (tuples + JSON): {prep:.2f} s")
        print(
            f"persist (bulk path, end to end incl. preparation): {persist:.2f} s = {total / persist:,.0f} rows/s "
            f"(rounds: {', '.join(f'{t:.2f}' for t in bulk_times)})"
        )
        print(f"  of which database inserts ≈ {insert:.2f} s = {total / insert:,.0f} rows/s")
        print(
            f"COPY (asyncpg copy_records_to_table, same rows): {copy:.2f} s = {total / copy:,.0f} rows/s "
            f"(rounds: {', '.join(f'{t:.2f}' for t in copy_times)})"
        )
        print(f"ratio persist/COPY speed: {copy / persist:.2f}× end to end, {copy / insert:.2f}× inserts only")
    finally:
        if args.keep:
            print(f"kept database {database}")
        else:
            await admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--month", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--align", action="store_true", help="align entries a scenario could join (撮合)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args(argv)
    print("$ .venv/bin/python " + shlex.join(["bench/bench_plan_persist.py", *(argv or sys.argv[1:])]))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

"""The verification log partitioned by Beijing month on PostgreSQL (models.partitions): rows land in their month,
the coming months exist ahead of time, the migration keeps the rows, and retention drops whole months while the
audit trail still verifies."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from piccolo.engine.postgres import PostgresEngine

from api.audit import chain as audit
from api.audit.folding import fold_verifications
from api.audit.retention import partitions_ahead, prune_verifications
from api.clock import LOCAL_TZ
from models.db import bind_engine, create_schema, write_transaction
from models.partitions import month_partitions
from models.visit_tables import VerificationLog
from tests.support.databases import create_pg_database, drop_pg_database, pg_dsn

pytestmark = pytest.mark.postgres
# The last instant of November and the first of December, Beijing time.
NOV_LAST = dt.datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=LOCAL_TZ)
DEC_FIRST = dt.datetime(2026, 12, 1, 0, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def dsn() -> Iterator[str]:
    name = create_pg_database()
    try:
        yield pg_dsn(name)
    finally:
        drop_pg_database(name)


@pytest.fixture
async def engine(dsn: str) -> AsyncIterator[PostgresEngine]:
    engine = PostgresEngine(config={"dsn": dsn})
    bind_engine(engine)
    await create_schema()
    await engine.start_connection_pool(min_size=1, max_size=4)
    try:
        yield engine
    finally:
        await engine.close_connection_pool()


async def log(at: dt.datetime, outcome: str = "valid") -> int:
    async with write_transaction():
        row = await VerificationLog.insert(VerificationLog(at=at, visit_id=1, outcome=outcome, channel="json"))
    return int(row[0]["id"])


async def partition_of(log_id: int) -> str:
    rows = await VerificationLog.raw(
        "SELECT tableoid::regclass::text AS name FROM verification_log WHERE id = {}", log_id
    )
    return str(rows[0]["name"])


async def test_an_insert_at_midnight_on_the_first_of_a_new_month_lands_in_its_month(engine: PostgresEngine) -> None:
    created = await partitions_ahead(NOV_LAST - dt.timedelta(days=3))  # startup on 27 November
    assert created == ["verification_log_y2026m11", "verification_log_y2026m12", "verification_log_y2027m01"]
    assert await partition_of(await log(NOV_LAST)) == "verification_log_y2026m11"
    assert await partition_of(await log(DEC_FIRST)) == "verification_log_y2026m12"
    assert await partition_of(await log(DEC_FIRST.astimezone(dt.UTC))) == "verification_log_y2026m12"
    assert await partitions_ahead(DEC_FIRST) == [*created[1:], "verification_log_y2027m02"]  # idempotent


async def test_a_month_without_partition_goes_to_the_default_and_moves_when_created(engine: PostgresEngine) -> None:
    early = await log(dt.datetime(2030, 5, 2, 9, tzinfo=LOCAL_TZ))  # no partition was made ahead: still stored
    assert await partition_of(early) == "verification_log_default"
    await partitions_ahead(dt.datetime(2030, 5, 1, 8, tzinfo=LOCAL_TZ))
    assert await partition_of(early) == "verification_log_y2030m05"
    assert (await month_partitions())[0][1] == "verification_log_y2030m05"


async def test_retention_drops_whole_months_and_the_trail_verifies(engine: PostgresEngine) -> None:
    days = [dt.datetime(2026, m, d, 10, tzinfo=LOCAL_TZ) for m in (8, 9, 10, 11) for d in (3, 17)]
    await partitions_ahead(days[0])
    await partitions_ahead(days[-1])
    ids = []
    for day in days:
        ids.append(await log(day))
        await fold_verifications(day + dt.timedelta(hours=1))  # a checkpoint's digest every fortnight
    now = dt.datetime(2026, 11, 20, 12, tzinfo=LOCAL_TZ)
    pruned = await prune_verifications(now, dt.timedelta(days=60))  # cutoff 21 September
    assert pruned.partitions == ("verification_log_y2026m08",)  # September ended after the cutoff: kept whole
    assert pruned.through_id == ids[3] and pruned.count == 4  # …but its rows before the cutoff go one by one
    remaining = [r["id"] for r in await VerificationLog.select(VerificationLog.id).order_by(VerificationLog.id)]
    assert remaining == ids[4:]
    names = [name for _, name in await month_partitions()]
    assert "verification_log_y2026m08" not in names and "verification_log_y2027m01" in names
    report = await audit.verify_chain(now)
    assert report.ok, report


def test_the_migration_keeps_the_rows_and_partitions_them(tmp_path: Path) -> None:
    name = create_pg_database()
    try:
        env = dict(os.environ, DATABASE_URL=pg_dsn(name), RUQI_DATA_DIR=str(tmp_path), RUQI_ENV="development")
        ruqi = Path(sys.executable).with_name("ruqi")

        def migrate() -> None:
            done = subprocess.run([str(ruqi), "migrate"], env=env, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stdout + done.stderr

        migrate()

        async def check() -> None:
            conn = await asyncpg.connect(pg_dsn(name))
            try:
                # Back to the unpartitioned table with rows in two months, then the partitioning migration again.
                await conn.execute("DROP TABLE verification_log")
                await conn.execute(
                    "CREATE TABLE verification_log (id SERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL, visit_id INTEGER, "
                    "outcome VARCHAR(24) NOT NULL DEFAULT '', channel VARCHAR(8) NOT NULL DEFAULT '', "
                    "client VARCHAR(120) NOT NULL DEFAULT '')"
                )
                await conn.execute("CREATE INDEX verification_log_at ON verification_log (at)")
                await conn.execute("CREATE INDEX verification_log_visit_id ON verification_log (visit_id)")
                await conn.executemany(
                    "INSERT INTO verification_log (at, visit_id, outcome, channel) VALUES ($1, 1, 'valid', 'page')",
                    [(NOV_LAST,), (DEC_FIRST,), (DEC_FIRST + dt.timedelta(days=3),)],
                )
                await conn.execute("DELETE FROM migration WHERE name = '2026-12-05T14:41:00:000000'")
            finally:
                await conn.close()

        asyncio.run(check())
        migrate()

        async def read() -> list[tuple[int, str]]:
            conn = await asyncpg.connect(pg_dsn(name))
            try:
                rows = await conn.fetch("SELECT id, tableoid::regclass::text AS part FROM verification_log ORDER BY id")
                kind = await conn.fetchval("SELECT relkind::text FROM pg_class WHERE relname = 'verification_log'")
                assert kind == "p"
                await conn.execute(
                    "INSERT INTO verification_log (at, outcome, channel) VALUES ($1, 'valid', 'json')",
                    DEC_FIRST + dt.timedelta(days=40),
                )
                return [(r["id"], r["part"]) for r in rows]
            finally:
                await conn.close()

        assert asyncio.run(read()) == [
            (1, "verification_log_y2026m11"),
            (2, "verification_log_y2026m12"),
            (3, "verification_log_y2026m12"),
        ]
    finally:
        drop_pg_database(name)


async def test_two_machines_creating_the_same_month_both_get_it(engine: PostgresEngine, dsn: str) -> None:
    """The second caller waits on the advisory lock while the first creates the month; its view of the catalog
    is older than the first's commit, so its CREATE meets the table: it must answer the name, not fail."""
    first = await asyncpg.connect(dsn)
    second = await asyncpg.connect(dsn)
    try:
        assert await second.fetchval("SELECT to_regclass('verification_log_y2031m01')") is None  # warm its cache
        transaction = first.transaction()
        await transaction.start()
        made = await first.fetchval("SELECT verification_log_month_partition('2031-01-15')")
        waiting = asyncio.create_task(second.fetchval("SELECT verification_log_month_partition('2031-01-20')"))
        await asyncio.sleep(0.3)  # the second is now waiting for the lock the first holds
        assert not waiting.done()
        await transaction.commit()
        assert await asyncio.wait_for(waiting, 10) == made == "verification_log_y2031m01"
    finally:
        await first.close()
        await second.close()
    assert (dt.date(2031, 1, 1), "verification_log_y2031m01") in await month_partitions()

"""PostgreSQL links audit events at COMMIT (models.audit_trigger): gap-free under concurrency, never across
an open transaction, nothing for a rollback, insert order within one transaction, placeholders never seen."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from piccolo.engine.postgres import PostgresEngine

from api.audit import chain as audit
from api.audit.formula import GENESIS_HASH, link_hash, normalize
from models.audit_tables import AuditEvent
from models.db import bind_engine, create_schema, write_transaction
from tests.support.databases import create_pg_database, drop_pg_database, pg_dsn

pytestmark = pytest.mark.postgres
CONNECTIONS = 20


@pytest.fixture
def dsn() -> Iterator[str]:
    name = create_pg_database()
    try:
        yield pg_dsn(name)
    finally:
        drop_pg_database(name)


@pytest.fixture
async def engine(dsn: str) -> AsyncIterator[PostgresEngine]:
    """A fresh schema (create_schema installs the trigger, as the migration does) and a pool of 20 connections."""
    engine = PostgresEngine(config={"dsn": dsn})
    bind_engine(engine)
    await create_schema()
    await engine.start_connection_pool(min_size=CONNECTIONS, max_size=CONNECTIONS)
    try:
        yield engine
    finally:
        await engine.close_connection_pool()


async def links() -> list[dict[str, Any]]:
    return await AuditEvent.select().order_by(AuditEvent.seq)


async def assert_one_clean_chain(n: int) -> list[dict[str, Any]]:
    rows = await links()
    assert [r["seq"] for r in rows] == list(range(1, n + 1))  # no placeholder, no gap
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))  # no fork
    assert all(r["link_prefix"] is None and r["link_suffix"] is None for r in rows)
    report = await audit.verify_chain(dt.datetime.now(dt.UTC), batch=7)
    assert report.ok and report.checked == n and report.head_seq == n, report
    return rows


async def test_concurrent_transactions_link_gap_free_and_verify(engine: PostgresEngine) -> None:
    n = 3 * CONNECTIONS

    async def one(i: int) -> None:
        async with write_transaction():
            await audit.append(
                "test",
                f"worker-{i % 10}",
                f"visit:{i % 7}",
                {"i": i, "名": "检查", "x": 0.1 * i},
                at=dt.datetime.now(dt.UTC),
            )
            await AuditEvent.raw("SELECT pg_sleep(0.01)")  # work after the append, before COMMIT

    await asyncio.gather(*(one(i) for i in range(n)))
    rows = await assert_one_clean_chain(n)
    assert sorted(json.loads(r["payload"])["i"] for r in rows) == list(range(n))  # each append exactly once


async def test_an_open_transaction_holding_an_event_does_not_block_other_appends(engine: PostgresEngine) -> None:
    appended, release = asyncio.Event(), asyncio.Event()
    seen_by_slow: list[dict[str, Any]] = []

    async def slow() -> None:
        async with write_transaction():
            await audit.append("test", "slow", "visit:1", {"n": "slow"}, at=dt.datetime.now(dt.UTC))
            seen_by_slow.extend(await AuditEvent.select(AuditEvent.seq).where(AuditEvent.actor == "slow"))
            appended.set()
            await release.wait()

    async def fast() -> None:
        async with write_transaction():
            await audit.append("test", "fast", "visit:2", {"n": "fast"}, at=dt.datetime.now(dt.UTC))

    slow_task = asyncio.create_task(slow())
    try:
        await asyncio.wait_for(appended.wait(), timeout=10)
        # With the lock taken in append() and held until COMMIT, this would wait for `slow` forever.
        await asyncio.wait_for(fast(), timeout=10)
        assert [(r["seq"], r["actor"]) for r in await links()] == [(1, "fast")]  # no placeholder of `slow` seen
        assert (await audit.verify_chain(dt.datetime.now(dt.UTC))).ok
        assert [r["seq"] < 0 for r in seen_by_slow] == [True]  # unlinked until COMMIT, seen only by itself
    finally:
        release.set()  # never leave `slow` holding a pool connection: the pool would not close
        await slow_task
    rows = await assert_one_clean_chain(2)
    assert [r["actor"] for r in rows] == ["fast", "slow"]  # seq is commit order


async def test_a_rolled_back_transaction_leaves_no_link(engine: PostgresEngine) -> None:
    async def change(n: int, fail: bool) -> None:
        async with write_transaction():
            await audit.append("test", "tester", "visit:0", {"n": n}, at=dt.datetime.now(dt.UTC))
            if fail:
                raise LookupError("the change failed")

    await change(1, False)
    with pytest.raises(LookupError):
        await change(2, True)
    await change(3, False)
    rows = await assert_one_clean_chain(2)
    assert [r["payload"] for r in rows] == ['{"n":1}', '{"n":3}']


async def test_events_of_one_transaction_keep_their_insert_order(engine: PostgresEngine) -> None:
    async def batch(tag: str) -> None:
        async with write_transaction():
            for step in range(5):
                await audit.append("test", tag, f"visit:{tag}", {"step": step}, at=dt.datetime.now(dt.UTC))
                await asyncio.sleep(0)  # let other transactions insert in between

    await asyncio.gather(*(batch(f"t{i}") for i in range(CONNECTIONS)))
    rows = await assert_one_clean_chain(5 * CONNECTIONS)
    for start in range(0, len(rows), 5):
        group = rows[start : start + 5]  # one transaction's events are linked together, in insert order
        assert len({r["actor"] for r in group}) == 1
        assert [r["payload"] for r in group] == [f'{{"step":{step}}}' for step in range(5)]


async def test_verify_reports_a_row_left_unlinked(engine: PostgresEngine) -> None:
    async with write_transaction():
        await audit.append("test", "tester", "visit:0", {"n": 1}, at=dt.datetime.now(dt.UTC))
    # Inserted without link_prefix, as by hand: the trigger leaves it alone.
    await AuditEvent.raw(
        "INSERT INTO audit_event (seq, at, actor, type, subject, payload, prev_hash, hash) "
        "VALUES (-42, now(), 'intruder', 'test', 'visit:0', '{}', '', '')"
    )
    report = await audit.verify_chain(dt.datetime.now(dt.UTC))
    assert not report.ok and report.reason == "unlinked" and report.broken_seq == -42, report


async def test_postgres_hashes_tricky_text_byte_for_byte_as_python(engine: PostgresEngine) -> None:
    at = dt.datetime(2026, 3, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    events: list[tuple[str, str, str, dict[str, Any]]] = [
        (
            '检查员"引号"\\',
            "complaint.step",
            "enterprise:检查",
            {"note": "line\nbreak\ttab\u0001 é 🚀", "nul": "\u0000"},
        ),
        ("system", "code.issued", "visit:12", {"distance": 12.5, "tiny": 1e-07, "at": at, "day": dt.date(2026, 1, 2)}),
        ("a" * 80, "t", "s" * 80, {}),  # cut to 64 characters before hashing
    ]
    async with write_transaction():
        for actor, event_type, subject, payload in events:
            await audit.append(event_type, actor, subject, payload, at=dt.datetime.now(dt.UTC))
    rows = await assert_one_clean_chain(len(events))
    prev = GENESIS_HASH
    for row, (actor, event_type, subject, payload) in zip(rows, events, strict=True):
        expected = link_hash(prev, row["seq"], row["at"], actor[:64], event_type, subject[:64], normalize(payload))
        assert row["hash"] == expected
        prev = row["hash"]

"""The verify rate limit's fixed-window counter: atomic across processes on real Redis, fail-open, in-process twin."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from redis.asyncio import Redis

from api.redis_resilience import MemoryWindowCounter, RedisWindowCounter
from tests.support.databases import REDIS_URL, drop_redis_prefix, redis_prefix


@pytest.fixture
def prefix() -> Iterator[str]:
    name = redis_prefix()
    yield name
    drop_redis_prefix(name)


def test_two_workers_sharing_redis_count_every_request_exactly_once(prefix: str) -> None:
    async def run() -> tuple[list[int], int]:
        # Two clients stand for two worker processes: each has its own connection pool.
        first, second = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
        try:
            counters = [RedisWindowCounter(first, prefix), RedisWindowCounter(second, prefix)]
            hits = await asyncio.gather(*(counters[i % 2].hit("verify:10.0.0.1", 60) for i in range(60)))
            ttl = await first.ttl(f"{prefix}:verify:10.0.0.1")
            return sorted(count for count, _ in hits), ttl
        finally:
            await first.aclose()
            await second.aclose()

    counts, ttl = asyncio.run(run())
    assert counts == list(range(1, 61))  # no lost update, no double count
    assert 0 < ttl <= 60  # the window was set once, by the first hit, and not pushed back by later ones


def test_the_counter_fails_open_when_redis_is_unreachable() -> None:
    async def run() -> tuple[int, int]:
        client = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
        try:
            return await RedisWindowCounter(client, "nowhere").hit("verify:x", 60)
        finally:
            await client.aclose()

    assert asyncio.run(run()) == (0, 60)


def test_the_in_process_counter_resets_with_its_window() -> None:
    async def run() -> list[tuple[int, int]]:
        counter = MemoryWindowCounter()
        first = [await counter.hit("a", 1) for _ in range(3)]
        other = await counter.hit("b", 1)
        await asyncio.sleep(1.05)
        return [*first, other, await counter.hit("a", 1)]

    assert [count for count, _ in asyncio.run(run())] == [1, 2, 3, 1, 1]


def _hit_then_sequence(make: object, prefix: str) -> list[tuple[int, int]]:
    """Client A within its limit of 2 counts on the code; past it, the code's counter is left alone."""

    async def run() -> list[tuple[int, int]]:
        client = Redis.from_url(REDIS_URL)
        try:
            counter = RedisWindowCounter(client, prefix) if make == "redis" else MemoryWindowCounter()
            seen = [await counter.hit_then("verify:a", "verify:code:x", 2, 60) for _ in range(3)]
            seen.append(await counter.hit_then("verify:b", "verify:code:x", 2, 60))  # the code's third count
            seen.append(await counter.hit_then("verify:c", None, 2, 60))  # no code: the client's own count
            return [(count, 0 < reset <= 60) for count, reset in seen]
        finally:
            await client.aclose()

    return asyncio.run(run())


@pytest.mark.parametrize("make", ["redis", "memory"])
def test_hit_then_counts_the_code_only_while_the_client_is_within_its_limit(make: str, prefix: str) -> None:
    # a: code 1, code 2, then a's own 3 (over: the code not counted); b: code 3; c: its own 1
    assert _hit_then_sequence(make, prefix) == [(1, True), (2, True), (3, True), (3, True), (1, True)]


def test_hit_then_is_atomic_across_workers_and_fails_open(prefix: str) -> None:
    async def run() -> tuple[list[int], tuple[int, int]]:
        first, second = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
        down = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
        try:
            counters = [RedisWindowCounter(first, prefix), RedisWindowCounter(second, prefix)]
            hits = await asyncio.gather(
                *(counters[i % 2].hit_then(f"verify:10.0.0.{i}", "verify:code:y", 100, 60) for i in range(40))
            )
            failed = await RedisWindowCounter(down, "nowhere").hit_then("verify:x", "verify:code:x", 10, 60)
            return sorted(count for count, _ in hits), failed
        finally:
            for client in (first, second, down):
                await client.aclose()

    counts, failed = asyncio.run(run())
    assert counts == list(range(1, 41))  # the code's counter, every request exactly once
    assert failed == (0, 60)

"""Throw-away PostgreSQL databases and Redis key spaces for tests, on the loopback servers.

With CI=true an unreachable server fails the run; it is never skipped.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg
import pytest
from redis import Redis

PG_ADMIN_DSN = os.environ.get("RUQI_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RUQI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _unavailable(what: str, exc: BaseException) -> None:
    message = f"{what} is not reachable ({type(exc).__name__}: {exc}); the tests need it."
    if os.environ.get("RUQI_ALLOW_SKIP_SERVICES") == "1" and os.environ.get("CI") != "true":
        pytest.skip(message)
    pytest.fail(message, pytrace=False)


def pg_dsn(database: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{database}"


def _run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_pg_database(template: str | None = None) -> str:
    name = f"ruqi_t_{uuid.uuid4().hex[:12]}"
    suffix = f" TEMPLATE {template}" if template else ""
    try:
        _run(_admin(f"CREATE DATABASE {name}{suffix}"))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        _unavailable("PostgreSQL at " + PG_ADMIN_DSN, exc)
    return name


def drop_pg_database(name: str) -> None:
    _run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def redis_prefix() -> str:
    """A fresh key prefix; checks that Redis answers."""
    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        _unavailable("Redis at " + REDIS_URL, exc)
    return f"ruqi-test-{uuid.uuid4().hex[:12]}"


def drop_redis_prefix(prefix: str) -> None:
    client = Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()  # type: ignore[no-untyped-call]  # redis-py leaves the sync close() unannotated

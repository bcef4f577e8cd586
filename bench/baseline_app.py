"""The yardstick: a bare Litestar app with an asyncpg pool, doing one raw statement per request.

    BENCH_BASELINE_DSN=postgresql://… .venv/bin/litestar --app bench.baseline_app:app run --workers 2

- ``GET /pk/{id}``: one primary-key SELECT from ``bench_pk`` (a small table, created and filled on start).
- ``POST /insert``: one single-row INSERT into ``bench_insert`` of a scan-like JSON body (``client_event_id``
  unique, as the app's idempotency key is), returning the new id with 201.
- ``GET /health``: 200 once the pool is open.

The pool has the app's size (min 1, max 10 per worker: api/app.py); the tables live in the benchmark's database.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import msgspec
from litestar import Litestar, get, post

PK_ROWS = 1000
SCHEMA = """
CREATE TABLE IF NOT EXISTS bench_pk (
    id integer PRIMARY KEY, name text NOT NULL, status text NOT NULL, window_start timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS bench_insert (
    id bigserial PRIMARY KEY, client_event_id text NOT NULL UNIQUE, content text NOT NULL,
    latitude double precision, longitude double precision, accuracy_m double precision, at timestamptz NOT NULL
);
"""
FILL = """
INSERT INTO bench_pk (id, name, status, window_start)
SELECT g, 'enterprise ' || g, 'approved', now() FROM generate_series(1, $1) AS g ON CONFLICT DO NOTHING
"""


class ScanLike(msgspec.Struct):
    content: str
    client_event_id: str
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None


POOL: dict[str, asyncpg.Pool] = {}


@asynccontextmanager
async def lifespan(_: Litestar) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(os.environ["BENCH_BASELINE_DSN"], min_size=1, max_size=10)
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(4242)")  # workers start together: one creates the tables
        try:
            await conn.execute(SCHEMA)
            await conn.execute(FILL, PK_ROWS)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(4242)")
    POOL["pool"] = pool
    try:
        yield
    finally:
        await pool.close()


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/pk/{row_id:int}")
async def by_primary_key(row_id: int) -> dict[str, Any]:
    row = await POOL["pool"].fetchrow("SELECT id, name, status, window_start FROM bench_pk WHERE id = $1", row_id)
    return dict(row) if row else {}


@post("/insert")
async def insert(data: ScanLike) -> dict[str, int]:
    new_id = await POOL["pool"].fetchval(
        "INSERT INTO bench_insert (client_event_id, content, latitude, longitude, accuracy_m, at) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        data.client_event_id,
        data.content,
        data.latitude,
        data.longitude,
        data.accuracy_m,
        dt.datetime.now(dt.UTC),
    )
    return {"id": int(new_id)}


app = Litestar(route_handlers=[health, by_primary_key, insert], lifespan=[lifespan])

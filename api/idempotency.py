"""Idempotent phone writes, keyed by a client event id (ODK Central style).

The same id with the same body returns the first answer; with a different body, 409. The claim is an
``INSERT … ON CONFLICT DO NOTHING`` inside the caller's transaction: on PostgreSQL a concurrent
duplicate waits on the unique index until the first commits, then replays its answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from api.errors import Conflict
from models.db import write_transaction
from models.fastsql import PrebuiltSQL
from models.values import json_value
from models.visit_tables import IdempotencyRecord

# Built once: plain SQL for both engines (``models.fastsql``), cheaper than Piccolo's builder.
_CLAIM = PrebuiltSQL(
    IdempotencyRecord,
    'INSERT INTO "idempotency_record" ("key", "operation", "request_hash", "status_code", "response", "created_at") '
    'VALUES ({}, {}, {}, 0, {}, {}) ON CONFLICT ("key") DO NOTHING RETURNING "id"',
)
_STORE_ANSWER = PrebuiltSQL(
    IdempotencyRecord, 'UPDATE "idempotency_record" SET "status_code" = {}, "response" = {} WHERE "id" = {}'
)
_STORED = PrebuiltSQL(
    IdempotencyRecord,
    'SELECT "operation", "request_hash", "status_code", "response" FROM "idempotency_record" WHERE "key" = {} LIMIT 1',
)


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(body: Any) -> str:
    canonical = json.dumps(msgspec.to_builtins(body), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def run_once(
    key: str,
    operation: str,
    body: Any,
    action: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
    now: dt.datetime,
) -> Outcome:
    """Run ``action`` once per key in one transaction with it; replay its stored answer afterwards."""
    digest = request_hash(body)
    async with write_transaction():
        claimed = await _CLAIM.fetchrow(key, operation, digest, "{}", now)
        if claimed:
            status, response = await action()
            await _STORE_ANSWER.execute(status, json.dumps(response, default=str), claimed["id"])
            return Outcome(status, response)
        record = await _STORED.fetchrow(key)
    if record is None:  # pragma: no cover - the conflicting row was committed before we looked
        raise Conflict("The event is being processed; retry.", code="idempotency_in_progress")
    if record["request_hash"] != digest or record["operation"] != operation:
        raise Conflict(
            "This client event id was already used with a different request.",
            code="idempotency_conflict",
            field="client_event_id",
        )
    stored = record["response"]
    return Outcome(record["status_code"], json_value(stored), replayed=True)

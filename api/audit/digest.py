"""Verifications enter the audit trail as digests, not one link per phone scan.

Public verifications are frequent and anonymous; linking each into the chain would serialize every scan
of every code behind the chain's lock. Instead each row of the verification log is kept as it is, and
``fold_verifications`` appends one ``verification.digest`` event covering the rows since the last
digest: their id range, count, outcomes and the SHA-256 of their canonical JSON lines, so a row edited or
deleted afterwards no longer matches a signed link. It runs before every checkpoint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from typing import Any

from api.audit import chain as audit
from api.audit.formula import canonical_json, iso_utc
from models.audit_tables import AuditEvent
from models.db import write_transaction
from models.visit_tables import VerificationLog

DIGEST_TYPE = "verification.digest"


def _line(row: dict[str, Any]) -> str:
    return canonical_json(
        {
            "id": row["id"],
            "at": iso_utc(row["at"]),
            "visit_id": row["visit_id"],
            "outcome": row["outcome"],
            "channel": row["channel"],
            "client": row["client"],
        }
    )


def digest_of(rows: list[dict[str, Any]]) -> str:
    """SHA-256 over the rows' canonical JSON lines, each followed by a newline, in id order."""
    sha = hashlib.sha256()
    for row in rows:
        sha.update(_line(row).encode() + b"\n")
    return sha.hexdigest()


async def fold_verifications(now: dt.datetime) -> int:
    """Append a digest of the verification log rows not yet covered; returns how many it covers (0: none, no digest).

    Not the digest's seq: on PostgreSQL that is assigned at COMMIT.
    """
    async with write_transaction():
        last = (
            await AuditEvent.select(AuditEvent.payload)
            .where(AuditEvent.type == DIGEST_TYPE)
            .order_by(AuditEvent.seq, ascending=False)
            .first()
        )
        after = int(json.loads(last["payload"])["last_log_id"]) if last else 0
        rows = await VerificationLog.select().where(VerificationLog.id > after).order_by(VerificationLog.id)
        if not rows:
            return 0
        await audit.append(
            DIGEST_TYPE,
            "system",
            "verification-log",
            {
                "first_log_id": rows[0]["id"],
                "last_log_id": rows[-1]["id"],
                "count": len(rows),
                "outcomes": dict(sorted(Counter(r["outcome"] for r in rows).items())),
                "sha256": digest_of(rows),
            },
            at=now,
        )
        return len(rows)


async def mismatched_digests() -> list[int]:
    """Seqs of digest events whose verification log rows no longer hash to what the chain recorded."""
    broken = []
    events = await AuditEvent.select(AuditEvent.seq, AuditEvent.payload).where(AuditEvent.type == DIGEST_TYPE)
    for event in events:
        payload = json.loads(event["payload"])
        rows = (
            await VerificationLog.select()
            .where((VerificationLog.id >= payload["first_log_id"]) & (VerificationLog.id <= payload["last_log_id"]))
            .order_by(VerificationLog.id)
        )
        if len(rows) != payload["count"] or digest_of(rows) != payload["sha256"]:
            broken.append(int(event["seq"]))
    return broken

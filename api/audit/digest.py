"""Verifications enter the audit trail as digests, not one link per phone scan.

Public verifications are frequent and anonymous; linking each into the chain would serialize every scan
of every code behind the chain's lock. Instead each row of the verification log is kept as it is, and
``fold_verifications`` appends one ``verification.digest`` event covering the rows since the last
digest: their id range, count, outcomes and the SHA-256 of their canonical JSON lines, so a row edited or
deleted afterwards no longer matches a signed link. It runs before every checkpoint.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from api.audit.formula import canonical_json, iso_utc
from models.audit_tables import AuditEvent
from models.visit_tables import VerificationLog

DIGEST_TYPE = "verification.digest"
# Retention (``api.audit.retention``): rows up to ``through_id`` — always a digest's last row — were deleted on
# purpose, by an event in the chain; their digests stay as the record of what they were.
PRUNED_TYPE = "verification.pruned"


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


ROW_HASH_CHARS = 8  # per-row fingerprint kept in the digest event, so a verifier can name the row that changed


def row_hash(row: dict[str, Any]) -> str:
    return hashlib.sha256(_line(row).encode()).hexdigest()[:ROW_HASH_CHARS]


def digest_of(rows: list[dict[str, Any]]) -> str:
    """SHA-256 over the rows' canonical JSON lines, each followed by a newline, in id order."""
    sha = hashlib.sha256()
    for row in rows:
        sha.update(_line(row).encode() + b"\n")
    return sha.hexdigest()


@dataclass(frozen=True)
class DigestMismatch:
    seq: int  # the digest event whose rows no longer match
    edited: list[int]  # verification_log ids whose row changed
    deleted: list[int]  # ids the digest covered that are gone
    added: list[int]  # ids inside the covered range that the digest did not cover

    @property
    def detail(self) -> str:
        parts = [
            f"{what} verification_log row(s) {', '.join(map(str, ids))}"
            for what, ids in (("edited", self.edited), ("deleted", self.deleted), ("inserted", self.added))
            if ids
        ]
        covered = "; ".join(parts) or "rows changed (a digest made before per-row fingerprints: the range is known)"
        return f"verification digest at seq {self.seq}: {covered}"


async def digest_mismatches(after_seq: int = 0) -> list[DigestMismatch]:
    """Digest events (after ``after_seq``) whose verification log rows no longer hash to what the chain recorded,
    naming the rows.

    A verify from a checkpoint passes the checkpoint's seq: the digests before it were checked when it was signed,
    so the work follows the rows logged since, not the whole log; a full verify (``after_seq`` 0) reads them all.
    """
    broken = []
    pruned_through = await pruned_through_id()
    events = (
        await AuditEvent.select(AuditEvent.seq, AuditEvent.payload)
        .where((AuditEvent.type == DIGEST_TYPE) & (AuditEvent.seq > after_seq))
        .order_by(AuditEvent.seq)
    )
    for event in events:
        payload = json.loads(event["payload"]) if isinstance(event["payload"], str) else event["payload"]
        if int(payload["last_log_id"]) <= pruned_through:
            continue  # its rows were removed by a recorded retention run
        rows = (
            await VerificationLog.select()
            .where((VerificationLog.id >= payload["first_log_id"]) & (VerificationLog.id <= payload["last_log_id"]))
            .order_by(VerificationLog.id)
        )
        if len(rows) == payload["count"] and digest_of(rows) == payload["sha256"]:
            continue
        recorded = {int(i): h for i, h in payload.get("rows", [])}
        found = {int(r["id"]): row_hash(r) for r in rows}
        broken.append(
            DigestMismatch(
                seq=int(event["seq"]),
                edited=sorted(i for i in found.keys() & recorded.keys() if found[i] != recorded[i]),
                deleted=sorted(recorded.keys() - found.keys()),
                added=sorted(found.keys() - recorded.keys()) if recorded else [],
            )
        )
    return broken


async def pruned_through_id() -> int:
    """The highest verification_log id removed by retention (0: none)."""
    events = await AuditEvent.select(AuditEvent.payload).where(AuditEvent.type == PRUNED_TYPE)
    through = [
        int((json.loads(e["payload"]) if isinstance(e["payload"], str) else e["payload"])["through_id"]) for e in events
    ]
    return max(through, default=0)


async def mismatched_digests() -> list[int]:
    """Seqs of digest events whose verification log rows no longer hash to what the chain recorded."""
    return [m.seq for m in await digest_mismatches()]

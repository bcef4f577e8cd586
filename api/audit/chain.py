"""The tamper-evident event log (全过程记录 / 区块链+公证): append, verify, checkpoints, per-record views.

Every state change appends one link **inside the write transaction of the change**, so the link commits
or rolls back with it. A link is the row ``(seq, at, actor, type, subject, payload, prev_hash, hash)``:

* ``seq`` runs 1, 2, 3 … without gaps; ``prev_hash`` of seq 1 is 64 zeros, of seq n the ``hash`` of seq n−1.
* ``payload`` is stored as canonical JSON of the event's facts (ids, codes, statuses, times).
* canonical JSON = ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
  (keys sorted by Unicode code point, no whitespace, non-ASCII characters unescaped), hashed as UTF-8;
  times are UTC ISO 8601 with six fractional digits (``2026-03-01T02:03:04.000005+00:00``), also for ``at``;
  floats inside payloads are written as text (Python ``repr``) so every language hashes the same bytes;
  ``actor`` and ``subject`` are cut to 64 characters before hashing (the column widths).
* ``hash = sha256_hex(prev_hash + canonical_json({"seq": seq, "at": at, "actor": actor, "type": type,
  "subject": subject, "payload": json.loads(payload)}))`` — ``prev_hash`` is the 64 lower-case hex
  characters, concatenated as text before the JSON, and the digest is 64 lower-case hex characters.
  The stored payload text must itself equal ``canonical_json(json.loads(payload))``.

An outside auditor recomputes every link from a plain ``SELECT * FROM audit_event ORDER BY seq``.

Checkpoints sign ``canonical_json({"seq": n, "head_hash": hash of seq n, "at": time})`` (UTF-8) with a
dedicated Ed25519 key (``<data_dir>/audit_keys``, not the QR key); the signature is base64url without
padding and the public key is in the export's JWK Set. Exported checkpoints anchored outside (a notary,
an RFC 3161 timestamp) make even a rewrite of the whole tail, or of the checkpoint table, evident.

Concurrency: on PostgreSQL ``append`` inserts the event unlinked — a negative placeholder ``seq`` and the
link text split around the seq (``link_prefix``, ``link_suffix``) — and a deferred constraint trigger
(``models.audit_trigger``) links it at COMMIT: it takes ``pg_advisory_xact_lock(ADVISORY_LOCK_KEY)``, reads
the head and sets ``seq``, ``prev_hash``, ``hash`` by the formula above. The lock is held only for the
commit itself, never across a client round trip; ``seq`` is commit order (no forks, no gaps; ``seq`` UNIQUE
is the backstop), ``at`` the moment of the change, so ``at`` need not grow with ``seq``. Nothing outside the
inserting transaction ever sees a placeholder, and ``verify_chain`` reports one as "unlinked". On SQLite
``append`` links in Python: the IMMEDIATE write transaction already holds the database's write lock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from api.audit.digest import digest_mismatches
from api.audit.formula import (
    GENESIS_HASH,
    canonical_json,
    checkpoint_signature_ok,
    iso_utc,
    link_hash,
    link_hash_of_text,
    link_text_around_seq,
    normalize,
    sign_checkpoint,
)
from api.audit.schemas import AuditEventRead, CheckpointRead, VerifyReport
from api.cursor import decode_ids, encode_cursor
from api.errors import RuleViolation
from api.i18n import tr
from api.pagination import Page
from models.audit_tables import AuditCheckpoint, AuditEvent
from models.audit_trigger import CHAIN_LOCK_KEY, PLACEHOLDER_SEQUENCE
from models.db import current_engine, is_postgres, write_transaction
from models.estimates import page_total
from models.fastsql import PrebuiltSQL
from models.tables import Enterprise
from models.visit_tables import Visit
from qr import KeyRing

ADVISORY_LOCK_KEY = CHAIN_LOCK_KEY  # also taken by writers that link in Python (the bulk sample loader)
AUDIT_KEY_DIR = "audit_keys"
EXPORT_FORMAT = "ruqi-audit-checkpoints/1"
YIELD_EVERY = 1000
_LINK_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.at,
    AuditEvent.actor,
    AuditEvent.type,
    AuditEvent.subject,
    AuditEvent.payload,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)
_UNLINKED_INSERT = PrebuiltSQL(
    AuditEvent,
    "INSERT INTO audit_event (seq, at, actor, type, subject, payload, prev_hash, hash, link_prefix, link_suffix) "
    f"VALUES (-nextval('{PLACEHOLDER_SEQUENCE}'), {{}}, {{}}, {{}}, {{}}, {{}}, '', '', {{}}, {{}})",
)


class ChainBroken(RuleViolation):
    code = "audit_chain_broken"


def visit_subject(visit_id: int) -> str:
    return f"visit:{visit_id}"


def enterprise_subject(uscc: str) -> str:
    return f"enterprise:{uscc}"


@lru_cache(maxsize=8)
def audit_keyring(data_dir: Path, now: dt.datetime) -> KeyRing:
    """The dedicated checkpoint key ring, kept apart from the QR signing keys."""
    return KeyRing.load_or_create(data_dir / AUDIT_KEY_DIR, now)


def _ensure_write_transaction() -> None:
    engine = current_engine()
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("audit.append runs inside the write transaction of the change it records")
    if isinstance(engine, SQLiteEngine) and transaction.transaction_type == TransactionType.deferred:
        raise RuntimeError("audit.append on SQLite needs write_transaction() (BEGIN IMMEDIATE)")


async def append(
    event_type: str, actor_name: str, subject: str, payload: Mapping[str, Any], *, at: dt.datetime
) -> None:
    """Append one link to the chain, committed or rolled back with the caller's ``write_transaction()``.

    Returns nothing: on PostgreSQL the link's seq is assigned at COMMIT (see "Concurrency" above).
    """
    _ensure_write_transaction()
    actor, subject, body = actor_name[:64], subject[:64], normalize(payload)
    text = canonical_json(body)
    if is_postgres():
        prefix, suffix = link_text_around_seq(at, actor, event_type, subject, text)
        await _UNLINKED_INSERT.execute(at, actor, event_type, subject, text, prefix, suffix)
        return
    head = await AuditEvent.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq, ascending=False).first()
    seq = int(head["seq"]) + 1 if head else 1
    prev_hash = str(head["hash"]) if head else GENESIS_HASH
    digest = link_hash(prev_hash, seq, at, actor, event_type, subject, body)
    await AuditEvent.insert(
        AuditEvent(
            seq=seq,
            at=at,
            actor=actor,
            type=event_type,
            subject=subject,
            payload=text,
            prev_hash=prev_hash,
            hash=digest,
        )
    )


# -- verification ----------------------------------------------------------------------------------------
def _check_link(row: dict[str, Any], expected_seq: int, prev_hash: str) -> tuple[str, str] | None:
    """(reason, detail) when the row is not the link expected at ``expected_seq`` after ``prev_hash``."""
    if row["seq"] != expected_seq:
        return "gap", f"seq {expected_seq} is missing; the next link is seq {row['seq']}"
    if row["prev_hash"] != prev_hash:
        return "prev_link_mismatch", f"prev_hash {row['prev_hash']} is not the hash of seq {expected_seq - 1}"
    try:
        payload = json.loads(row["payload"])
    except ValueError:
        return "hash_mismatch", "the payload is not JSON"
    if canonical_json(payload) != row["payload"]:
        return "hash_mismatch", "the payload text is not canonical JSON"
    computed = link_hash_of_text(
        prev_hash, row["seq"], row["at"], row["actor"], row["type"], row["subject"], row["payload"]
    )
    if computed != row["hash"]:
        return "hash_mismatch", f"stored hash {row['hash']}, recomputed {computed}"
    return None


async def _checkpoints_by_seq(after_seq: int) -> dict[int, list[dict[str, Any]]]:
    rows = await AuditCheckpoint.select().where(AuditCheckpoint.seq > after_seq).order_by(AuditCheckpoint.id)
    by_seq: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_seq.setdefault(int(row["seq"]), []).append(row)
    return by_seq


def _check_checkpoints(
    checkpoints: list[dict[str, Any]], head_hash: str, jwks: dict[str, Any] | None
) -> tuple[str, str] | None:
    for checkpoint in checkpoints:
        if checkpoint["head_hash"] != head_hash:
            return "checkpoint_mismatch", f"checkpoint {checkpoint['id']} signed head {checkpoint['head_hash']}"
        if jwks is not None and not checkpoint_signature_ok(checkpoint, jwks):
            return "checkpoint_signature", f"checkpoint {checkpoint['id']} has no valid signature"
    return None


async def _anchor_problem(after_seq: int, after_hash: str) -> tuple[str, str] | None:
    """The link a resumed walk starts after must still be there with the hash it was trusted with."""
    if after_seq == 0:
        return None
    row = await AuditEvent.select(AuditEvent.hash).where(AuditEvent.seq == after_seq).first()
    if row is None:
        return "missing", f"seq {after_seq}, covered by a checkpoint, is gone"
    if row["hash"] != after_hash:
        return "checkpoint_mismatch", f"seq {after_seq} no longer has the checkpointed hash {after_hash}"
    return None


async def _unlinked_problem() -> tuple[int, str, str] | None:
    """Committed links have seq >= 1; a row at seq <= 0 is a placeholder the COMMIT trigger never linked."""
    row = (
        await AuditEvent.select(AuditEvent.id, AuditEvent.seq)
        .where(AuditEvent.seq <= 0)
        .order_by(AuditEvent.seq)
        .first()
    )
    if row is None:
        return None
    return row["seq"], "unlinked", f"event id {row['id']} has seq {row['seq']}: it was never linked into the chain"


async def verify_chain(
    now: dt.datetime,
    batch: int = 10_000,
    *,
    keyring: KeyRing | None = None,
    after_seq: int = 0,
    after_hash: str = GENESIS_HASH,
) -> VerifyReport:
    """Re-walk the chain from seq 1 (or from a trusted ``after_seq``/``after_hash``) and check the checkpoints.

    With ``keyring``, checkpoint signatures are checked against its public keys as well.
    """
    started = time.perf_counter()
    pending = await _checkpoints_by_seq(after_seq)
    total_checkpoints = sum(len(v) for v in pending.values())
    jwks = keyring.jwks(now) if keyring else None
    seq, head_hash, checked = after_seq, after_hash, 0

    def report(ok: bool, broken: int | None = None, reason: str | None = None, detail: str = "") -> VerifyReport:
        return VerifyReport(
            ok=ok,
            checked=checked,
            head_seq=seq,
            head_hash=head_hash,
            broken_seq=broken,
            reason=reason,
            detail=detail,
            checkpoints_checked=total_checkpoints - sum(len(v) for v in pending.values()),
            seconds=round(time.perf_counter() - started, 3),
        )

    anchor = await _anchor_problem(after_seq, after_hash)
    if anchor:
        return report(False, after_seq, *anchor)
    unlinked = await _unlinked_problem()
    if unlinked:
        return report(False, *unlinked)
    while True:
        rows = await AuditEvent.select(*_LINK_COLUMNS).where(AuditEvent.seq > seq).order_by(AuditEvent.seq).limit(batch)
        for index, row in enumerate(rows, 1):
            if index % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # hashing is CPU work: let the server answer other requests meanwhile
            problem = _check_link(row, seq + 1, head_hash)
            if problem:
                return report(False, seq + 1, *problem)
            seq, head_hash, checked = row["seq"], row["hash"], checked + 1
            problem = _check_checkpoints(pending.pop(seq, []), head_hash, jwks)
            if problem:
                return report(False, seq, *problem)
        if len(rows) < batch:
            break
    if pending:
        first = min(pending)
        return report(False, seq + 1, "missing", f"a checkpoint covers seq {first} but the chain ends at seq {seq}")
    # The verification log is covered by digest events: an edited or deleted row breaks its digest.
    mismatches = await digest_mismatches(after_seq)
    if mismatches:
        return report(False, mismatches[0].seq, "verification_log_mismatch", "; ".join(m.detail for m in mismatches))
    return report(True)


# -- checkpoints -----------------------------------------------------------------------------------------
async def make_checkpoint(keyring: KeyRing, now: dt.datetime) -> CheckpointRead:
    """Verify the links since the last checkpoint, then sign (seq, head_hash, at) of the current head.

    A broken chain is refused: a signature must never vouch for a tampered log.
    """
    last = await AuditCheckpoint.select().order_by(AuditCheckpoint.seq, ascending=False).first()
    if last is not None and not checkpoint_signature_ok(last, keyring.jwks(now)):
        raise ChainBroken(
            tr("The last checkpoint (seq {last}) has no valid signature.", last=last["seq"]), broken_seq=last["seq"]
        )
    report = await verify_chain(
        now,
        keyring=keyring,
        after_seq=int(last["seq"]) if last else 0,
        after_hash=str(last["head_hash"]) if last else GENESIS_HASH,
    )
    if not report.ok:
        raise ChainBroken(
            tr(
                "The audit chain is broken at seq {broken_seq} ({reason}); no checkpoint was signed.",
                broken_seq=report.broken_seq,
                reason=report.reason,
            ),
            broken_seq=report.broken_seq,
            reason=report.reason,
        )
    at = now
    kid, signature = sign_checkpoint(keyring, report.head_seq, report.head_hash, at)
    row = AuditCheckpoint(seq=report.head_seq, head_hash=report.head_hash, at=at, kid=kid, signature=signature)
    async with write_transaction():
        await AuditCheckpoint.insert(row)
    return CheckpointRead(seq=report.head_seq, head_hash=report.head_hash, at=at, kid=kid, signature=signature)


async def export_checkpoints(keyring: KeyRing, now: dt.datetime) -> dict[str, Any]:
    """Every checkpoint with the public keys and formulas needed to check it, for external anchoring."""
    rows = await AuditCheckpoint.select().order_by(AuditCheckpoint.seq, AuditCheckpoint.id)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": iso_utc(now),
        "genesis_prev_hash": GENESIS_HASH,
        "link_hash": 'sha256_hex(prev_hash + canonical_json({"seq","at","actor","type","subject","payload"}))',
        "signed_message": 'canonical_json({"seq","head_hash","at"}) as UTF-8, Ed25519, base64url without padding',
        "canonical_json": "sorted keys, separators (',', ':'), non-ASCII unescaped, UTF-8",
        "keys": keyring.jwks(now),
        "checkpoints": [
            {
                "seq": r["seq"],
                "head_hash": r["head_hash"],
                "at": iso_utc(r["at"]),
                "kid": r["kid"],
                "signature": r["signature"],
            }
            for r in rows
        ],
    }


# -- views -----------------------------------------------------------------------------------------------
async def _subjects(subject: str) -> list[str]:
    """An enterprise's view also holds the events of its visits."""
    if not subject.startswith("enterprise:"):
        return [subject]
    uscc = subject.split(":", 1)[1]
    visits = await Visit.select(Visit.id).where(
        Visit.enterprise.is_in(Enterprise.select(Enterprise.id).where(Enterprise.uscc == uscc))
    )
    return [subject, *(visit_subject(r["id"]) for r in visits)]


async def events_for(
    subject: str | None, limit: int = 100, offset: int = 0, event_type: str | None = None, after: str | None = None
) -> Page[AuditEventRead]:
    """Events of one subject ("visit:12", "enterprise:<USCC>" with its visits, …) or of all, oldest first.

    ``after`` (a page's ``next_after``) continues after that page's last seq.
    """
    query = AuditEvent.select(*_LINK_COLUMNS)
    count = AuditEvent.count()
    conditions: list[Any] = []
    if subject:
        conditions.append(AuditEvent.subject.is_in(await _subjects(subject)))
    if event_type:
        conditions.append(AuditEvent.type == event_type)
    for condition in conditions:
        query, count = query.where(condition), count.where(condition)
    if after is not None:
        query = query.where(AuditEvent.seq > decode_ids(after)[0])
    rows = await query.order_by(AuditEvent.seq).limit(limit).offset(offset)
    events = [AuditEventRead(**{**r, "payload": json.loads(r["payload"])}) for r in rows]
    total, exact = await page_total(AuditEvent, count, filtered=bool(conditions))
    following = encode_cursor(rows[-1]["seq"]) if len(rows) == limit else None
    return Page(events, total, limit, offset, following, exact)

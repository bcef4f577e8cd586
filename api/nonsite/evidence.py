"""Evidence files of non-site records: idempotent, hash-checked uploads and access to the files.

The client computes the SHA-256 of the file it sends; the server hashes what arrives and refuses a
mismatch. That hash identifies the upload (``Evidence.sha256``): the same file uploaded again — to
the same record or another — is the same evidence row and the same file on disk. Images are kept
re-encoded without location/device metadata, so the kept bytes have their own hash
(``Evidence.stored_sha256``), which names the file in the store (see ``evidence_store``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from api.nonsite.evidence_media import clean_image, sanitize_filename, sniff
from api.nonsite.evidence_store import EvidenceStore, Staged
from api.nonsite.reads import evidence_read, visibility, visible_record_row
from api.nonsite.schemas import EvidenceRead
from models.db import write_transaction
from models.enums import Role
from models.nonsite_tables import Evidence, NonsiteRecord, RecordEvidence

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class KeptFile:
    path: Path
    media_type: str
    filename: str


@dataclass(frozen=True)
class Upload:
    evidence: EvidenceRead
    created: bool  # a new evidence row (False: the same file was known already)


def normalize_sha256(*claimed: str | None) -> str:
    """The announced hash (form field and/or ``X-Content-SHA256`` header, which must agree)."""
    given = {c.strip().lower() for c in claimed if c and c.strip()}
    if not given:
        raise InvalidInput(
            "Send the file's SHA-256 (form field 'sha256' or header X-Content-SHA256).",
            code="sha256_required",
            field="sha256",
        )
    if len(given) > 1:
        raise InvalidInput(
            "The form field 'sha256' and the header X-Content-SHA256 disagree.", code="sha256_conflict", field="sha256"
        )
    value = given.pop()
    if not _SHA256.fullmatch(value):
        raise InvalidInput("A SHA-256 is 64 hexadecimal digits.", code="sha256_invalid", field="sha256")
    return value


def _ensure_can_add(actor: Actor, record: dict[str, Any]) -> None:
    if actor.is_admin:
        return
    if actor.role == Role.planner and actor.unit_id == record["unit"]:
        return
    if actor.role == Role.inspector and actor.inspector_id == record["operator"]:
        return
    raise Forbidden("Evidence is added by the record's operator or its unit's planner.", code="not_your_record")


def _ingest(store: EvidenceStore, staged: Staged, filename: str, actor: Actor, now: dt.datetime) -> Evidence:
    """Keep the file (images cleaned first, with a thumbnail): blocking work, run in a thread."""
    image = clean_image(staged.path)
    if image is None:
        with staged.path.open("rb") as fh:
            media_type = sniff(fh.read(64))
        kept, thumbnail, captured_at = store.keep_file(staged), None, None
    else:
        media_type, captured_at = image.media_type, image.captured_at
        kept, thumbnail = store.keep_bytes(image.data), store.keep_bytes(image.thumbnail).relative
    return Evidence(
        sha256=staged.sha256,
        stored_sha256=kept.sha256,
        media_type=media_type,
        size=staged.size,
        stored_size=kept.size,
        original_filename=filename,
        stored_path=kept.relative,
        thumbnail_path=thumbnail,
        captured_at=captured_at,
        uploaded_by=actor.username,
        uploaded_at=now,
    )


async def _evidence_row(sha256: str) -> dict[str, Any] | None:
    return await Evidence.select().where(Evidence.sha256 == sha256).first()


async def _insert(row: Evidence) -> tuple[dict[str, Any], bool]:
    """Insert the evidence row unless a concurrent upload of the same file did (then use that one)."""
    async with write_transaction():
        inserted = (
            await Evidence.insert(row).on_conflict(target=Evidence.sha256, action="DO NOTHING").returning(Evidence.id)
        )
        if inserted:
            await audit.append(
                "nonsite.evidence_stored",
                row.uploaded_by,
                f"evidence:{inserted[0]['id']}",
                {
                    "evidence_id": inserted[0]["id"],
                    "sha256": row.sha256,
                    "stored_size": row.stored_size,
                    "stored_path": row.stored_path,
                    "captured_at": row.captured_at,
                },
                at=row.uploaded_at,
            )
    existing = await _evidence_row(row.sha256)
    assert existing is not None
    return existing, bool(inserted)


async def _link(record_id: int, evidence_id: int, actor: Actor, now: dt.datetime) -> None:
    async with write_transaction():
        linked = (
            await RecordEvidence.insert(
                RecordEvidence(
                    record=record_id,
                    evidence=evidence_id,
                    link_key=f"{record_id}:{evidence_id}",
                    added_by=actor.username,
                    added_at=now,
                )
            )
            .on_conflict(target=RecordEvidence.link_key, action="DO NOTHING")
            .returning(RecordEvidence.id)
        )
        if linked:
            sha = await Evidence.select(Evidence.sha256).where(Evidence.id == evidence_id).first()
            await audit.append(
                "nonsite.evidence_linked",
                actor.username,
                f"nonsite-record:{record_id}",
                {"record_id": record_id, "evidence_id": evidence_id, "sha256": sha["sha256"] if sha else None},
                at=now,
            )


async def add_evidence(
    actor: Actor,
    record_id: int,
    chunks: AsyncIterator[bytes],
    *,
    filename: str | None,
    claimed_sha256: str,
    store: EvidenceStore,
    max_bytes: int,
    now: dt.datetime,
) -> Upload:
    """Receive a file for a record; idempotent by the file's hash."""
    record = await visible_record_row(actor, record_id)
    _ensure_can_add(actor, record)
    row, created = await receive_file(
        actor, chunks, filename=filename, claimed_sha256=claimed_sha256, store=store, max_bytes=max_bytes, now=now
    )
    await _link(record_id, row["id"], actor, now)
    return Upload(evidence=evidence_read(row), created=created)


async def receive_file(
    actor: Actor,
    chunks: AsyncIterator[bytes],
    *,
    filename: str | None,
    claimed_sha256: str,
    store: EvidenceStore,
    max_bytes: int,
    now: dt.datetime,
) -> tuple[dict[str, Any], bool]:
    """Stage, check the announced hash and keep a file (once per hash): its evidence row and whether it is new.
    Shared with on-site visits' evidence (``api.visits.evidence``)."""
    staged = await store.stage(chunks, max_bytes)
    try:
        if staged.sha256 != claimed_sha256:
            raise RuleViolation(
                "The file that arrived does not have the SHA-256 the client announced; it was not kept.",
                code="hash_mismatch",
                field="sha256",
                announced_sha256=claimed_sha256,
                received_sha256=staged.sha256,
            )
        row = await _evidence_row(staged.sha256)
        created = False
        if row is None:
            fresh = await asyncio.to_thread(_ingest, store, staged, sanitize_filename(filename), actor, now)
            row, created = await _insert(fresh)
    finally:
        staged.discard()
    return row, created


async def kept_file(actor: Actor, sha256: str, store: EvidenceStore, *, thumbnail: bool = False) -> KeptFile:
    """The file (or its thumbnail) of evidence attached to at least one record the actor may see."""
    sha256 = sha256.lower()
    missing = NotFound(f"Evidence {sha256} does not exist.", code="evidence_not_found")
    row = await _evidence_row(sha256) if _SHA256.fullmatch(sha256) else None
    if row is None:
        raise missing
    records = RecordEvidence.select(RecordEvidence.record).where(RecordEvidence.evidence == row["id"])
    query = NonsiteRecord.exists().where(NonsiteRecord.id.is_in(records))
    if (condition := visibility(actor)) is not None:
        query = query.where(condition)
    if not await query:
        raise missing
    if thumbnail:
        if row["thumbnail_path"] is None:
            raise NotFound("This evidence has no thumbnail (it is not an image).", code="thumbnail_not_found")
        stem = row["original_filename"].rsplit(".", 1)[0] or "file"
        return KeptFile(store.path_of(row["thumbnail_path"]), "image/jpeg", f"{stem}.thumb.jpg")
    return KeptFile(store.path_of(row["stored_path"]), row["media_type"], row["original_filename"])

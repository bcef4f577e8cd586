"""Evidence files: idempotent, hash-checked uploads kept in the content-addressed store, for any domain.

The client computes the SHA-256 of the file it sends; the server hashes what arrives and refuses a
mismatch. That hash identifies the upload (``Evidence.sha256``): the same file uploaded again — to the
same record or visit, or another — is the same evidence row and the same file in the store. Images are
kept re-encoded without location/device metadata, so the kept bytes have their own hash
(``Evidence.stored_sha256``), which names the file in the store (see ``api.evidence.store``). Non-site
records (``api.nonsite.evidence``) and on-site visits (``api.visits.evidence``) link evidence to themselves
and decide who may add and see it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import InvalidInput, NotFound, RuleViolation
from api.evidence.media import clean_image, sanitize_filename, sniff
from api.evidence.schemas import EvidenceRead
from api.evidence.store import EvidenceStore, Staged
from api.i18n import tr
from api.offload import run_in_pool
from models.db import write_transaction
from models.nonsite_tables import Evidence

SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class KeptFile:
    path: Path
    media_type: str
    filename: str


def normalize_sha256(*claimed: str | None) -> str:
    """The announced hash (form field and/or ``X-Content-SHA256`` header, which must agree)."""
    given = {c.strip().lower() for c in claimed if c and c.strip()}
    if not given:
        raise InvalidInput(
            tr("Send the file's SHA-256 (form field 'sha256' or header X-Content-SHA256)."),
            code="sha256_required",
            field="sha256",
        )
    if len(given) > 1:
        raise InvalidInput(
            tr("The form field 'sha256' and the header X-Content-SHA256 disagree."),
            code="sha256_conflict",
            field="sha256",
        )
    value = given.pop()
    if not SHA256.fullmatch(value):
        raise InvalidInput(tr("A SHA-256 is 64 hexadecimal digits."), code="sha256_invalid", field="sha256")
    return value


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


async def evidence_row(sha256: str) -> dict[str, Any] | None:
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
    existing = await evidence_row(row.sha256)
    assert existing is not None
    return existing, bool(inserted)


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
    Non-site records and on-site visits link it to themselves."""
    staged = await store.stage(chunks, max_bytes)
    try:
        if staged.sha256 != claimed_sha256:
            raise RuleViolation(
                tr("The file that arrived does not have the SHA-256 the client announced; it was not kept."),
                code="hash_mismatch",
                field="sha256",
                announced_sha256=claimed_sha256,
                received_sha256=staged.sha256,
            )
        row = await evidence_row(staged.sha256)
        created = False
        if row is None:
            # Decoding and re-encoding an image: in the bounded ``heavy`` pool, never on the event loop.
            fresh = await run_in_pool("heavy", _ingest, store, staged, sanitize_filename(filename), actor, now)
            await store.share(fresh.stored_path, fresh.thumbnail_path)  # before any machine can see the row
            row, created = await _insert(fresh)
    finally:
        staged.discard()
    return row, created


def evidence_read(row: dict[str, Any], url: str) -> EvidenceRead:
    """The evidence row as the API shows it, fetched at ``url`` (and its thumbnail at ``url``/thumbnail)."""
    return EvidenceRead(
        sha256=row["sha256"],
        stored_sha256=row["stored_sha256"],
        media_type=row["media_type"],
        size=row["size"],
        stored_size=row["stored_size"],
        filename=row["original_filename"],
        captured_at=row["captured_at"],
        has_thumbnail=row["thumbnail_path"] is not None,
        uploaded_by=row["uploaded_by"],
        uploaded_at=row["uploaded_at"],
        url=url,
        thumbnail_url=f"{url}/thumbnail" if row["thumbnail_path"] is not None else None,
    )


async def known_evidence(sha256: str) -> dict[str, Any] | None:
    """The evidence row of a well-formed hash, or None."""
    sha256 = sha256.lower()
    return await evidence_row(sha256) if SHA256.fullmatch(sha256) else None


async def kept(row: dict[str, Any], store: EvidenceStore, *, thumbnail: bool = False) -> KeptFile:
    """Where an evidence row's file (or its JPEG thumbnail) is, with its media type and a download name."""
    if thumbnail:
        if row["thumbnail_path"] is None:
            raise NotFound(tr("This evidence has no thumbnail (it is not an image)."), code="thumbnail_not_found")
        stem = row["original_filename"].rsplit(".", 1)[0] or "file"
        return KeptFile(await store.local_path(row["thumbnail_path"]), "image/jpeg", f"{stem}.thumb.jpg")
    return KeptFile(await store.local_path(row["stored_path"]), row["media_type"], row["original_filename"])

"""Evidence of non-site records: who may add a file to a record, linking it, and who may fetch it.

Receiving and keeping the file (hash check, image cleaning, the store) is shared with on-site visits:
``api.evidence.files``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Forbidden, NotFound
from api.evidence.files import KeptFile, kept, known_evidence, receive_file
from api.evidence.schemas import EvidenceRead
from api.evidence.store import EvidenceStore
from api.i18n import tr
from api.nonsite.reads import evidence_read, visibility, visible_record_row
from models.db import write_transaction
from models.enums import Role
from models.nonsite_tables import Evidence, NonsiteRecord, RecordEvidence


@dataclass(frozen=True)
class Upload:
    evidence: EvidenceRead
    created: bool  # a new evidence row (False: the same file was known already)


def _ensure_can_add(actor: Actor, record: dict[str, Any]) -> None:
    if actor.is_admin:
        return
    if actor.role == Role.planner and actor.unit_id == record["unit"]:
        return
    if actor.role == Role.inspector and actor.inspector_id == record["operator"]:
        return
    raise Forbidden(tr("Evidence is added by the record's operator or its unit's planner."), code="not_your_record")


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


async def kept_file(actor: Actor, sha256: str, store: EvidenceStore, *, thumbnail: bool = False) -> KeptFile:
    """The file (or its thumbnail) of evidence attached to at least one record the actor may see."""
    missing = NotFound(tr("Evidence {sha256} does not exist.", sha256=sha256.lower()), code="evidence_not_found")
    row = await known_evidence(sha256)
    if row is None:
        raise missing
    records = RecordEvidence.select(RecordEvidence.record).where(RecordEvidence.evidence == row["id"])
    query = NonsiteRecord.exists().where(NonsiteRecord.id.is_in(records))
    if (condition := visibility(actor)) is not None:
        query = query.where(condition)
    if not await query:
        raise missing
    return kept(row, store, thumbnail=thumbnail)

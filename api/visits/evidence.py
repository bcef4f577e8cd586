"""Photos and files of an on-site visit: the inspector's phone uploads them with its own SHA-256 (at check-out,
or later from its offline outbox). Kept in the same content-addressed store as non-site evidence.

Idempotent by the file's hash: the same file sent again (a retried outbox item) is the same evidence, attached
to the visit once. Only an inspector named on the visit adds evidence, while the visit is checked in or after
it was checked out (a phone that was offline sends its photos after the check-out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Forbidden, NotFound, RuleViolation
from api.evidence.files import KeptFile, evidence_read, kept, receive_file
from api.evidence.schemas import EvidenceRead
from api.evidence.store import EvidenceStore
from api.i18n import tr
from api.visits.reads import visible_visit_row, visit_inspector_ids
from models.db import write_transaction
from models.enums import Role, VisitStatus
from models.nonsite_tables import Evidence, VisitEvidence

EVIDENCE_URL = "/api/v1/visits/{visit_id}/evidence/{sha256}"
_OPEN_FOR_EVIDENCE = (VisitStatus.checked_in.value, VisitStatus.checked_out.value)


def _read(visit_id: int, row: dict[str, Any]) -> EvidenceRead:
    return evidence_read(row, EVIDENCE_URL.format(visit_id=visit_id, sha256=row["sha256"]))


async def add_visit_evidence(
    actor: Actor,
    visit_id: int,
    chunks: AsyncIterator[bytes],
    *,
    filename: str | None,
    claimed_sha256: str,
    store: EvidenceStore,
    max_bytes: int,
    now: dt.datetime,
) -> tuple[EvidenceRead, bool]:
    """The evidence and whether it is newly attached to this visit (False: a resend of the same file)."""
    visit = await visible_visit_row(actor, visit_id)
    if actor.role != Role.inspector or actor.inspector_id not in await visit_inspector_ids(visit_id):
        raise Forbidden(tr("Only the inspectors named on the visit add its evidence."), code="not_on_visit")
    if visit["status"] not in _OPEN_FOR_EVIDENCE:
        raise RuleViolation(
            tr("Evidence is added to a visit once it is checked in: scan the enterprise code first."),
            code="visit_not_checked_in",
        )
    row, _ = await receive_file(
        actor, chunks, filename=filename, claimed_sha256=claimed_sha256, store=store, max_bytes=max_bytes, now=now
    )
    async with write_transaction():
        linked = (
            await VisitEvidence.insert(
                VisitEvidence(
                    visit=visit_id,
                    evidence=row["id"],
                    link_key=f"{visit_id}:{row['id']}",
                    added_by=actor.username,
                    added_at=now,
                )
            )
            .on_conflict(target=VisitEvidence.link_key, action="DO NOTHING")
            .returning(VisitEvidence.id)
        )
        if linked:
            await audit.append(
                "visit_evidence",
                actor.username,
                audit.visit_subject(visit_id),
                {"visit_id": visit_id, "sha256": row["sha256"], "media_type": row["media_type"], "size": row["size"]},
                at=now,
            )
    return _read(visit_id, row), bool(linked)


async def list_visit_evidence(actor: Actor, visit_id: int) -> list[EvidenceRead]:
    await visible_visit_row(actor, visit_id)
    ids = VisitEvidence.select(VisitEvidence.evidence).where(VisitEvidence.visit == visit_id)
    rows = await Evidence.select().where(Evidence.id.is_in(ids)).order_by(Evidence.id)
    return [_read(visit_id, row) for row in rows]


async def visit_evidence_file(
    actor: Actor, visit_id: int, sha256: str, store: EvidenceStore, *, thumbnail: bool = False
) -> KeptFile:
    await visible_visit_row(actor, visit_id)
    sha256 = sha256.lower()
    ids = VisitEvidence.select(VisitEvidence.evidence).where(VisitEvidence.visit == visit_id)
    row = await Evidence.select().where((Evidence.sha256 == sha256) & Evidence.id.is_in(ids)).first()
    if row is None:
        message = tr("Visit {visit_id} has no evidence {sha256}.", visit_id=visit_id, sha256=sha256)
        raise NotFound(message, code="evidence_not_found")
    return await kept(row, store, thumbnail=thumbnail)

"""Files attached to a 容错纠错 case (调查材料, 陈述申辩, 整改材料): kept in the evidence store, listed on the case.

The supervisor or the unit concerned uploads a file with its SHA-256; it is kept once in the content-addressed
store (``api.evidence``) and recorded on the case as an ``attachment`` event. Any later step, statement, report
or document answer may then name it among its ``attachments``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

from api.actor import Actor
from api.errors import NotFound
from api.evidence.files import KeptFile, evidence_read, kept, known_evidence, receive_file
from api.evidence.schemas import EvidenceRead
from api.evidence.store import EvidenceStore
from api.i18n import tr
from api.supervision.cases import case_row, ensure_unit_of, note_on_case
from models.db import write_transaction
from models.supervision_tables import CaseEvent
from models.values import json_list

ATTACHMENT_URL = "/api/v1/supervision/cases/{case_id}/attachments/{sha256}"


async def add_attachment(
    actor: Actor,
    case_id: int,
    chunks: AsyncIterator[bytes],
    *,
    filename: str | None,
    claimed_sha256: str,
    store: EvidenceStore,
    max_bytes: int,
    now: dt.datetime,
) -> EvidenceRead:
    row = await case_row(actor, case_id)
    ensure_unit_of(actor, row)
    evidence, _ = await receive_file(
        actor, chunks, filename=filename, claimed_sha256=claimed_sha256, store=store, max_bytes=max_bytes, now=now
    )
    async with write_transaction():
        await note_on_case(
            case_id, "attachment", actor.username, now, evidence["original_filename"], attachments=[evidence["sha256"]]
        )
    return evidence_read(evidence, ATTACHMENT_URL.format(case_id=case_id, sha256=evidence["sha256"]))


async def attachment_file(actor: Actor, case_id: int, sha256: str, store: EvidenceStore) -> KeptFile:
    await case_row(actor, case_id)  # another unit's case: 404
    events = await CaseEvent.select(CaseEvent.attachments).where(CaseEvent.case == case_id)
    named = {str(a) for e in events for a in json_list(e["attachments"])}
    row = await known_evidence(sha256)
    if row is None or row["sha256"] not in named:
        raise NotFound(tr("No such file on this case."), code="attachment_not_found")
    return await kept(row, store)

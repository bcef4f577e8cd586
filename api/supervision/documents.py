"""执法监督 documents and actions: 意见书, 决定书, 约谈, 通报, 督办 and the hand-over of a case to 纪检监察.

The Jinan opinions (seeds/002: 制发行政执法监督意见书和决定书, 核查督办, 暗访约谈, 与纪委监委机关…案件函告) and the
实施办法 (第十八条: 对违法或不当行政执法行为制发《行政执法监督意见书》; 第十三条: 商请纪检监察机关). The supervisor
issues a document to a unit; 意见书, 决定书 and 督办 carry a response deadline and the unit answers through the API
(``respond``); an answer still missing after its deadline is overdue. Issuing and answering are audited
(``document.issued``, ``document.responded``) and, when the document names a case, recorded on the case.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Forbidden, NotFound, RuleViolation
from api.i18n import tr
from api.supervision import rules
from api.supervision.cases import SUPERVISING, UNIT_ROLES, checked_attachments, note_on_case
from api.supervision.schemas import DocumentCreate, DocumentRead, DocumentResponse
from models.db import write_transaction
from models.enums import DocumentKind
from models.supervision_tables import SupervisionCase, SupervisionDocument
from models.tables import Unit
from models.values import json_list


def _read(row: dict[str, Any], now: dt.datetime) -> DocumentRead:
    kind = DocumentKind(row["kind"])
    return DocumentRead(
        id=row["id"],
        number=rules.document_number(kind, row["issued_at"], row["id"]),
        kind=kind,
        kind_text=rules.DOCUMENT_TITLES[kind],
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        case_id=row["case"],
        title=row["title"],
        findings=row["findings"],
        requirements=row["requirements"],
        recipient=row["recipient"],
        held_at=row["held_at"],
        response_due_at=row["response_due_at"],
        issued_by=row["issued_by"],
        issued_at=row["issued_at"],
        response=row["response"],
        response_attachments=[str(a) for a in json_list(row["response_attachments"])],
        responded_by=row["responded_by"],
        responded_at=row["responded_at"],
        overdue=rules.document_overdue(kind, row["response_due_at"], row["responded_at"], now),
    )


def _select() -> Any:
    return SupervisionDocument.select(
        *SupervisionDocument.all_columns(),
        SupervisionDocument.unit._.code.as_alias("unit_code"),
        SupervisionDocument.unit._.name.as_alias("unit_name"),
    )


def _visible(actor: Actor) -> Any:
    if actor.sees_everything:
        return None
    if actor.role in UNIT_ROLES and actor.unit_id is not None:
        return SupervisionDocument.unit == actor.unit_id
    raise Forbidden(tr("Only the supervision body and the unit concerned read a document."))


async def _row(actor: Actor, document_id: int) -> dict[str, Any]:
    query = _select().where(SupervisionDocument.id == document_id)
    condition = _visible(actor)
    if condition is not None:
        query = query.where(condition)
    row: dict[str, Any] | None = await query.first()
    if row is None:
        raise NotFound(tr("No such document."), code="document_not_found")
    return row


async def issue(actor: Actor, data: DocumentCreate, now: dt.datetime) -> DocumentRead:
    if actor.role not in SUPERVISING:
        raise Forbidden(tr("Documents are issued by the supervision body (司法局)."))
    rules.check_document(data.kind, data.response_due_at, data.held_at, data.case_id, now)
    async with write_transaction():
        unit = await Unit.select(Unit.id).where(Unit.code == data.unit_code).first()
        if unit is None:
            raise NotFound(tr("Unknown unit {code}.", code=data.unit_code), code="unit_not_found", field="unit_code")
        if data.case_id is not None and not await SupervisionCase.exists().where(SupervisionCase.id == data.case_id):
            raise NotFound(tr("No such case."), code="case_not_found", field="case_id")
        inserted = await SupervisionDocument.insert(
            SupervisionDocument(
                kind=data.kind.value,
                unit=unit["id"],
                case=data.case_id,
                title=data.title,
                findings=data.findings,
                requirements=data.requirements,
                recipient=data.recipient,
                held_at=data.held_at,
                response_due_at=data.response_due_at if data.kind in rules.RESPONSE_KINDS else None,
                issued_by=actor.username,
                issued_at=now,
            )
        ).returning(SupervisionDocument.id)
        document_id = int(inserted[0]["id"])
        number = rules.document_number(data.kind, now, document_id)
        await audit.append(
            "document.issued",
            actor.username,
            f"document:{document_id}",
            {
                "document_id": document_id,
                "number": number,
                "kind": data.kind.value,
                "unit": data.unit_code,
                "case_id": data.case_id,
                "title": data.title,
                "findings": data.findings,
                "requirements": data.requirements,
                "recipient": data.recipient,
                "response_due_at": data.response_due_at,
                "at": now,
            },
            at=now,
        )
        if data.case_id is not None:
            await note_on_case(data.case_id, f"doc.{data.kind.value}", actor.username, now, number)
    return await read(actor, document_id, now)


async def respond(actor: Actor, document_id: int, data: DocumentResponse, now: dt.datetime) -> DocumentRead:
    async with write_transaction():
        row = await _row(actor, document_id)
        if actor.role not in SUPERVISING and (actor.role not in UNIT_ROLES or actor.unit_id != row["unit"]):
            raise Forbidden(tr("Only the unit concerned answers a document."), code="not_your_unit")
        kind = DocumentKind(row["kind"])
        if kind not in rules.RESPONSE_KINDS:
            raise RuleViolation(tr("Only 意见书, 决定书 and 督办 are answered."), code="no_response_expected")
        files = await checked_attachments(data.attachments)
        updated = (
            await SupervisionDocument.update(
                {
                    SupervisionDocument.response: data.response,
                    SupervisionDocument.response_attachments: json.dumps(files),
                    SupervisionDocument.responded_by: actor.username,
                    SupervisionDocument.responded_at: now,
                }
            )
            .where((SupervisionDocument.id == document_id) & SupervisionDocument.responded_at.is_null())
            .returning(SupervisionDocument.id)
        )
        if not updated:
            raise RuleViolation(tr("This document was answered already."), code="already_responded")
        late = rules.document_overdue(kind, row["response_due_at"], None, now)
        await audit.append(
            "document.responded",
            actor.username,
            f"document:{document_id}",
            {"document_id": document_id, "response": data.response, "attachments": files, "late": late, "at": now},
            at=now,
        )
        if row["case"] is not None:
            await note_on_case(row["case"], "doc.responded", actor.username, now, data.response)
    return await read(actor, document_id, now)


async def read(actor: Actor, document_id: int, now: dt.datetime) -> DocumentRead:
    return _read(await _row(actor, document_id), now)


async def list_documents(
    actor: Actor,
    now: dt.datetime,
    *,
    kind: DocumentKind | None = None,
    overdue: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[DocumentRead], int]:
    query = _select().order_by(SupervisionDocument.id, ascending=False)
    condition = _visible(actor)
    if condition is not None:
        query = query.where(condition)
    if kind is not None:
        query = query.where(SupervisionDocument.kind == kind.value)
    if overdue:
        query = query.where(
            SupervisionDocument.responded_at.is_null()
            & SupervisionDocument.response_due_at.is_not_null()
            & (SupervisionDocument.response_due_at < now)
        )
    rows = [_read(r, now) for r in await query]
    return rows[offset : offset + limit], len(rows)

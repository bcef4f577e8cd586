"""Reading non-site records back, and who may see them.

Supervisors and admins see every record; unit roles (planner, approver, inspector) their unit's;
an enterprise the records about itself. A record the actor may not see does not exist for them (404).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.actor import Actor
from api.cursor import decode_time_and_id, encode_cursor
from api.errors import NotFound
from api.evidence.files import evidence_read as shared_evidence_read
from api.evidence.schemas import EvidenceRead
from api.i18n import tr
from api.nonsite import geojson
from api.nonsite.schemas import ItemRef, OperatorRead, RecordRead
from api.pagination import Page
from models.enums import Role
from models.estimates import page_total
from models.nonsite_tables import Evidence, NonsiteRecord, NonsiteRecordItem, RecordEvidence

EVIDENCE_URL = "/api/v1/nonsite/evidence/{sha256}"


def visibility(actor: Actor) -> Any | None:
    """The condition on ``NonsiteRecord`` rows the actor may see; ``None`` when they see everything."""
    if actor.sees_everything:
        return None
    if actor.role == Role.enterprise:
        return NonsiteRecord.enterprise._.uscc == (actor.uscc or "")
    return NonsiteRecord.unit == (actor.unit_id if actor.is_unit_role and actor.unit_id is not None else -1)


async def visible_record_row(actor: Actor, record_id: int) -> dict[str, Any]:
    query = NonsiteRecord.select().where(NonsiteRecord.id == record_id)
    if (condition := visibility(actor)) is not None:
        query = query.where(condition)
    row = await query.first()
    if row is None:
        raise NotFound(tr("Non-site record {record_id} does not exist.", record_id=record_id), code="record_not_found")
    return row


def evidence_read(row: dict[str, Any]) -> EvidenceRead:
    """A non-site evidence row, fetched at ``/api/v1/nonsite/evidence/{sha256}``."""
    return shared_evidence_read(row, EVIDENCE_URL.format(sha256=row["sha256"]))


_COLUMNS = (
    *NonsiteRecord.all_columns(),
    NonsiteRecord.unit._.code.as_alias("unit_code"),
    NonsiteRecord.asset._.code.as_alias("asset_code"),
    NonsiteRecord.operator._.name.as_alias("operator_name"),
    NonsiteRecord.operator._.cert_no.as_alias("operator_cert_no"),
    NonsiteRecord.enterprise._.uscc.as_alias("uscc"),
    NonsiteRecord.enterprise._.name.as_alias("enterprise_name"),
)


async def assemble(rows: list[dict[str, Any]]) -> list[RecordRead]:
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    items: dict[int, list[ItemRef]] = {i: [] for i in ids}
    for r in await NonsiteRecordItem.select(
        NonsiteRecordItem.record,
        NonsiteRecordItem.item._.code.as_alias("code"),
        NonsiteRecordItem.item._.name.as_alias("name"),
    ).where(NonsiteRecordItem.record.is_in(ids)):
        items[r["record"]].append(ItemRef(code=r["code"], name=r["name"]))
    evidence: dict[int, list[EvidenceRead]] = {i: [] for i in ids}
    links = await RecordEvidence.select(RecordEvidence.record, RecordEvidence.evidence).where(
        RecordEvidence.record.is_in(ids)
    )
    if links:
        found = {e["id"]: e for e in await Evidence.select().where(Evidence.id.is_in([x["evidence"] for x in links]))}
        for link in sorted(links, key=lambda x: found[x["evidence"]]["uploaded_at"]):
            evidence[link["record"]].append(evidence_read(found[link["evidence"]]))
    return [
        RecordRead(
            id=r["id"],
            mode=r["mode"],
            unit_code=r["unit_code"],
            asset_code=r["asset_code"],
            operator=OperatorRead(id=r["operator"], name=r["operator_name"], cert_no=r["operator_cert_no"]),
            started_at=r["started_at"],
            ended_at=r["ended_at"],
            geometry=geojson.loads(r["geometry"]),
            uscc=r["uscc"],
            enterprise_name=r["enterprise_name"],
            items=sorted(items[r["id"]], key=lambda i: i.code),
            findings=r["findings"],
            result=r["result"],
            triggered_visit_id=r["triggered_visit"],
            created_by=r["created_by"],
            created_at=r["created_at"],
            sample=r["sample"],
            evidence=evidence[r["id"]],
        )
        for r in rows
    ]


async def read_record(actor: Actor, record_id: int) -> RecordRead:
    await visible_record_row(actor, record_id)
    row = await NonsiteRecord.select(*_COLUMNS).where(NonsiteRecord.id == record_id).first()
    assert row is not None
    return (await assemble([row]))[0]


async def list_records(
    actor: Actor,
    *,
    unit_code: str | None = None,
    uscc: str | None = None,
    mode: str | None = None,
    result: str | None = None,
    started_from: dt.datetime | None = None,
    started_to: dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
    after: str | None = None,
) -> Page[RecordRead]:
    """Newest first (ties by id); ``after`` (a page's ``next_after``) continues where that page ended."""
    conditions: list[Any] = []
    if (condition := visibility(actor)) is not None:
        conditions.append(condition)
    if unit_code:
        conditions.append(NonsiteRecord.unit._.code == unit_code)
    if uscc:
        conditions.append(NonsiteRecord.enterprise._.uscc == uscc)
    if mode:
        conditions.append(NonsiteRecord.mode == mode)
    if result:
        conditions.append(NonsiteRecord.result == result)
    if started_from:
        conditions.append(NonsiteRecord.started_at >= started_from)
    if started_to:
        conditions.append(NonsiteRecord.started_at < started_to)
    query = NonsiteRecord.select(*_COLUMNS).order_by(NonsiteRecord.started_at, NonsiteRecord.id, ascending=False)
    count = NonsiteRecord.count()
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    if after is not None:
        last_start, last_id = decode_time_and_id(after)
        # The plain bound lets the index on started_at start the scan at the cursor; the OR alone read from the top.
        query = query.where(NonsiteRecord.started_at <= last_start).where(
            (NonsiteRecord.started_at < last_start) | (NonsiteRecord.id < last_id)
        )
    rows = await query.limit(limit).offset(offset)
    total, exact = await page_total(NonsiteRecord, count, filtered=bool(conditions))
    following = encode_cursor(rows[-1]["started_at"], rows[-1]["id"]) if len(rows) == limit else None
    return Page(await assemble(rows), total, limit, offset, following, exact)

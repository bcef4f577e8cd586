"""Non-site inspection records (非现场检查), and turning a finding into an on-site visit.

A record counts as an inspection that did not disturb the enterprise. Its finding is the lawful
trigger ("data or non-site monitoring") of an on-site visit, also for a 无事不扰 item; the visit is
filed through the ordinary filing service, which applies every filing rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.clock import LOCAL_TZ
from api.context import ServiceContext
from api.errors import Conflict, Forbidden, NotFound, RuleViolation
from api.i18n import tr
from api.nonsite import geojson
from api.nonsite.assets import asset_row
from api.nonsite.reads import read_record, visible_record_row
from api.nonsite.rules import (
    AssetFact,
    NonsiteItemFact,
    check_asset,
    check_items,
    check_operator,
    check_result,
    check_times,
)
from api.nonsite.schemas import RecordCreate, RecordRead, TriggerVisitRequest
from api.registry.lookups import unit_by_code
from api.registry.uscc import normalize_uscc
from api.visits import filing as visits
from api.visits.rules import InspectorFact
from api.visits.schemas import VisitCreate, VisitRead
from models.db import write_transaction
from models.enums import NonsiteResult, Role, VisitOrigin, VisitStatus, VisitTrigger
from models.nonsite_tables import NonsiteRecord, NonsiteRecordItem
from models.tables import Enterprise, Inspector, Item, Unit
from models.visit_tables import Visit

MAX_REASON = 5000


async def _record_unit(actor: Actor, unit_code: str | None) -> int:
    """Unit roles record for their own unit; an admin names the unit."""
    if actor.is_admin:
        if unit_code is None:
            raise RuleViolation(tr("Name the record's unit."), code="unit_required", field="unit_code")
        return int((await unit_by_code(unit_code))["id"])
    if actor.role not in (Role.planner, Role.inspector) or actor.unit_id is None:
        raise Forbidden(tr("Non-site records are kept by a unit's inspectors or its planner."))
    if unit_code is not None and (await unit_by_code(unit_code))["id"] != actor.unit_id:
        raise Forbidden(tr("You keep records for your own unit only."), code="not_your_unit")
    return actor.unit_id


def _operator_id(actor: Actor, requested: int | None) -> int:
    if actor.role == Role.inspector:
        if requested is not None and requested != actor.inspector_id:
            raise Forbidden(
                tr("An inspector records their own non-site inspections."),
                code="operator_must_be_self",
                field="operator_id",
            )
        if actor.inspector_id is None:
            raise Forbidden(tr("This account is not linked to an inspector."), code="not_an_inspector")
        return actor.inspector_id
    if requested is None:
        raise RuleViolation(
            tr("Name the operator (the inspector who inspected)."), code="operator_required", field="operator_id"
        )
    return requested


async def _operator_fact(inspector_id: int) -> InspectorFact:
    r = await Inspector.select().where(Inspector.id == inspector_id).first()
    if r is None:
        raise NotFound(
            tr("Inspector {inspector_id} does not exist.", inspector_id=inspector_id),
            code="operator_not_found",
            field="operator_id",
        )
    return InspectorFact.from_row(r)


async def _item_ids(codes: list[str], unit_id: int) -> list[int]:
    codes = list(dict.fromkeys(codes))
    if not codes:
        return []
    rows = await Item.select(Item.id, Item.code, Item.unit, Item.status, Item.nonsite_capable).where(
        Item.code.is_in(codes)
    )
    found = {r["code"]: r for r in rows}
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound(
            tr("Items not on the list: {missing}.", missing=missing), code="item_not_found", field="item_codes"
        )
    check_items(
        [
            NonsiteItemFact(
                code=c, unit_id=found[c]["unit"], status=found[c]["status"], nonsite_capable=found[c]["nonsite_capable"]
            )
            for c in codes
        ],
        unit_id,
    )
    return [found[c]["id"] for c in codes]


async def _enterprise_id(uscc: str | None) -> int | None:
    if uscc is None:
        return None
    code = normalize_uscc(uscc)
    row = await Enterprise.select(Enterprise.id).where(Enterprise.uscc == code).first()
    if row is None:
        raise NotFound(
            tr("No enterprise with 统一社会信用代码 {code}.", code=code), code="enterprise_not_found", field="uscc"
        )
    return int(row["id"])


def _geometry(data: RecordCreate, asset: dict[str, Any] | None) -> dict[str, Any]:
    if data.geometry is not None:
        return geojson.validate_geometry(data.geometry)
    if asset is not None and asset["latitude"] is not None and asset["longitude"] is not None:
        return geojson.point(asset["latitude"], asset["longitude"])
    raise RuleViolation(
        tr("Give the place or route as a GeoJSON Point or LineString (or use an asset with a location)."),
        code="geometry_required",
        field="geometry",
    )


async def create_record(actor: Actor, data: RecordCreate, now: dt.datetime) -> RecordRead:
    check_times(data.started_at, data.ended_at, now)
    check_result(data.result, data.findings)
    async with write_transaction():
        unit_id = await _record_unit(actor, data.unit_code)
        operator = await _operator_fact(_operator_id(actor, data.operator_id))
        check_operator(operator, unit_id, data.started_at, data.ended_at)
        asset = await asset_row(data.asset_code, field="asset_code") if data.asset_code else None
        if asset is not None:
            check_asset(
                AssetFact(code=asset["code"], kind=asset["kind"], unit_id=asset["unit"], status=asset["status"]),
                unit_id,
                data.mode.value,
            )
        geometry = _geometry(data, asset)
        item_ids = await _item_ids(list(data.item_codes), unit_id)
        inserted = await NonsiteRecord.insert(
            NonsiteRecord(
                mode=data.mode.value,
                asset=asset["id"] if asset else None,
                unit=unit_id,
                operator=operator.id,
                started_at=data.started_at,
                ended_at=data.ended_at,
                geometry=geojson.dumps(geometry),
                enterprise=await _enterprise_id(data.uscc),
                findings=data.findings,
                result=data.result.value,
                created_by=actor.username,
                created_at=now,
            )
        ).returning(NonsiteRecord.id)
        record_id = int(inserted[0]["id"])
        if item_ids:
            await NonsiteRecordItem.insert(*(NonsiteRecordItem(record=record_id, item=i) for i in item_ids))
        await audit.append(
            "nonsite.record_created",
            actor.username,
            f"nonsite-record:{record_id}",
            {
                "record_id": record_id,
                "mode": data.mode.value,
                "asset_code": data.asset_code,
                "unit_id": unit_id,
                "operator_id": operator.id,
                "started_at": data.started_at,
                "ended_at": data.ended_at,
                "geometry": geojson.dumps(geometry),
                "uscc": data.uscc,
                "items": list(data.item_codes),
                "findings": data.findings,
                "result": data.result.value,
            },
            at=now,
        )
    return await read_record(actor, record_id)


def _reason(record: dict[str, Any], note: str) -> str:
    start = record["started_at"].astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    reason = f"非现场检查记录 #{record['id']}（{record['mode']}，{start}）发现：{record['findings'].strip()}"
    if note.strip():
        reason += f"\n{note.strip()}"
    return reason[:MAX_REASON]


async def trigger_visit(
    actor: Actor, record_id: int, data: TriggerVisitRequest, env: ServiceContext, now: dt.datetime
) -> VisitRead:
    """File the on-site visit a record's finding triggers (the record's unit's planner, or an admin)."""
    async with write_transaction():
        record = await visible_record_row(actor, record_id)
        if not (actor.is_admin or (actor.role == Role.planner and actor.unit_id == record["unit"])):
            raise Forbidden(
                tr("Only the record's unit's planner may file the visit it triggers."), code="not_your_unit"
            )
        if record["result"] == NonsiteResult.no_issue:
            raise RuleViolation(
                tr("The record found no issue; there is nothing to trigger an on-site visit."), code="no_finding"
            )
        previous = record["triggered_visit"]
        if previous is not None:
            visit = await Visit.select(Visit.status).where(Visit.id == previous).first()
            if visit is not None and visit["status"] != VisitStatus.cancelled:
                raise Conflict(
                    tr("The record already triggered visit {previous}.", previous=previous),
                    code="visit_already_triggered",
                    visit_id=previous,
                )
        uscc = data.uscc
        if uscc is None and record["enterprise"] is not None:
            row = await Enterprise.select(Enterprise.uscc).where(Enterprise.id == record["enterprise"]).first()
            uscc = row["uscc"] if row else None
        if uscc is None:
            raise RuleViolation(
                tr("The record covers no single enterprise: name the enterprise to visit."),
                code="enterprise_required",
                field="uscc",
            )
        item_codes = data.item_codes
        if item_codes is None:
            item_codes = [
                r["code"]
                for r in await NonsiteRecordItem.select(NonsiteRecordItem.item._.code.as_alias("code")).where(
                    NonsiteRecordItem.record == record_id
                )
            ]
        unit = await Unit.select(Unit.code).where(Unit.id == record["unit"]).first()
        assert unit is not None
        visit_read = await visits.file_visit(
            actor,
            VisitCreate(
                uscc=uscc,
                unit_codes=[unit["code"]],
                inspector_ids=list(data.inspector_ids),
                window_start=data.window_start,
                window_end=data.window_end,
                origin=VisitOrigin.triggered,
                item_codes=list(item_codes),
                trigger_type=VisitTrigger.monitoring,
                trigger_ref=f"nonsite-record:{record_id}",
                trigger_reason=_reason(record, data.note),
            ),
            env,
            now,
        )
        match = (
            NonsiteRecord.triggered_visit.is_null() if previous is None else NonsiteRecord.triggered_visit == previous
        )
        updated = (
            await NonsiteRecord.update({NonsiteRecord.triggered_visit: visit_read.id})
            .where((NonsiteRecord.id == record_id) & match)
            .returning(NonsiteRecord.id)
        )
        if not updated:  # a concurrent request triggered first; this transaction (and its visit) rolls back
            raise Conflict(tr("The record triggered a visit meanwhile; reload it."), code="visit_already_triggered")
        await audit.append(
            "nonsite.visit_triggered",
            actor.username,
            f"nonsite-record:{record_id}",
            {"record_id": record_id, "visit_id": visit_read.id, "previous_visit_id": previous},
            at=now,
        )
    return visit_read

"""Reading visits back: one query per joined table, assembled into ``VisitRead``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from api.actor import Actor
from api.cursor import decode_time_and_id, encode_cursor
from api.errors import NotFound
from api.i18n import tr
from api.labels import words_of
from api.visits.schemas import InspectorOnVisit, ItemOnVisit, UnitOnVisit, VisitRead, WarningRead
from models.enums import Role, ServiceType, VisitKind, VisitOrigin, VisitResult, VisitStatus, VisitTrigger
from models.estimates import page_total
from models.tables import Enterprise, Unit
from models.values import json_list
from models.visit_tables import Visit, VisitInspector, VisitItem, VisitUnit


async def visit_row(visit_id: int) -> dict[str, Any]:
    row = await Visit.select().where(Visit.id == visit_id).first()
    if row is None:
        raise NotFound(tr("Visit {visit_id} does not exist.", visit_id=visit_id), code="visit_not_found")
    return row


async def visit_unit_ids(visit_id: int) -> list[int]:
    return [r["unit"] for r in await VisitUnit.select(VisitUnit.unit).where(VisitUnit.visit == visit_id)]


async def visit_inspector_ids(visit_id: int) -> list[int]:
    rows = await VisitInspector.select(VisitInspector.inspector).where(VisitInspector.visit == visit_id)
    return [r["inspector"] for r in rows]


# What an enterprise is told of a triggered visit: never the ticket number or the complaint or monitoring text.
CONFIDENTIAL_FIELDS = ("trigger_ref", "trigger_reason")


def hidden_from_enterprise(row: dict[str, Any], now: dt.datetime) -> bool:
    """A triggered visit stays unknown to its enterprise until its window starts (no tip-off)."""
    return bool(row["origin"] == "triggered" and row["window_start"] > now)


async def can_see(actor: Actor, row: dict[str, Any], now: dt.datetime | None = None) -> bool:
    """Supervisors see all; unit roles their units' visits; enterprises their own, a triggered one only once its
    window has started."""
    if actor.sees_everything:
        return True
    if actor.role == Role.enterprise:
        if now is not None and hidden_from_enterprise(row, now):
            return False
        uscc = await Enterprise.select(Enterprise.uscc).where(Enterprise.id == row["enterprise"]).first()
        return bool(uscc and uscc["uscc"] == actor.uscc)
    if actor.unit_id is None:
        return False
    return actor.unit_id in await visit_unit_ids(row["id"])


async def visible_visit_row(actor: Actor, visit_id: int, now: dt.datetime | None = None) -> dict[str, Any]:
    row = await visit_row(visit_id)
    if not await can_see(actor, row, now):
        raise NotFound(tr("Visit {visit_id} does not exist.", visit_id=visit_id), code="visit_not_found")
    return row


def is_emergency_overdue(row: dict[str, Any], now: dt.datetime) -> bool:
    return bool(
        row["is_emergency"]
        and row["approved_at"] is None
        and row["status"] != VisitStatus.cancelled
        and row["approval_due_at"] is not None
        and row["approval_due_at"] < now
    )


async def assemble(
    rows: list[dict[str, Any]], now: dt.datetime, *, include_warnings: bool = True, for_enterprise: bool = False
) -> list[VisitRead]:
    """``for_enterprise``: without the trigger's reference and text (only its general kind)."""
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    units = await VisitUnit.select(
        VisitUnit.visit, VisitUnit.unit._.code.as_alias("code"), VisitUnit.unit._.name.as_alias("name")
    ).where(VisitUnit.visit.is_in(ids))
    inspectors = await VisitInspector.select(
        VisitInspector.visit,
        VisitInspector.inspector._.id.as_alias("id"),
        VisitInspector.inspector._.name.as_alias("name"),
        VisitInspector.inspector._.cert_no.as_alias("cert_no"),
        VisitInspector.inspector._.unit._.code.as_alias("unit_code"),
    ).where(VisitInspector.visit.is_in(ids))
    items = await VisitItem.select(
        VisitItem.visit,
        VisitItem.item._.code.as_alias("code"),
        VisitItem.item._.name.as_alias("name"),
        VisitItem.item._.legal_basis.as_alias("legal_basis"),
        VisitItem.item._.unit._.code.as_alias("unit_code"),
    ).where(VisitItem.visit.is_in(ids))
    enterprise_ids = list({r["enterprise"] for r in rows})
    enterprises = {
        e["id"]: e
        for e in await Enterprise.select(Enterprise.id, Enterprise.uscc, Enterprise.name).where(
            Enterprise.id.is_in(enterprise_ids)
        )
    }
    unit_codes = {u["id"]: u["code"] for u in await Unit.select(Unit.id, Unit.code)}
    result = []
    for row in rows:
        vid = row["id"]
        warnings = json_list(row["warnings"])
        result.append(
            VisitRead(
                id=vid,
                status=VisitStatus(row["status"]),
                kind=row["kind"],
                service_type=row["service_type"],
                origin=row["origin"],
                uscc=enterprises[row["enterprise"]]["uscc"],
                enterprise_name=enterprises[row["enterprise"]]["name"],
                lead_unit_code=unit_codes[row["lead_unit"]],
                units=sorted(
                    (UnitOnVisit(code=u["code"], name=u["name"]) for u in units if u["visit"] == vid),
                    key=lambda u: u.code,
                ),
                inspectors=sorted(
                    (
                        InspectorOnVisit(id=i["id"], name=i["name"], cert_no=i["cert_no"], unit_code=i["unit_code"])
                        for i in inspectors
                        if i["visit"] == vid
                    ),
                    key=lambda i: i.id,
                ),
                items=sorted(
                    (
                        ItemOnVisit(
                            code=i["code"], name=i["name"], legal_basis=i["legal_basis"], unit_code=i["unit_code"]
                        )
                        for i in items
                        if i["visit"] == vid
                    ),
                    key=lambda i: i.code,
                ),
                window_start=row["window_start"],
                window_end=row["window_end"],
                trigger_type=row["trigger_type"],
                trigger_ref="" if for_enterprise else row["trigger_ref"],
                trigger_reason="" if for_enterprise else row["trigger_reason"],
                plan_task_id=row["plan_task_id"],
                is_emergency=row["is_emergency"],
                approval_due_at=row["approval_due_at"],
                emergency_overdue=is_emergency_overdue(row, now),
                catalogue_version=row["catalogue_version"],
                filed_by=row["filed_by"],
                filed_at=row["filed_at"],
                approved_by=row["approved_by"],
                approved_at=row["approved_at"],
                cancelled_at=row["cancelled_at"],
                cancel_reason=row["cancel_reason"],
                code_issued_at=row["code_issued_at"],
                checked_in_at=row["checked_in_at"],
                checked_out_at=row["checked_out_at"],
                result=row["result"],
                findings=row["findings"],
                warnings=[WarningRead(**w) for w in warnings] if include_warnings else [],
                labels=words_of(
                    status=(VisitStatus, row["status"]),
                    kind=(VisitKind, row["kind"]),
                    service_type=(ServiceType, row["service_type"]),
                    origin=(VisitOrigin, row["origin"]),
                    trigger_type=(VisitTrigger, row["trigger_type"]),
                    result=(VisitResult, row["result"]),
                ),
            )
        )
    return result


async def read_visit(actor: Actor, visit_id: int, now: dt.datetime) -> VisitRead:
    row = await visible_visit_row(actor, visit_id, now)
    enterprise = actor.role == Role.enterprise
    return (await assemble([row], now, include_warnings=not enterprise, for_enterprise=enterprise))[0]


@dataclass(frozen=True)
class VisitPage:
    items: list[VisitRead]
    total: int
    total_exact: bool
    next_after: str | None


async def list_visits(
    actor: Actor,
    now: dt.datetime,
    *,
    status: str | None = None,
    uscc: str | None = None,
    unit_code: str | None = None,
    start_from: dt.datetime | None = None,
    start_to: dt.datetime | None = None,
    mine: bool = False,
    emergency_overdue_only: bool = False,
    limit: int = 100,
    offset: int = 0,
    after: str | None = None,
) -> VisitPage:
    """Newest window first (ties by id); ``after`` (a page's ``next_after``) continues where that page ended."""
    conditions: list[Any] = []
    if actor.role == Role.enterprise:
        conditions.append(Visit.enterprise._.uscc == (actor.uscc or ""))
        conditions.append((Visit.origin != "triggered") | (Visit.window_start <= now))
    elif not actor.sees_everything:
        unit_visits = VisitUnit.select(VisitUnit.visit).where(VisitUnit.unit == (actor.unit_id or -1))
        conditions.append(Visit.id.is_in(unit_visits))
    if mine and actor.inspector_id is not None:
        conditions.append(
            Visit.id.is_in(
                VisitInspector.select(VisitInspector.visit).where(VisitInspector.inspector == actor.inspector_id)
            )
        )
    if status:
        conditions.append(Visit.status == status)
    if uscc:
        conditions.append(Visit.enterprise._.uscc == uscc)
    if unit_code:
        conditions.append(Visit.id.is_in(VisitUnit.select(VisitUnit.visit).where(VisitUnit.unit._.code == unit_code)))
    if start_from:
        conditions.append(Visit.window_start >= start_from)
    if start_to:
        conditions.append(Visit.window_start < start_to)
    if emergency_overdue_only:
        conditions.append(
            (Visit.is_emergency == True)  # noqa: E712 - a column comparison, not a truth test
            & Visit.approved_at.is_null()
            & (Visit.status != VisitStatus.cancelled.value)
            & (Visit.approval_due_at < now)
        )
    query = Visit.select().order_by(Visit.window_start, Visit.id, ascending=False)
    count = Visit.count()
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    if after is not None:
        last_start, last_id = decode_time_and_id(after)
        # The plain bound lets the index on window_start start the scan at the cursor; the OR alone read from the top.
        query = query.where(Visit.window_start <= last_start).where(
            (Visit.window_start < last_start) | (Visit.id < last_id)
        )
    rows = await query.limit(limit).offset(offset)
    total, exact = await page_total(Visit, count, filtered=bool(conditions))
    enterprise = actor.role == Role.enterprise
    items = await assemble(rows, now, include_warnings=not enterprise, for_enterprise=enterprise)
    following = encode_cursor(rows[-1]["window_start"], rows[-1]["id"]) if len(rows) == limit else None
    return VisitPage(items, total, exact, following)

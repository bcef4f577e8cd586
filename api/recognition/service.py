"""检查结果互认 (mutual recognition of inspection results).

Before inspecting an enterprise for an item, a unit sees the results other units obtained there within
``RUQI_RECOGNITION_DAYS`` for the same item or an **equivalent** one — an item listed with it in a published
联合检查场景 (scenario), i.e. checked together on the same kind of enterprise — and may record that it accepts such
a result for its own item instead of inspecting. Acceptances are audited (``recognition.accepted`` on the
enterprise) and counted for the supervisor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Conflict, Forbidden, NotFound, RuleViolation
from api.i18n import tr
from api.recognition.schemas import AcceptanceCreate, AcceptanceRead, RecognizableResult
from models.appointment_tables import ResultAcceptance
from models.db import write_transaction
from models.enums import ListStatus, Role, VisitKind, VisitResult, VisitStatus
from models.tables import Item, Scenario, Unit
from models.values import json_list
from models.visit_tables import Visit, VisitItem, VisitUnit


async def equivalent_codes(item_codes: list[str]) -> set[str]:
    """The items themselves and those a published scenario lists with any of them."""
    wanted = set(item_codes)
    found = set(wanted)
    for scenario in await Scenario.select(Scenario.item_codes).where(Scenario.status == ListStatus.published.value):
        codes = {str(c) for c in json_list(scenario["item_codes"])}
        if codes & wanted:
            found |= codes
    return found


def _asking_unit(actor: Actor, unit_code_id: int | None) -> int | None:
    if actor.role in (Role.planner, Role.approver, Role.inspector):
        return actor.unit_id
    if actor.sees_everything:
        return unit_code_id
    raise Forbidden(tr("Results are compared by the units' staff and the supervisor."))


async def recent_results(
    actor: Actor, uscc: str, item_codes: list[str], unit_code: str | None, days: int, now: dt.datetime
) -> list[RecognizableResult]:
    unit_id = None
    if unit_code:
        unit = await Unit.select(Unit.id).where(Unit.code == unit_code).first()
        if unit is None:
            raise NotFound(tr("Unknown unit {code}.", code=unit_code), code="unit_not_found", field="unit_code")
        unit_id = unit["id"]
    asking = _asking_unit(actor, unit_id)
    codes = await equivalent_codes(item_codes)
    rows = await VisitItem.select(VisitItem.visit, VisitItem.item._.code.as_alias("code")).where(
        VisitItem.item._.code.is_in(sorted(codes) or [""])
        & (VisitItem.visit._.enterprise._.uscc == uscc)
        & (VisitItem.visit._.status == VisitStatus.checked_out.value)
        & (VisitItem.visit._.kind == VisitKind.enforcement.value)
        & (VisitItem.visit._.checked_out_at >= now - dt.timedelta(days=days))
    )
    by_visit: dict[int, list[str]] = {}
    for r in rows:
        by_visit.setdefault(int(r["visit"]), []).append(str(r["code"]))
    if not by_visit:
        return []
    units = await VisitUnit.select(VisitUnit.visit, VisitUnit.unit, VisitUnit.unit._.code.as_alias("code")).where(
        VisitUnit.visit.is_in(list(by_visit))
    )
    visits = {
        v["id"]: v
        for v in await Visit.select(Visit.id, Visit.checked_out_at, Visit.result).where(Visit.id.is_in(list(by_visit)))
    }
    accepted: dict[int, list[str]] = {}
    if asking is not None:
        for a in await ResultAcceptance.select(
            ResultAcceptance.visit, ResultAcceptance.item._.code.as_alias("code")
        ).where((ResultAcceptance.unit == asking) & ResultAcceptance.visit.is_in(list(by_visit))):
            accepted.setdefault(int(a["visit"]), []).append(str(a["code"]))
    results = []
    for visit_id, matched in by_visit.items():
        unit_rows = [u for u in units if u["visit"] == visit_id]
        if asking is not None and any(u["unit"] == asking for u in unit_rows):
            continue  # the unit's own results are not another unit's
        visit = visits[visit_id]
        results.append(
            RecognizableResult(
                visit_id=visit_id,
                unit_codes=sorted(str(u["code"]) for u in unit_rows),
                checked_out_at=visit["checked_out_at"],
                result=VisitResult(visit["result"]) if visit["result"] else None,
                item_codes=sorted(set(matched)),
                accepted_for=sorted(accepted.get(visit_id, [])),
            )
        )
    return sorted(results, key=lambda r: r.checked_out_at, reverse=True)


async def accept(actor: Actor, data: AcceptanceCreate, days: int, now: dt.datetime) -> AcceptanceRead:
    if actor.role != Role.planner or actor.unit_id is None:
        raise Forbidden(tr("A unit's planner accepts another unit's result."), code="not_your_unit")
    async with write_transaction():
        item = await Item.select(Item.id, Item.unit).where(Item.code == data.item_code).first()
        if item is None:
            raise NotFound(tr("Unknown item {code}.", code=data.item_code), code="item_not_found", field="item_code")
        if item["unit"] != actor.unit_id:
            raise RuleViolation(
                tr("A unit accepts results for its own items only."), code="item_not_yours", field="item_code"
            )
        visit = (
            await Visit.select(
                Visit.id,
                Visit.status,
                Visit.kind,
                Visit.checked_out_at,
                Visit.enterprise,
                Visit.enterprise._.uscc.as_alias("uscc"),
            )
            .where(Visit.id == data.visit_id)
            .first()
        )
        if (
            visit is None
            or visit["status"] != VisitStatus.checked_out.value
            or visit["kind"] != VisitKind.enforcement.value
        ):
            raise RuleViolation(
                tr("Only the result of a checked-out inspection can be accepted."), code="no_result", field="visit_id"
            )
        if visit["checked_out_at"] < now - dt.timedelta(days=days):
            raise RuleViolation(
                tr("This result is older than {days} days.", days=days), code="result_too_old", field="visit_id"
            )
        visit_units = {
            u["unit"] for u in await VisitUnit.select(VisitUnit.unit).where(VisitUnit.visit == data.visit_id)
        }
        if actor.unit_id in visit_units:
            raise RuleViolation(tr("This is your unit's own result."), code="own_result", field="visit_id")
        covered = {
            str(r["code"])
            for r in await VisitItem.select(VisitItem.item._.code.as_alias("code")).where(
                VisitItem.visit == data.visit_id
            )
        }
        if not covered & await equivalent_codes([data.item_code]):
            raise RuleViolation(
                tr("That visit checked nothing equivalent to item {code}.", code=data.item_code),
                code="not_equivalent",
                field="item_code",
            )
        inserted = (
            await ResultAcceptance.insert(
                ResultAcceptance(
                    link_key=f"{actor.unit_id}:{item['id']}:{data.visit_id}",
                    unit=actor.unit_id,
                    enterprise=visit["enterprise"],
                    item=item["id"],
                    visit=data.visit_id,
                    note=data.note,
                    accepted_by=actor.username,
                    accepted_at=now,
                )
            )
            .on_conflict(target=ResultAcceptance.link_key, action="DO NOTHING")
            .returning(ResultAcceptance.id)
        )
        if not inserted:
            raise Conflict(tr("Your unit accepted this result for this item already."), code="already_accepted")
        acceptance_id = int(inserted[0]["id"])
        await audit.append(
            "recognition.accepted",
            actor.username,
            audit.enterprise_subject(visit["uscc"]),
            {
                "acceptance_id": acceptance_id,
                "visit_id": data.visit_id,
                "item": data.item_code,
                "note": data.note,
                "at": now,
            },
            at=now,
        )
    rows, _ = await list_acceptances(actor, acceptance_id=acceptance_id)
    return rows[0]


def _read(row: dict[str, Any]) -> AcceptanceRead:
    return AcceptanceRead(
        id=row["id"],
        unit_code=row["unit_code"],
        uscc=row["uscc"],
        item_code=row["item_code"],
        visit_id=row["visit"],
        note=row["note"],
        accepted_by=row["accepted_by"],
        accepted_at=row["accepted_at"],
    )


async def list_acceptances(
    actor: Actor,
    *,
    acceptance_id: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AcceptanceRead], int]:
    query = ResultAcceptance.select(
        *ResultAcceptance.all_columns(),
        ResultAcceptance.unit._.code.as_alias("unit_code"),
        ResultAcceptance.enterprise._.uscc.as_alias("uscc"),
        ResultAcceptance.item._.code.as_alias("item_code"),
    ).order_by(ResultAcceptance.id, ascending=False)
    count = ResultAcceptance.count()
    conditions: list[Any] = []
    if not actor.sees_everything:
        if actor.role not in (Role.planner, Role.approver, Role.inspector) or actor.unit_id is None:
            raise Forbidden(tr("Results are compared by the units' staff and the supervisor."))
        conditions.append(ResultAcceptance.unit == actor.unit_id)
    if acceptance_id is not None:
        conditions.append(ResultAcceptance.id == acceptance_id)
    if start is not None:
        conditions.append(ResultAcceptance.accepted_at >= start)
    if end is not None:
        conditions.append(ResultAcceptance.accepted_at < end)
    for condition in conditions:
        query, count = query.where(condition), count.where(condition)
    rows = await query.limit(limit).offset(offset)
    return [_read(r) for r in rows], await count

"""Filing (备案), approval, cancellation and re-scheduling of visits, and issuing their codes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.catalogue.versioning import list_versions
from api.context import ServiceContext
from api.errors import Forbidden, NotFound, RuleViolation
from api.i18n import DEFAULT_LOCALE, render, tr
from api.registry.uscc import normalize_uscc
from api.visits.codes import check_code_fits, issue_code, revoke_codes
from api.visits.plan_link import check_plan_link
from api.visits.reads import assemble, visit_inspector_ids, visit_row, visit_unit_ids
from api.visits.recognizable import recognizable_warning
from api.visits.rules import (
    LOCAL_TZ,
    EnterpriseHistory,
    FilingWarning,
    InspectorFact,
    ItemFact,
    VisitDraft,
    check_filing,
    check_people,
    empty_run,
)
from api.visits.schemas import RescheduleRequest, VisitCreate, VisitRead
from api.visits.transitions import transition
from models.db import write_transaction
from models.enums import Role, VisitKind, VisitOrigin, VisitStatus, VisitTrigger
from models.tables import Enterprise, Inspector, Item, LibraryEntry, Unit
from models.values import json_list
from models.visit_tables import Visit, VisitInspector, VisitItem, VisitUnit, VisitWarning


async def _units(codes: list[str]) -> dict[str, int]:
    rows = await Unit.select(Unit.id, Unit.code).where(Unit.code.is_in(codes))
    found = {r["code"]: r["id"] for r in rows}
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound(tr("Unknown units: {missing}.", missing=missing), code="unit_not_found", field="unit_codes")
    return found


async def _inspector_facts(ids: list[int]) -> tuple[InspectorFact, ...]:
    rows = await Inspector.select().where(Inspector.id.is_in(ids))
    found = {r["id"]: r for r in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(
            tr("Unknown inspectors: {map}.", map=map(str, missing)), code="inspector_not_found", field="inspector_ids"
        )
    return tuple(InspectorFact.from_row(found[i]) for i in dict.fromkeys(ids))


async def _item_facts(codes: list[str]) -> tuple[tuple[ItemFact, ...], dict[str, int]]:
    if not codes:
        return (), {}
    rows = await Item.select(Item.id, Item.code, Item.unit, Item.status, Item.category, Item.yearly_cap).where(
        Item.code.is_in(codes)
    )
    found = {r["code"]: r for r in rows}
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound(
            tr("Items not on the list: {missing}.", missing=missing), code="item_not_found", field="item_codes"
        )
    facts = tuple(
        ItemFact(
            code=c,
            unit_id=found[c]["unit"],
            status=found[c]["status"],
            category=found[c]["category"],
            yearly_cap=found[c]["yearly_cap"],
        )
        for c in dict.fromkeys(codes)
    )
    return facts, {c: found[c]["id"] for c in codes}


async def _library_triggers(codes: list[str]) -> dict[str, frozenset[str]]:
    if not codes:
        return {}
    rows = await LibraryEntry.select(LibraryEntry.item._.code.as_alias("code"), LibraryEntry.triggers).where(
        (LibraryEntry.item._.code.is_in(codes)) & (LibraryEntry.status == "published")
    )
    return {r["code"]: frozenset(json_list(r["triggers"])) for r in rows}


async def enterprise_history(enterprise_id: int, window_start: dt.datetime, exclude: int | None) -> EnterpriseHistory:
    local = window_start.astimezone(LOCAL_TZ)
    year_start = dt.datetime(local.year, 1, 1, tzinfo=LOCAL_TZ)
    query = Visit.select(Visit.id, Visit.kind, Visit.window_start, Visit.status, Visit.result).where(
        (Visit.enterprise == enterprise_id)
        & (Visit.status != VisitStatus.cancelled.value)
        & (Visit.window_start >= year_start)
        & (Visit.window_start < dt.datetime(local.year + 1, 1, 1, tzinfo=LOCAL_TZ))
    )
    rows = [r for r in await query if r["id"] != exclude]
    enforcement = [r["id"] for r in rows if r["kind"] == VisitKind.enforcement.value]
    item_counts: dict[str, int] = {}
    unit_counts: dict[int, int] = {}
    unit_visits: dict[int, set[int]] = {}
    if enforcement:
        for r in await VisitItem.select(VisitItem.item._.code.as_alias("code")).where(
            VisitItem.visit.is_in(enforcement)
        ):
            item_counts[r["code"]] = item_counts.get(r["code"], 0) + 1
        for r in await VisitUnit.select(VisitUnit.visit, VisitUnit.unit).where(VisitUnit.visit.is_in(enforcement)):
            unit_counts[r["unit"]] = unit_counts.get(r["unit"], 0) + 1
            unit_visits.setdefault(r["unit"], set()).add(r["visit"])
    done = sorted(
        (r for r in rows if r["id"] in set(enforcement) and r["status"] == VisitStatus.checked_out.value),
        key=lambda r: (r["window_start"], r["id"]),
    )
    empty_runs = {unit: empty_run([r["result"] for r in done if r["id"] in ids]) for unit, ids in unit_visits.items()}
    day, week = local.date(), local.isocalendar()[:2]
    starts = [r["window_start"].astimezone(LOCAL_TZ) for r in rows]
    return EnterpriseHistory(
        item_counts=item_counts,
        unit_counts=unit_counts,
        same_day=sum(1 for s in starts if s.date() == day),
        same_week=sum(1 for s in starts if s.isocalendar()[:2] == week),
        same_month=sum(1 for s in starts if s.month == local.month),
        empty_runs=empty_runs,
    )


def _check_origin(data: VisitCreate) -> None:
    if data.origin == VisitOrigin.planned:
        if data.trigger_type is not None:
            raise RuleViolation(
                tr("A planned visit has no trigger; file it as triggered."),
                code="planned_with_trigger",
                field="trigger_type",
            )
        return  # its plan task (or the lack of one) is checked by plans_link.check_plan_link
    if data.trigger_type is None:
        raise RuleViolation(
            tr("A triggered visit names its trigger type."), code="trigger_required", field="trigger_type"
        )
    if not data.trigger_reason.strip():
        raise RuleViolation(
            tr("A triggered visit states its reason."), code="trigger_reason_required", field="trigger_reason"
        )
    if data.trigger_type == VisitTrigger.emergency and data.kind != VisitKind.enforcement:
        raise RuleViolation(tr("Only inspections can be emergencies."), code="emergency_service_visit", field="kind")


def _check_filer(actor: Actor, data: VisitCreate, lead_unit_id: int, inspector_ids: list[int]) -> None:
    if actor.is_admin:
        return
    if actor.role == Role.planner and actor.unit_id == lead_unit_id:
        return
    if (
        actor.role == Role.inspector
        and data.trigger_type == VisitTrigger.emergency
        and actor.inspector_id in inspector_ids
    ):
        return  # 突发事件: the inspector on the spot files while inspecting
    raise Forbidden(
        tr("Visits are filed by the lead unit's planner (inspectors may file their own emergencies)."),
        code="not_your_unit",
    )


async def file_visit(actor: Actor, data: VisitCreate, env: ServiceContext, now: dt.datetime) -> VisitRead:
    _check_origin(data)
    if data.kind == VisitKind.service and data.service_type is None:
        raise RuleViolation(
            tr("A service visit names its type (服务/宣传/调研/观摩/督导)."),
            code="service_type_required",
            field="service_type",
        )
    uscc = normalize_uscc(data.uscc)
    unit_codes = list(dict.fromkeys(data.unit_codes))
    if data.lead_unit_code is None and len(unit_codes) > 1:
        raise RuleViolation(tr("A joint visit names its lead unit."), code="lead_unit_required", field="lead_unit_code")
    lead_code = data.lead_unit_code or unit_codes[0]
    async with write_transaction():
        enterprise = await Enterprise.select().where(Enterprise.uscc == uscc).first()
        if enterprise is None:
            raise NotFound(
                tr("No enterprise with 统一社会信用代码 {uscc}.", uscc=uscc), code="enterprise_not_found", field="uscc"
            )
        units = await _units(unit_codes)
        lead_row = await Unit.select(Unit.id).where(Unit.code == lead_code).first()
        if lead_row is None:
            raise NotFound(
                tr("Unknown unit {lead_code}.", lead_code=lead_code), code="unit_not_found", field="lead_unit_code"
            )
        _check_filer(actor, data, lead_row["id"], data.inspector_ids)
        inspectors = await _inspector_facts(data.inspector_ids)
        items, item_ids = await _item_facts(data.item_codes)
        await check_plan_link(
            plan_task_id=data.plan_task_id,
            origin=data.origin,
            uscc=uscc,
            lead_unit_id=lead_row["id"],
            unit_ids=list(units.values()),
            item_codes=list(item_ids),
            window_start=data.window_start,
            window_end=data.window_end,
            kind=data.kind,
        )
        whitelisted = bool(
            enterprise["whitelisted"]
            and (enterprise["whitelist_until"] is None or enterprise["whitelist_until"] >= now.date())
        )
        draft = VisitDraft(
            uscc=uscc,
            enterprise_whitelisted=whitelisted,
            unit_ids=tuple(units.values()),
            lead_unit_id=lead_row["id"],
            kind=data.kind,
            origin=data.origin,
            trigger=data.trigger_type,
            window_start=data.window_start,
            window_end=data.window_end,
            inspectors=inspectors,
            items=items,
            library_triggers=await _library_triggers(list(data.item_codes)),
        )
        history = await enterprise_history(enterprise["id"], data.window_start, exclude=None)
        warnings = check_filing(draft, history, env.policy, now)
        if data.kind == VisitKind.enforcement:
            warnings += await recognizable_warning(
                enterprise["id"], list(units.values()), list(item_ids), env.policy.recognition_days, now
            )
        # What cannot be encoded is refused now, not at approval.
        await check_code_fits(
            env,
            uscc,
            data.window_start,
            data.window_end,
            len(units),
            [i.cert_no for i in inspectors if i.cert_no],
            list(item_ids),
            now,
        )
        catalogue_version = (await list_versions())["catalogue"]
        emergency = data.trigger_type == VisitTrigger.emergency
        inserted = await Visit.insert(
            Visit(
                enterprise=enterprise["id"],
                lead_unit=lead_row["id"],
                kind=data.kind.value,
                service_type=data.service_type.value if data.service_type else None,
                origin=data.origin.value,
                plan_task_id=data.plan_task_id,
                trigger_type=data.trigger_type.value if data.trigger_type else None,
                trigger_ref=data.trigger_ref,
                trigger_reason=data.trigger_reason,
                window_start=data.window_start,
                window_end=data.window_end,
                year=data.window_start.astimezone(LOCAL_TZ).year,
                status=VisitStatus.filed.value,
                is_emergency=emergency,
                approval_due_at=now + env.policy.emergency_approval_deadline if emergency else None,
                catalogue_version=catalogue_version,
                filed_by=actor.username,
                filed_at=now,
                warnings=json.dumps(
                    [{"code": w.code, "detail": render(w.detail, DEFAULT_LOCALE)} for w in warnings], ensure_ascii=False
                ),
            )
        ).returning(Visit.id)
        visit_id = inserted[0]["id"]
        await _insert_links(visit_id, list(units.values()), [i.id for i in inspectors], list(item_ids.values()))
        await _keep_warnings(visit_id, warnings, now)
        await audit.append(
            "visit.filed",
            actor.username,
            audit.visit_subject(visit_id),
            {
                "visit_id": visit_id,
                "uscc": uscc,
                "status": VisitStatus.filed.value,
                "kind": data.kind.value,
                "origin": data.origin.value,
                "trigger_type": data.trigger_type.value if data.trigger_type else None,
                "lead_unit": lead_code,
                "units": list(units),
                "inspector_certs": [i.cert_no for i in inspectors],
                "items": list(item_ids),
                "window_start": data.window_start,
                "window_end": data.window_end,
                "is_emergency": emergency,
                "catalogue_version": catalogue_version,
                "warnings": [w.code for w in warnings],
            },
            at=now,
        )
    return (await assemble([await visit_row(visit_id)], now))[0]


async def _insert_links(visit_id: int, unit_ids: list[int], inspector_ids: list[int], item_ids: list[int]) -> None:
    await VisitUnit.insert(*(VisitUnit(visit=visit_id, unit=u) for u in unit_ids))
    await VisitInspector.insert(*(VisitInspector(visit=visit_id, inspector=i) for i in inspector_ids))
    if item_ids:
        await VisitItem.insert(*(VisitItem(visit=visit_id, item=i) for i in dict.fromkeys(item_ids)))


async def _keep_warnings(visit_id: int, warnings: list[FilingWarning], now: dt.datetime) -> None:
    if warnings:
        await VisitWarning.insert(
            *(
                VisitWarning(visit=visit_id, code=w.code, detail=render(w.detail, DEFAULT_LOCALE), at=now)
                for w in warnings
            )
        )


def _ensure_lead_role(actor: Actor, row: dict[str, Any], roles: tuple[Role, ...], action: str) -> None:
    if actor.is_admin:
        return
    if actor.role in roles and actor.unit_id == row["lead_unit"]:
        return
    names = " or ".join(r.value for r in roles)
    raise Forbidden(
        tr("Only the lead unit's {names} may {action} this visit.", names=names, action=action), code="not_your_unit"
    )


async def approve_visit(actor: Actor, visit_id: int, env: ServiceContext, now: dt.datetime) -> VisitRead:
    async with write_transaction():
        row = await visit_row(visit_id)
        _ensure_lead_role(actor, row, (Role.approver,), "approve")
        if row["status"] == VisitStatus.cancelled.value:
            raise RuleViolation(tr("A cancelled visit cannot be approved."), code="visit_cancelled")
        if row["approved_at"] is not None:
            raise RuleViolation(tr("The visit is already approved."), code="already_approved")
        # People are checked again now: a 执法证 suspended, revoked or expired since filing refuses the approval.
        check_people(await _draft_of(row, row["window_start"], row["window_end"]), env.policy)
        # Only the emergency path may have started before approval; a planned visit stays "filed" until now.
        status = VisitStatus.approved.value if row["status"] == VisitStatus.filed.value else row["status"]
        await transition(row, {Visit.status: status, Visit.approved_by: actor.username, Visit.approved_at: now})
        await audit.append(
            "visit.approved",
            actor.username,
            audit.visit_subject(visit_id),
            {"visit_id": visit_id, "status": status, "approved_at": now},
            at=now,
        )
        await issue_code(visit_id, env, now)
    return (await assemble([await visit_row(visit_id)], now))[0]


async def cancel_visit(actor: Actor, visit_id: int, reason: str, env: ServiceContext, now: dt.datetime) -> VisitRead:
    async with write_transaction():
        row = await visit_row(visit_id)
        _ensure_lead_role(actor, row, (Role.planner, Role.approver), "cancel")
        if row["status"] not in (VisitStatus.filed.value, VisitStatus.approved.value):
            raise RuleViolation(
                tr("A visit that is {row} cannot be cancelled.", row=row["status"]), code="visit_not_cancellable"
            )
        await transition(
            row,
            {
                Visit.status: VisitStatus.cancelled.value,
                Visit.cancelled_by: actor.username,
                Visit.cancelled_at: now,
                Visit.cancel_reason: reason,
            },
        )
        # The revision check makes the read row current: its code serial is the last one issued.
        if row["code_no"] or row["code_issued_at"] is not None:
            await revoke_codes(
                visit_id,
                row["code_no"],
                row["code_issued_at"] or now,
                row["window_end"] + env.code_grace,
                "cancelled",
                now,
            )
        await audit.append(
            "visit.cancelled",
            actor.username,
            audit.visit_subject(visit_id),
            {
                "visit_id": visit_id,
                "status": VisitStatus.cancelled.value,
                "reason": reason,
                "codes_revoked_before": now,
                "codes_revoked_through": row["code_no"],
            },
            at=now,
        )
    await env.publish(f"visit-{visit_id}", {"event": "cancelled", "visit_id": visit_id})
    return (await assemble([await visit_row(visit_id)], now))[0]


async def reschedule_visit(
    actor: Actor, visit_id: int, data: RescheduleRequest, env: ServiceContext, now: dt.datetime
) -> VisitRead:
    async with write_transaction():
        row = await visit_row(visit_id)
        _ensure_lead_role(actor, row, (Role.planner,), "re-schedule")
        if row["status"] not in (VisitStatus.filed.value, VisitStatus.approved.value) or row["is_emergency"]:
            raise RuleViolation(
                tr("A visit that is {row} cannot be re-scheduled.", row=row["status"]), code="visit_not_reschedulable"
            )
        draft = await _draft_of(row, data.window_start, data.window_end)
        history = await enterprise_history(row["enterprise"], data.window_start, exclude=visit_id)
        warnings = check_filing(draft, history, env.policy, now)
        await transition(
            row,
            {
                Visit.window_start: data.window_start,
                Visit.window_end: data.window_end,
                Visit.year: data.window_start.astimezone(LOCAL_TZ).year,
                Visit.status: VisitStatus.filed.value,
                Visit.approved_by: None,
                Visit.approved_at: None,
                Visit.code_token: None,
                Visit.code_issued_at: None,
                Visit.warnings: json.dumps(
                    [{"code": w.code, "detail": render(w.detail, DEFAULT_LOCALE)} for w in warnings], ensure_ascii=False
                ),
            },
        )
        if row["code_issued_at"] is not None:
            await revoke_codes(
                visit_id, row["code_no"], row["code_issued_at"], row["window_end"] + env.code_grace, "rescheduled", now
            )
        await _keep_warnings(visit_id, warnings, now)
        await audit.append(
            "visit.rescheduled",
            actor.username,
            audit.visit_subject(visit_id),
            {
                "visit_id": visit_id,
                "status": VisitStatus.filed.value,
                "window_start": data.window_start,
                "window_end": data.window_end,
                "previous_window_start": row["window_start"],
                "previous_window_end": row["window_end"],
                "codes_revoked": row["code_issued_at"] is not None,
                "warnings": [w.code for w in warnings],
            },
            at=now,
        )
    await env.publish(f"visit-{visit_id}", {"event": "rescheduled", "visit_id": visit_id})
    return (await assemble([await visit_row(visit_id)], now))[0]


async def _draft_of(row: dict[str, Any], start: dt.datetime, end: dt.datetime) -> VisitDraft:
    enterprise = await Enterprise.select().where(Enterprise.id == row["enterprise"]).first()
    assert enterprise is not None
    codes = [
        r["code"]
        for r in await VisitItem.select(VisitItem.item._.code.as_alias("code")).where(VisitItem.visit == row["id"])
    ]
    items, _ = await _item_facts(codes)
    return VisitDraft(
        uscc=enterprise["uscc"],
        enterprise_whitelisted=bool(enterprise["whitelisted"]),
        unit_ids=tuple(await visit_unit_ids(row["id"])),
        lead_unit_id=row["lead_unit"],
        kind=VisitKind(row["kind"]),
        origin=VisitOrigin(row["origin"]),
        trigger=VisitTrigger(row["trigger_type"]) if row["trigger_type"] else None,
        window_start=start,
        window_end=end,
        inspectors=await _inspector_facts(await visit_inspector_ids(row["id"])),
        items=items,
        library_triggers=await _library_triggers(codes),
    )

"""预约式服务: an enterprise asks a unit for a service visit and proposes slots; the unit accepts one (which files
a service visit in that slot, awaiting its head's approval like any other) or declines with a reason.

Who sees what: the enterprise its own requests, the unit's staff the requests addressed to their unit, the
supervisor all. Every change is audited (``appointment.*``, subject ``enterprise:<USCC>``) in its transaction;
accepting files the visit in the same transaction, so a refused filing (window, people) leaves the request open.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from api.actor import Actor
from api.appointments import rules
from api.appointments.schemas import (
    ServiceRequestAccept,
    ServiceRequestCreate,
    ServiceRequestDecline,
    ServiceRequestRead,
    Slot,
)
from api.audit import chain as audit
from api.context import ServiceContext
from api.errors import Forbidden, NotFound, RuleViolation
from api.i18n import tr
from api.visits.filing import file_visit
from api.visits.schemas import VisitCreate
from models.appointment_tables import ServiceRequest
from models.db import write_transaction
from models.enums import AppointmentStatus, Role, ServiceType, VisitKind, VisitOrigin, VisitTrigger
from models.tables import Enterprise, Unit
from models.values import json_list

UNIT_STAFF = (Role.planner, Role.approver, Role.inspector)


def _slots(raw: Any) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(dt.datetime.fromisoformat(s["start"]), dt.datetime.fromisoformat(s["end"])) for s in json_list(raw)]


def _read(row: dict[str, Any]) -> ServiceRequestRead:
    return ServiceRequestRead(
        id=row["id"],
        uscc=row["uscc"],
        enterprise_name=row["enterprise_name"],
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        service_type=ServiceType(row["service_type"]),
        topic=row["topic"],
        slots=[Slot(start=s, end=e) for s, e in _slots(row["slots"])],
        status=AppointmentStatus(row["status"]),
        requested_by=row["requested_by"],
        requested_at=row["requested_at"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decline_reason=row["decline_reason"],
        chosen_slot=row["chosen_slot"] or None,
        visit_id=row["visit"],
    )


def _select() -> Any:
    return ServiceRequest.select(
        *ServiceRequest.all_columns(),
        ServiceRequest.enterprise._.uscc.as_alias("uscc"),
        ServiceRequest.enterprise._.name.as_alias("enterprise_name"),
        ServiceRequest.unit._.code.as_alias("unit_code"),
        ServiceRequest.unit._.name.as_alias("unit_name"),
    )


def _visible(actor: Actor) -> Any:
    if actor.sees_everything:
        return None
    if actor.role == Role.enterprise and actor.uscc:
        return ServiceRequest.enterprise._.uscc == actor.uscc
    if actor.role in UNIT_STAFF and actor.unit_id is not None:
        return ServiceRequest.unit == actor.unit_id
    raise Forbidden(tr("Service requests are read by the enterprise, the unit asked and the supervisor."))


async def _row(actor: Actor, request_id: int) -> dict[str, Any]:
    query = _select().where(ServiceRequest.id == request_id)
    condition = _visible(actor)
    if condition is not None:
        query = query.where(condition)
    row: dict[str, Any] | None = await query.first()
    if row is None:
        raise NotFound(tr("No such service request."), code="service_request_not_found")
    return row


async def request_service(actor: Actor, data: ServiceRequestCreate, now: dt.datetime) -> ServiceRequestRead:
    if actor.role != Role.enterprise or not actor.uscc:
        raise Forbidden(tr("An enterprise asks for a service visit with its own account."))
    slots = [(s.start, s.end) for s in data.slots]
    rules.check_request(data.service_type, slots, now)
    async with write_transaction():
        enterprise = await Enterprise.select(Enterprise.id).where(Enterprise.uscc == actor.uscc).first()
        unit = await Unit.select(Unit.id).where(Unit.code == data.unit_code).first()
        if enterprise is None:
            raise NotFound(tr("No enterprise has this account's USCC."), code="enterprise_not_found")
        if unit is None:
            raise NotFound(tr("Unknown unit {code}.", code=data.unit_code), code="unit_not_found", field="unit_code")
        stored = [{"start": s.isoformat(), "end": e.isoformat()} for s, e in slots]
        inserted = await ServiceRequest.insert(
            ServiceRequest(
                enterprise=enterprise["id"],
                unit=unit["id"],
                service_type=data.service_type.value,
                topic=data.topic,
                slots=json.dumps(stored),
                status=AppointmentStatus.requested.value,
                requested_by=actor.username,
                requested_at=now,
            )
        ).returning(ServiceRequest.id)
        request_id = int(inserted[0]["id"])
        await audit.append(
            "appointment.requested",
            actor.username,
            audit.enterprise_subject(actor.uscc),
            {
                "request_id": request_id,
                "unit": data.unit_code,
                "service_type": data.service_type.value,
                "topic": data.topic,
                "slots": stored,
                "at": now,
            },
            at=now,
        )
    return _read(await _row(actor, request_id))


def _ensure_unit_planner(actor: Actor, row: dict[str, Any]) -> None:
    if actor.is_admin or (actor.role == Role.planner and actor.unit_id == row["unit"]):
        return
    raise Forbidden(tr("The planner of the unit asked answers a service request."), code="not_your_unit")


def _ensure_open(row: dict[str, Any]) -> None:
    if row["status"] != AppointmentStatus.requested.value:
        raise RuleViolation(
            tr("This service request was answered already ({status}).", status=row["status"]),
            code="service_request_closed",
        )


async def _close(request_id: int, changes: dict[Any, Any]) -> None:
    updated = (
        await ServiceRequest.update(changes)
        .where((ServiceRequest.id == request_id) & (ServiceRequest.status == AppointmentStatus.requested.value))
        .returning(ServiceRequest.id)
    )
    if not updated:
        raise RuleViolation(tr("This service request was answered meanwhile."), code="service_request_closed")


async def accept(
    actor: Actor, request_id: int, data: ServiceRequestAccept, env: ServiceContext, now: dt.datetime
) -> ServiceRequestRead:
    async with write_transaction():
        row = await _row(actor, request_id)
        _ensure_unit_planner(actor, row)
        _ensure_open(row)
        start, end = rules.chosen(_slots(row["slots"]), data.slot, now)
        visit = await file_visit(
            actor,
            VisitCreate(
                uscc=row["uscc"],
                unit_codes=[row["unit_code"]],
                inspector_ids=data.inspector_ids,
                window_start=start,
                window_end=end,
                origin=VisitOrigin.triggered,
                kind=VisitKind.service,
                service_type=ServiceType(row["service_type"]),
                trigger_type=VisitTrigger.enterprise_request,
                trigger_ref=f"预约-{request_id}",
                trigger_reason=row["topic"],
            ),
            env,
            now,
        )
        await _close(
            request_id,
            {
                ServiceRequest.status: AppointmentStatus.accepted.value,
                ServiceRequest.decided_by: actor.username,
                ServiceRequest.decided_at: now,
                ServiceRequest.chosen_slot: data.slot,
                ServiceRequest.visit: visit.id,
            },
        )
        await audit.append(
            "appointment.accepted",
            actor.username,
            audit.enterprise_subject(row["uscc"]),
            {"request_id": request_id, "slot": data.slot, "visit_id": visit.id, "at": now},
            at=now,
        )
    return _read(await _row(actor, request_id))


async def decline(actor: Actor, request_id: int, data: ServiceRequestDecline, now: dt.datetime) -> ServiceRequestRead:
    async with write_transaction():
        row = await _row(actor, request_id)
        _ensure_unit_planner(actor, row)
        _ensure_open(row)
        await _close(
            request_id,
            {
                ServiceRequest.status: AppointmentStatus.declined.value,
                ServiceRequest.decided_by: actor.username,
                ServiceRequest.decided_at: now,
                ServiceRequest.decline_reason: data.reason,
            },
        )
        await audit.append(
            "appointment.declined",
            actor.username,
            audit.enterprise_subject(row["uscc"]),
            {"request_id": request_id, "reason": data.reason, "at": now},
            at=now,
        )
    return _read(await _row(actor, request_id))


async def withdraw(actor: Actor, request_id: int, now: dt.datetime) -> ServiceRequestRead:
    async with write_transaction():
        row = await _row(actor, request_id)
        if actor.role != Role.enterprise:
            raise Forbidden(tr("Only the enterprise withdraws its request."), code="not_your_request")
        _ensure_open(row)
        await _close(
            request_id,
            {
                ServiceRequest.status: AppointmentStatus.withdrawn.value,
                ServiceRequest.decided_at: now,
                ServiceRequest.decided_by: actor.username,
            },
        )
        await audit.append(
            "appointment.withdrawn",
            actor.username,
            audit.enterprise_subject(row["uscc"]),
            {"request_id": request_id, "at": now},
            at=now,
        )
    return _read(await _row(actor, request_id))


async def read(actor: Actor, request_id: int) -> ServiceRequestRead:
    return _read(await _row(actor, request_id))


async def list_requests(
    actor: Actor, *, status: AppointmentStatus | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[ServiceRequestRead], int]:
    query = _select().order_by(ServiceRequest.id, ascending=False)
    count = ServiceRequest.count()
    conditions = [c for c in (_visible(actor),) if c is not None]
    if status is not None:
        conditions.append(ServiceRequest.status == status.value)
    for condition in conditions:
        query, count = query.where(condition), count.where(condition)
    rows = await query.limit(limit).offset(offset)
    return [_read(r) for r in rows], await count

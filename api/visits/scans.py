"""Scan-in (the inspector's phone reads the enterprise code), check-out, and unfiled attempts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from api.actor import Actor
from api.audit import chain as audit
from api.context import ServiceContext
from api.errors import DomainError, Forbidden, InvalidInput, NotFound, RuleViolation
from api.i18n import tr
from api.idempotency import run_once
from api.visits.enterprise_codes import code_accepted, verify_enterprise_token
from api.visits.geo import distance_m
from api.visits.people import InspectorNotValid, invalid_inspectors, refuse_invalid
from api.visits.reads import assemble, visit_inspector_ids, visit_row
from api.visits.scan_schemas import CheckoutRequest, ScanCreate, ScanRead, UnfiledAttemptRead
from api.visits.schemas import VisitRead
from api.visits.transitions import state_changed, transition
from models.enums import Role, VisitStatus
from models.fastsql import PrebuiltSQL
from models.tables import Enterprise
from models.visit_tables import Scan, UnfiledAttempt, Visit
from qr import EnterpriseClaims, Outcome

# How early before the filed window an arrival scan still matches (clock skew, early arrival).
EARLY_ARRIVAL = dt.timedelta(minutes=15)
FUTURE_SKEW = dt.timedelta(minutes=5)

# The scan-in path's statements, built once (Piccolo's query builder cost more CPU than the round trips):
# plain SQL that runs unchanged on SQLite and PostgreSQL (``models.fastsql``). Parameters
# go through the engine's adapters as Piccolo's own queries do (aware datetimes stored as UTC on SQLite), and
# the values read back are what Piccolo's selects gave: ints, floats for DOUBLE PRECISION, aware datetimes.
_ENTERPRISE_BY_USCC = PrebuiltSQL(
    Enterprise,
    'SELECT "id", "latitude", "longitude", "code_issued_at", "code_previous_issued_at", "code_previous_until" '
    'FROM "enterprise" WHERE "uscc" = {} LIMIT 1',
)
# Statuses a scan may match: approved, or checked in (a presence scan); a filed (not yet approved) visit only if it
# is an emergency (突发事件). A checked-out visit is over: it never takes a scan again.
_SCANNABLE = ", ".join(f"'{s.value}'" for s in (VisitStatus.approved, VisitStatus.checked_in))
# The right visit: of the enterprise's visits naming this inspector that are not yet checked out and whose window
# (widened by the early-arrival margin and the code's grace) holds the scan time, the one whose filed window holds
# it; among several such, or none, the earliest window (then the lowest id).
_MATCHING_VISIT = PrebuiltSQL(
    Visit,
    'SELECT "id", "status" FROM "visit" '
    'WHERE "enterprise" = {} AND "window_start" <= {} AND "window_end" >= {} '
    'AND "id" IN (SELECT "visit" FROM "visit_inspector" WHERE "inspector" = {}) '
    f'AND ("status" IN ({_SCANNABLE}) OR ("status" = \'{VisitStatus.filed.value}\' AND "is_emergency")) '
    'ORDER BY CASE WHEN "window_start" <= {} AND "window_end" >= {} THEN 0 ELSE 1 END, "window_start", "id" LIMIT 1',
)
# The conditional UPDATE decides arrival: of two simultaneous first scans only one wins it, and a visit cancelled
# or re-scheduled meanwhile (a new revision, another status) is not checked in.
_ARRIVABLE = ", ".join(f"'{s.value}'" for s in (VisitStatus.approved, VisitStatus.filed))
_CLAIM_ARRIVAL = PrebuiltSQL(
    Visit,
    'UPDATE "visit" SET "status" = {}, "checked_in_at" = {}, "revision" = "revision" + 1 '
    f'WHERE "id" = {{}} AND "checked_in_at" IS NULL AND "status" IN ({_ARRIVABLE}) RETURNING "id"',
)
_VISIT_STATUS = PrebuiltSQL(Visit, 'SELECT "status" FROM "visit" WHERE "id" = {}')
_INSERT_SCAN = PrebuiltSQL(
    Scan,
    'INSERT INTO "scan" ("visit", "inspector", "kind", "latitude", "longitude", "accuracy_m", "mock_location", '
    '"distance_m", "far_from_enterprise", "device_time", "at", "backfill", "backfill_reason", "onsite_problem") '
    'VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) RETURNING "id"',
)
_INSERT_UNFILED = PrebuiltSQL(
    UnfiledAttempt,
    'INSERT INTO "unfiled_attempt" ("inspector", "username", "uscc", "latitude", "longitude", "accuracy_m", '
    '"mock_location", "device_time", "at", "reason") VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}) RETURNING "id"',
)


class UnfiledVisit(DomainError):
    """No filed, approved visit matches: the scan is rejected and recorded for the supervisor."""

    status = 403
    code = "unfiled_visit"


def _inspector_of(actor: Actor) -> int:
    if actor.role != Role.inspector or actor.inspector_id is None:
        raise Forbidden(tr("Only an inspector's account scans enterprise codes."))
    return actor.inspector_id


def _scanned_code(content: str, env: ServiceContext, now: dt.datetime) -> EnterpriseClaims:
    result = verify_enterprise_token(content, env, now)
    if result.outcome is not Outcome.VALID or not isinstance(result.claims, EnterpriseClaims):
        raise InvalidInput(
            tr("The scanned code is not a valid enterprise code ({value}).", value=result.outcome.value),
            code="invalid_enterprise_code",
            field="content",
        )
    return result.claims


def _scan_time(data: ScanCreate, env: ServiceContext, now: dt.datetime) -> dt.datetime:
    """When the scan happened: now, or the device time of a back-fill after an outage (≤ 10 days)."""
    if not data.backfill_reason.strip():
        return now
    if data.device_time is None:
        raise InvalidInput(
            tr("A back-filled scan gives the device time it happened."), code="backfill_needs_time", field="device_time"
        )
    if data.device_time > now + FUTURE_SKEW:
        raise InvalidInput(tr("The device time is in the future."), code="device_time_in_future", field="device_time")
    if now - data.device_time > env.backfill_window:
        raise RuleViolation(
            tr("Back-fill is accepted within {days} days of the scan.", days=env.backfill_window.days),
            code="backfill_too_late",
            field="device_time",
        )
    return data.device_time


async def _matching_visit(
    inspector_id: int, enterprise_id: int, at: dt.datetime, env: ServiceContext
) -> dict[str, Any] | None:
    """The visit this scan belongs to (see ``_MATCHING_VISIT``): its ``id`` and ``status``."""
    return await _MATCHING_VISIT.fetchrow(enterprise_id, at + EARLY_ARRIVAL, at - env.code_grace, inspector_id, at, at)


def onsite_problem(data: ScanCreate, env: ServiceContext) -> str:
    """Why the scan does not prove the phone was on site ("" when it does): a mock location, no position, or
    an accuracy unknown or worse than the configured limit. Such a scan is recorded, flagged for the supervisor,
    and not counted in the 扫码入企 rate."""
    if data.mock_location:
        return "mock_location"
    if data.latitude is None or data.longitude is None:
        return "no_position"
    if data.accuracy_m is None or data.accuracy_m > env.scan_max_accuracy_m:
        return "poor_accuracy"
    return ""


async def record_scan(actor: Actor, data: ScanCreate, env: ServiceContext, now: dt.datetime) -> ScanRead:
    inspector_id = _inspector_of(actor)
    scanned = _scanned_code(data.content, env, now)
    uscc = scanned.uscc
    at = _scan_time(data, env, now)
    backfill = bool(data.backfill_reason.strip())

    problem = onsite_problem(data, env)

    async def refused(reason: str) -> int:
        rows = await _INSERT_UNFILED.fetch(
            inspector_id,
            actor.username,
            uscc,
            data.latitude,
            data.longitude,
            data.accuracy_m,
            data.mock_location,
            data.device_time,
            now,
            reason,
        )
        await audit.append(
            "unfiled_attempt",
            actor.username,
            audit.enterprise_subject(uscc),
            {
                "attempt_id": rows[0]["id"],
                "uscc": uscc,
                "inspector_id": inspector_id,
                "at": now,
                "device_time": data.device_time,
                "reason": reason,
                "mock_location": data.mock_location,
            },
            at=now,
        )
        return int(rows[0]["id"])

    async def action() -> tuple[int, dict[str, Any]]:
        enterprise = await _ENTERPRISE_BY_USCC.fetchrow(uscc)
        if enterprise is not None and not code_accepted(enterprise, scanned.issued_at, now):
            raise RuleViolation(
                tr("This printed enterprise code was replaced by a newer one; scan the code posted now."),
                code="enterprise_code_replaced",
                field="content",
            )
        visit = await _matching_visit(inspector_id, enterprise["id"], at, env) if enterprise else None
        if visit is None:
            return 403, {"attempt_id": await refused("no_matching_visit"), "uscc": uscc}
        invalid = await invalid_inspectors(visit["id"], at)
        if invalid:
            # A visit whose 执法证 holders are not all valid now is no lawful visit: refused and recorded.
            attempt = await refused("inspector_not_valid")
            people = [
                {"id": i.inspector_id, "name": i.name, "cert_no": i.cert_no, "problem": i.problem} for i in invalid
            ]
            return 422, {"attempt_id": attempt, "uscc": uscc, "visit_id": visit["id"], "inspectors": people}
        assert enterprise is not None
        distance = None
        if None not in (data.latitude, data.longitude, enterprise["latitude"], enterprise["longitude"]):
            distance = distance_m(data.latitude, data.longitude, enterprise["latitude"], enterprise["longitude"])  # type: ignore[arg-type]
        # Of two simultaneous first scans only one wins the conditional UPDATE: that one is the arrival.
        claimed = await _CLAIM_ARRIVAL.fetch(VisitStatus.checked_in.value, at, visit["id"])
        arrival = bool(claimed)
        if not arrival:
            current = await _VISIT_STATUS.fetchrow(visit["id"])
            if current is None or current["status"] != VisitStatus.checked_in.value:
                raise await state_changed(visit["id"])  # cancelled, re-scheduled or checked out meanwhile
        rows = await _INSERT_SCAN.fetch(
            visit["id"],
            inspector_id,
            "arrival" if arrival else "presence",
            data.latitude,
            data.longitude,
            data.accuracy_m,
            data.mock_location,
            distance,
            distance is not None and distance > env.scan_radius_m,
            data.device_time,
            at,
            backfill,
            data.backfill_reason,
            problem,
        )
        status = VisitStatus.checked_in.value if arrival else visit["status"]
        await audit.append(
            "scan",
            actor.username,
            audit.visit_subject(visit["id"]),
            {
                "visit_id": visit["id"],
                "scan_id": rows[0]["id"],
                "inspector_id": inspector_id,
                "kind": "arrival" if arrival else "presence",
                "at": at,
                "visit_status": status,
                "backfill": backfill,
                "backfill_reason": data.backfill_reason,
                "far_from_enterprise": distance is not None and distance > env.scan_radius_m,
                "mock_location": data.mock_location,
                "onsite_problem": problem or None,
                "client_event_id": data.client_event_id,
            },
            at=now,
        )
        read = ScanRead(
            id=rows[0]["id"],
            visit_id=visit["id"],
            kind="arrival" if arrival else "presence",
            at=at,
            visit_status=VisitStatus(status),
            distance_m=distance,
            far_from_enterprise=distance is not None and distance > env.scan_radius_m,
            mock_location=data.mock_location,
            backfill=backfill,
            onsite=not problem,
            onsite_problem=problem or None,
        )
        return 201, msgspec.to_builtins(read)

    outcome = await run_once(f"{actor.username}:{data.client_event_id}", "scan", data, action, now)
    if outcome.status == 422:
        body = outcome.body
        raise InspectorNotValid(
            tr(
                "The visit names inspectors who may not inspect now ({people}): the scan is refused and recorded "
                "for the supervisor.",
                people=[f"{i['name']} {i['cert_no']}" for i in body["inspectors"]],
            ),
            attempt_id=body["attempt_id"],
            visit_id=body["visit_id"],
            inspectors=body["inspectors"],
        )
    if outcome.status == 403:
        raise UnfiledVisit(
            tr(
                "No filed and approved visit of this enterprise names you for this time: "
                "the scan is rejected and recorded for the supervisor."
            ),
            attempt_id=outcome.body["attempt_id"],
            uscc=outcome.body["uscc"],
        )
    scan = msgspec.convert(outcome.body, ScanRead)
    if not outcome.replayed:
        await env.publish(
            f"visit-{scan.visit_id}", {"event": "scan", "visit_id": scan.visit_id, "status": scan.visit_status.value}
        )
    return scan


def checkout_time(
    device_time: dt.datetime | None, checked_in_at: dt.datetime | None, now: dt.datetime, window: dt.timedelta
) -> dt.datetime:
    """When the visit ended: the phone's time for a check-out kept offline and synced later, else now.

    The phone's clock is trusted only within bounds: not ahead of the server, not before the check-in,
    not older than the back-fill window (the audit event keeps both times).
    """
    if device_time is None:
        return now
    if device_time > now + FUTURE_SKEW:
        raise InvalidInput(tr("The device time is in the future."), code="device_time_in_future", field="device_time")
    if now - device_time > window:
        raise RuleViolation(
            tr("Back-fill is accepted within {days} days of the scan.", days=window.days),
            code="backfill_too_late",
            field="device_time",
        )
    if checked_in_at is not None and device_time < checked_in_at - FUTURE_SKEW:
        raise RuleViolation(
            tr("The check-out cannot be before the check-in ({checked_in_at}).", checked_in_at=checked_in_at),
            code="checkout_before_checkin",
            field="device_time",
        )
    # Within the skew of a phone's clock, the check-out is taken to follow the check-in.
    return min(max(device_time, checked_in_at or device_time), now)


async def check_out(
    actor: Actor, visit_id: int, data: CheckoutRequest, env: ServiceContext, now: dt.datetime
) -> VisitRead:
    inspector_id = _inspector_of(actor)

    async def action() -> tuple[int, dict[str, Any]]:
        row = await visit_row(visit_id)
        if inspector_id not in await visit_inspector_ids(visit_id):
            raise NotFound(tr("Visit {visit_id} does not exist.", visit_id=visit_id), code="visit_not_found")
        if row["status"] != VisitStatus.checked_in.value:
            raise RuleViolation(
                tr("Only a checked-in visit can be checked out: scan the enterprise code first."),
                code="visit_not_checked_in",
            )
        invalid = await invalid_inspectors(visit_id, now)
        if invalid:
            raise refuse_invalid(invalid, tr("Check-out"))
        checked_out_at = checkout_time(data.device_time, row["checked_in_at"], now, env.backfill_window)
        await transition(
            row,
            {
                Visit.status: VisitStatus.checked_out.value,
                Visit.checked_out_at: checked_out_at,
                Visit.result: data.result.value,
                Visit.findings: data.findings,
            },
        )
        await audit.append(
            "checkout",
            actor.username,
            audit.visit_subject(visit_id),
            {
                "visit_id": visit_id,
                "status": VisitStatus.checked_out.value,
                "checked_out_at": checked_out_at,
                "received_at": now,
                "result": data.result.value,
                "findings": data.findings,
                "client_event_id": data.client_event_id,
            },
            at=now,
        )
        return 200, {"visit_id": visit_id}

    outcome = await run_once(f"{actor.username}:{data.client_event_id}", "checkout", data, action, now)
    if outcome.body.get("visit_id") != visit_id:
        raise RuleViolation(
            tr("This client event id belongs to another visit's check-out."), code="idempotency_conflict"
        )
    if not outcome.replayed:
        await env.publish(f"visit-{visit_id}", {"event": "checkout", "visit_id": visit_id, "status": "checked_out"})
    return (await assemble([await visit_row(visit_id)], now))[0]


async def list_unfiled_attempts(
    *, uscc: str | None = None, since: dt.datetime | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[UnfiledAttemptRead], int]:
    query = UnfiledAttempt.select().order_by(UnfiledAttempt.id, ascending=False)
    count = UnfiledAttempt.count()
    conditions: list[Any] = []
    if uscc:
        conditions.append(UnfiledAttempt.uscc == uscc)
    if since:
        conditions.append(UnfiledAttempt.at >= since)
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    rows = await query.limit(limit).offset(offset)
    return [
        UnfiledAttemptRead(
            **{k: r[k] for k in UnfiledAttemptRead.__struct_fields__ if k in r}, inspector_id=r["inspector"]
        )
        for r in rows
    ], await count


async def list_scans(visit_id: int) -> list[dict[str, Any]]:
    return await Scan.select().where(Scan.visit == visit_id).order_by(Scan.id)

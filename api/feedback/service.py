"""Ratings (评价) and complaints (投诉): after-visit feedback from the enterprise, read by the supervisor.

Ratings are anonymous to the units: no rater is stored, and only supervisors (and admins) read them. Only the
inspected enterprise rates, through its own login (an enterprise account exists per USCC): the visit code alone
is no proof, since the inspectors hold it. No unit role can rate, or learn whether or when the enterprise rated
(the verification page's ``can_rate`` says only that rating is open).

Complaint workflow (立案、核实、认定、反馈、纠错、归档), one step at a time:

    received → verifying → determined → feedback → rectified → archived
                                               ↘──────────────↗  (feedback → archived)

``feedback → archived`` skips 纠错 for a complaint found unfounded (nothing to correct); it needs a note
saying so. Every step is appended to ``complaint_step`` with its actor and time; archiving sets
``closed_at``. A complaint is overdue while it is not archived and its due date (received + 30 days)
has passed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from api.actor import Actor
from api.audit import chain as audit
from api.context import ServiceContext
from api.errors import Conflict, Forbidden, NotFound, RuleViolation, StateChanged
from api.feedback import tracking
from api.feedback.schemas import (
    AdvanceRequest,
    ClearanceRead,
    ComplaintCreate,
    ComplaintDetail,
    ComplaintKind,
    ComplaintRead,
    ComplaintReceipt,
    ComplaintStepRead,
    ComplaintTracking,
    PublicComplaintCreate,
    RatingCreate,
    RatingRead,
    RatingReceipt,
    RatingSummary,
)
from api.i18n import render, tr
from api.idempotency import run_once
from api.registry.uscc import is_valid_uscc, normalize_uscc
from api.visits.reads import visible_visit_row
from api.visits.schemas import UnitOnVisit
from models.db import write_transaction
from models.enums import ComplaintFinding, ComplaintStatus, Role, VisitStatus
from models.visit_tables import (
    Complaint,
    ComplaintStep,
    InspectorClearance,
    Rating,
    Visit,
    VisitInspector,
    VisitUnit,
)
from qr import EnterpriseClaims, Outcome, VisitClaims, verify_token

COMPLAINT_DUE = dt.timedelta(days=30)  # 投诉 handled within 30 days (seed 003)
PUBLIC_ACTOR = "(public)"  # the filer of a complaint sent without login; no username can contain "("
RATABLE_OUTCOMES = (Outcome.VALID, Outcome.EXPIRED)  # a rating comes after the visit, often after expiry
NEXT_STATUS: dict[ComplaintStatus, tuple[ComplaintStatus, ...]] = {
    ComplaintStatus.received: (ComplaintStatus.verifying,),
    ComplaintStatus.verifying: (ComplaintStatus.determined,),
    ComplaintStatus.determined: (ComplaintStatus.feedback,),
    ComplaintStatus.feedback: (ComplaintStatus.rectified, ComplaintStatus.archived),
    ComplaintStatus.rectified: (ComplaintStatus.archived,),
    ComplaintStatus.archived: (),
}

Written = tuple[int, Any, bool]  # HTTP status, receipt, replayed


# -- ratings ---------------------------------------------------------------------------------------------
def _ensure_enterprise(actor: Actor) -> None:
    if actor.role != Role.enterprise or not actor.uscc:
        raise Forbidden(tr("Only the inspected enterprise rates a visit, logged in with its own account."))


async def rate_with_code(
    actor: Actor, token: str, data: RatingCreate, env: ServiceContext, now: dt.datetime
) -> Written:
    """The scanned visit code names the visit; the enterprise's login proves who rates."""
    _ensure_enterprise(actor)
    visit_id = await _visit_of_code(token, env, now)
    await visible_visit_row(actor, visit_id)  # another enterprise's visit: 404
    return await _rate(visit_id, data, now)


async def rate_as_enterprise(actor: Actor, visit_id: int, data: RatingCreate, now: dt.datetime) -> Written:
    """An enterprise account rates its own visit by id (others' visits are 404)."""
    _ensure_enterprise(actor)
    await visible_visit_row(actor, visit_id)
    return await _rate(visit_id, data, now)


async def _visit_of_code(token: str, env: ServiceContext, now: dt.datetime) -> int:
    result = verify_token(token, env.keyring, now)
    claims = result.claims
    if result.outcome not in RATABLE_OUTCOMES or not isinstance(claims, VisitClaims):
        raise Forbidden(tr("This is not a valid visit code."), code="invalid_code", outcome=result.outcome.value)
    row = await Visit.select(Visit.id, Visit.code_issued_at).where(Visit.id == claims.visit_id).first()
    if row is None:
        raise Forbidden(tr("This is not a valid visit code."), code="invalid_code", outcome="unknown_visit")
    if row["code_issued_at"] is not None and claims.issued_at < row["code_issued_at"]:
        # The visit was re-scheduled and re-approved: only its current code rates it.
        raise Forbidden(tr("This code was replaced by a newer one."), code="invalid_code", outcome="superseded")
    return int(row["id"])


async def _rate(visit_id: int, data: RatingCreate, now: dt.datetime) -> Written:
    # Hash what is rated, not the token's spelling: a retry through either route replays the first answer.
    body = {"visit_id": visit_id, "score": data.score, "comment": data.comment}

    async def action() -> tuple[int, dict[str, Any]]:
        visit = await Visit.select(Visit.status).where(Visit.id == visit_id).first()
        status = visit["status"] if visit else None
        if status == VisitStatus.cancelled.value:
            raise RuleViolation(tr("A cancelled visit cannot be rated."), code="visit_cancelled")
        if status != VisitStatus.checked_out.value:
            raise RuleViolation(tr("A visit is rated after check-out."), code="visit_not_checked_out")
        inserted = await Rating.raw(
            "INSERT INTO rating (visit, score, comment, at) VALUES ({}, {}, {}, {}) "
            "ON CONFLICT (visit) DO NOTHING RETURNING id",
            visit_id,
            data.score,
            data.comment,
            now,
        )
        if not inserted:
            raise Conflict(tr("This visit has already been rated."), code="already_rated")
        # The rater is never recorded: the actor is always "anonymous".
        await audit.append(
            "rating",
            "anonymous",
            audit.visit_subject(visit_id),
            {"visit_id": visit_id, "rating_id": inserted[0]["id"], "score": data.score, "at": now},
            at=now,
        )
        receipt = RatingReceipt(visit_id=visit_id, score=data.score, comment=data.comment, at=now)
        return 201, msgspec.to_builtins(receipt)

    outcome = await run_once(f"rating:{data.client_event_id}", "rating", body, action, now)
    return outcome.status, msgspec.convert(outcome.body, RatingReceipt), outcome.replayed


def _rating_conditions(unit_code: str | None, start: dt.datetime | None, end: dt.datetime | None) -> list[Any]:
    conditions: list[Any] = []
    if unit_code:
        conditions.append(
            Rating.visit.is_in(VisitUnit.select(VisitUnit.visit).where(VisitUnit.unit._.code == unit_code))
        )
    if start:
        conditions.append(Rating.at >= start)
    if end:
        conditions.append(Rating.at < end)
    return conditions


def _ensure_supervisor(actor: Actor) -> None:
    if not actor.sees_everything:
        raise Forbidden(tr("Ratings and complaints are read by the supervisor (司法局) only."))


async def list_ratings(
    actor: Actor,
    *,
    unit_code: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[RatingRead], int]:
    _ensure_supervisor(actor)
    query = Rating.select(Rating.visit, Rating.score, Rating.comment, Rating.at).order_by(Rating.at, ascending=False)
    count = Rating.count()
    for condition in _rating_conditions(unit_code, start, end):
        query, count = query.where(condition), count.where(condition)
    rows = await query.limit(limit).offset(offset)
    units = await VisitUnit.select(
        VisitUnit.visit, VisitUnit.unit._.code.as_alias("code"), VisitUnit.unit._.name.as_alias("name")
    ).where(VisitUnit.visit.is_in([r["visit"] for r in rows] or [-1]))
    ratings = [
        RatingRead(
            visit_id=r["visit"],
            units=sorted(
                (UnitOnVisit(code=u["code"], name=u["name"]) for u in units if u["visit"] == r["visit"]),
                key=lambda u: u.code,
            ),
            score=r["score"],
            comment=r["comment"],
            at=r["at"],
        )
        for r in rows
    ]
    return ratings, await count


async def rating_summary(
    actor: Actor, *, unit_code: str | None = None, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> RatingSummary:
    _ensure_supervisor(actor)
    query = Rating.select(Rating.score)
    for condition in _rating_conditions(unit_code, start, end):
        query = query.where(condition)
    distribution = dict.fromkeys(range(1, 6), 0)
    for row in await query:
        distribution[int(row["score"])] += 1
    total = sum(distribution.values())
    average = round(sum(s * n for s, n in distribution.items()) / total, 2) if total else None
    return RatingSummary(count=total, average=average, distribution=distribution)


# -- complaints: filing ------------------------------------------------------------------------------------
async def file_public_complaint(data: PublicComplaintCreate, env: ServiceContext, now: dt.datetime) -> Written:
    """Never refused for what the page passes along: a garbage code or USCC still files the complaint.

    The page forwards the USCC from its own query string, which the user cannot correct; an invalid one
    is not stored (the column holds only valid codes) rather than losing the complaint.
    """
    uscc = normalize_uscc(data.uscc) if data.uscc and is_valid_uscc(data.uscc) else ""
    return await _file_complaint(data, uscc, PUBLIC_ACTOR, env, now)


async def file_enterprise_complaint(
    actor: Actor, data: ComplaintCreate, env: ServiceContext, now: dt.datetime
) -> Written:
    if actor.role != Role.enterprise or not actor.uscc:
        raise Forbidden(tr("Complaints are filed by enterprise accounts (or without login)."))
    return await _file_complaint(data, actor.uscc, actor.username, env, now)


async def _code_link(
    token: str | None, uscc: str, env: ServiceContext, now: dt.datetime
) -> tuple[int | None, str, str]:
    """(linked visit id, verification outcome, USCC the code names) — never an error for a bad code."""
    if token is None or not token.strip():
        return None, "", ""
    result = verify_token(token.strip(), env.keyring, now)
    claims = result.claims
    if isinstance(claims, EnterpriseClaims):
        return None, result.outcome.value, claims.uscc
    if not isinstance(claims, VisitClaims):
        return None, result.outcome.value, ""
    outcome = result.outcome.value
    visit = await Visit.select(Visit.id, Visit.status).where(Visit.id == claims.visit_id).first()
    if visit is None:
        return None, outcome, claims.uscc
    if visit["status"] == VisitStatus.cancelled.value:
        outcome = "cancelled"
    elif uscc and uscc != claims.uscc:
        outcome = "enterprise_mismatch"
    return int(visit["id"]), outcome, claims.uscc


async def _file_complaint(
    data: ComplaintCreate, uscc: str, filed_by: str, env: ServiceContext, now: dt.datetime
) -> Written:
    body = {**msgspec.to_builtins(data), "uscc": uscc, "filed_by": filed_by}

    async def action() -> tuple[int, dict[str, Any]]:
        visit_id, outcome, code_uscc = await _code_link(data.token, uscc, env, now)
        due_at = now + COMPLAINT_DUE
        code = tracking.new_code()
        inserted = await Complaint.insert(
            Complaint(
                visit=visit_id,
                uscc=uscc or code_uscc,
                verification_outcome=outcome,
                kind=data.kind.value,
                description=data.description,
                contact=data.contact,
                status=ComplaintStatus.received.value,
                received_at=now,
                due_at=due_at,
                tracking_hash=tracking.code_hash(code),
            )
        )
        complaint_id = int(inserted[0]["id"])
        await _append_step(complaint_id, ComplaintStatus.received, "", filed_by, now)
        receipt = ComplaintReceipt(
            id=complaint_id,
            reference=reference(complaint_id),
            status=ComplaintStatus.received,
            due_at=due_at,
            tracking_code=code,
            tracking_url=f"{env.public_base_url.rstrip('/')}/public/complaints/{code}",
        )
        return 201, msgspec.to_builtins(receipt)

    outcome = await run_once(f"complaint:{data.client_event_id}", "complaint", body, action, now)
    return outcome.status, msgspec.convert(outcome.body, ComplaintReceipt), outcome.replayed


async def _append_step(complaint_id: int, status: ComplaintStatus, note: str, actor: str, now: dt.datetime) -> None:
    await ComplaintStep.insert(
        ComplaintStep(complaint=complaint_id, status=status.value, note=note, actor=actor, at=now)
    )
    await audit.append(
        "complaint.step",
        actor,
        f"complaint:{complaint_id}",
        {"complaint_id": complaint_id, "status": status.value, "note": note, "at": now},
        at=now,
    )


def reference(complaint_id: int) -> str:
    return f"TS-{complaint_id:06d}"


# -- complaints: reading and the workflow ------------------------------------------------------------------
def _own(actor: Actor) -> Any:
    """An enterprise's own complaints: those its account filed (a USCC typed into a public form proves nothing)."""
    filed = ComplaintStep.select(ComplaintStep.complaint).where(
        (ComplaintStep.status == ComplaintStatus.received.value) & (ComplaintStep.actor == actor.username)
    )
    return (Complaint.uscc == (actor.uscc or "")) & Complaint.id.is_in(filed)


def _overdue(row: dict[str, Any], now: dt.datetime) -> bool:
    return bool(row["status"] != ComplaintStatus.archived.value and row["due_at"] < now)


def _read(row: dict[str, Any], now: dt.datetime) -> ComplaintRead:
    return ComplaintRead(
        id=row["id"],
        reference=reference(row["id"]),
        visit_id=row["visit"],
        uscc=row["uscc"],
        verification_outcome=row["verification_outcome"],
        kind=ComplaintKind(row["kind"]),
        description=row["description"],
        contact=row["contact"],
        status=ComplaintStatus(row["status"]),
        received_at=row["received_at"],
        due_at=row["due_at"],
        closed_at=row["closed_at"],
        overdue=_overdue(row, now),
        finding=ComplaintFinding(row["finding"]) if row["finding"] else None,
        result_summary=row["result_summary"],
        feedback_mode=row["feedback_mode"],
        fed_back_at=row["fed_back_at"],
    )


def _reader_conditions(actor: Actor) -> list[Any]:
    if actor.role == Role.enterprise:
        return [_own(actor)]
    _ensure_supervisor(actor)  # unit roles never read complaints: complaints may concern them
    return []


async def list_complaints(
    actor: Actor,
    now: dt.datetime,
    *,
    status: ComplaintStatus | None = None,
    overdue: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[ComplaintRead], int]:
    conditions = _reader_conditions(actor)
    if status:
        conditions.append(Complaint.status == status.value)
    if overdue:
        conditions.append((Complaint.status != ComplaintStatus.archived.value) & (Complaint.due_at < now))
    query = Complaint.select().order_by(Complaint.due_at if overdue else Complaint.id, ascending=overdue)
    count = Complaint.count()
    for condition in conditions:
        query, count = query.where(condition), count.where(condition)
    rows = await query.limit(limit).offset(offset)
    return [_read(r, now) for r in rows], await count


async def read_complaint(actor: Actor, complaint_id: int, now: dt.datetime) -> ComplaintDetail:
    query = Complaint.select().where(Complaint.id == complaint_id)
    for condition in _reader_conditions(actor):
        query = query.where(condition)
    row = await query.first()
    if row is None:
        raise NotFound(
            tr("Complaint {complaint_id} does not exist.", complaint_id=complaint_id), code="complaint_not_found"
        )
    steps = await ComplaintStep.select().where(ComplaintStep.complaint == complaint_id).order_by(ComplaintStep.id)
    return ComplaintDetail(
        **msgspec.structs.asdict(_read(row, now)),
        steps=[
            ComplaintStepRead(status=ComplaintStatus(s["status"]), note=s["note"], actor=s["actor"], at=s["at"])
            for s in steps
        ],
        cleared_inspectors=await clearances(complaint_id),
    )


async def clearances(complaint_id: int) -> list[ClearanceRead]:
    rows = (
        await InspectorClearance.select(
            InspectorClearance.inspector,
            InspectorClearance.inspector._.name.as_alias("name"),
            InspectorClearance.inspector._.cert_no.as_alias("cert_no"),
            InspectorClearance.note,
            InspectorClearance.cleared_by,
            InspectorClearance.cleared_at,
        )
        .where(InspectorClearance.complaint == complaint_id)
        .order_by(InspectorClearance.id)
    )
    return [
        ClearanceRead(
            inspector_id=r["inspector"],
            name=r["name"],
            cert_no=r["cert_no"] or "",
            note=r["note"],
            cleared_by=r["cleared_by"],
            cleared_at=r["cleared_at"],
        )
        for r in rows
    ]


async def advance_complaint(actor: Actor, complaint_id: int, data: AdvanceRequest, now: dt.datetime) -> ComplaintDetail:
    _ensure_supervisor(actor)
    async with write_transaction():
        row = await Complaint.select().where(Complaint.id == complaint_id).first()
        if row is None:
            raise NotFound(
                tr("Complaint {complaint_id} does not exist.", complaint_id=complaint_id), code="complaint_not_found"
            )
        current = ComplaintStatus(row["status"])
        allowed = NEXT_STATUS[current]
        if data.to not in allowed:
            names = ", ".join(s.value for s in allowed) or "none (archived is final)"
            raise RuleViolation(
                tr(
                    "A {value} complaint cannot move to {value2}; next: {names}.",
                    value=current.value,
                    value2=data.to.value,
                    names=names,
                ),
                code="invalid_transition",
                field="to",
                allowed=[s.value for s in allowed],
            )
        if current == ComplaintStatus.feedback and data.to == ComplaintStatus.archived and not data.note.strip():
            raise RuleViolation(
                tr("Archiving without 纠错 needs a note saying why nothing was corrected (e.g. found unfounded)."),
                code="note_required",
                field="note",
            )
        closed_at = now if data.to == ComplaintStatus.archived else None
        changes: dict[Any, Any] = {Complaint.status: data.to.value, Complaint.closed_at: closed_at}
        named = data.to == ComplaintStatus.feedback and await _complainant_named(complaint_id, row)
        changes.update(_finding_changes(row, data, named, now))
        updated = (
            await Complaint.update(changes)
            .where((Complaint.id == complaint_id) & (Complaint.status == current.value))
            .returning(Complaint.id)
        )
        if not updated:
            now_row = await Complaint.select(Complaint.status).where(Complaint.id == complaint_id).first()
            raise StateChanged(
                tr(
                    "Complaint {reference} was moved on by another request meanwhile; reload it.",
                    reference=reference(complaint_id),
                ),
                current_status=now_row["status"] if now_row else None,
            )
        await _append_step(complaint_id, data.to, data.note, actor.username, now)
        if data.to == ComplaintStatus.determined and data.finding in tracking.CLEARING_FINDINGS:
            await _clear_inspectors(complaint_id, row["visit"], data, actor.username, now)
        if data.to == ComplaintStatus.feedback:
            await audit.append(
                "complaint.fed_back",
                actor.username,
                f"complaint:{complaint_id}",
                {"complaint_id": complaint_id, "mode": changes[Complaint.feedback_mode], "at": now},
                at=now,
            )
    return await read_complaint(actor, complaint_id, now)


async def _complainant_named(complaint_id: int, row: dict[str, Any]) -> bool:
    """实名: the complaint came from an enterprise account or left a contact; otherwise anonymous."""
    if str(row["contact"]).strip():
        return True
    filed = (
        await ComplaintStep.select(ComplaintStep.actor)
        .where((ComplaintStep.complaint == complaint_id) & (ComplaintStep.status == ComplaintStatus.received.value))
        .first()
    )
    return filed is not None and filed["actor"] != PUBLIC_ACTOR


def _finding_changes(row: dict[str, Any], data: AdvanceRequest, named: bool, now: dt.datetime) -> dict[Any, Any]:
    """认定 records the finding; 反馈 records the result in general words and when it was fed back."""
    if data.to == ComplaintStatus.determined:
        if data.finding is None:
            raise RuleViolation(
                tr("认定 names the finding: substantiated, untrue, no_evidence or tolerated."),
                code="finding_required",
                field="finding",
            )
        return {Complaint.finding: data.finding.value}
    if data.finding is not None:
        raise RuleViolation(
            tr("The finding is recorded at 认定 (the move to determined)."), code="finding_not_here", field="finding"
        )
    if data.to == ComplaintStatus.feedback:
        finding = ComplaintFinding(row["finding"]) if row["finding"] else None
        words = tracking.result_words(finding, data.result)
        # Stored in Chinese when the standard words are used: the page shows them to the public as they are.
        return {
            Complaint.result_summary: render(words),
            Complaint.fed_back_at: now,
            Complaint.feedback_mode: "named" if named else "anonymous",
        }
    return {}


async def _clear_inspectors(
    complaint_id: int, visit_id: int | None, data: AdvanceRequest, username: str, now: dt.datetime
) -> None:
    """澄清保护: the inspectors of the visit the complaint named are cleared, visibly, on the complaint."""
    if visit_id is None:
        return
    people = await VisitInspector.select(VisitInspector.inspector).where(VisitInspector.visit == visit_id)
    ids = sorted({int(p["inspector"]) for p in people})
    if not ids:
        return
    note = data.note.strip() or render(tracking.RESULT_WORDS[data.finding or ComplaintFinding.untrue])
    await InspectorClearance.insert(
        *(
            InspectorClearance(complaint=complaint_id, inspector=i, note=note, cleared_by=username, cleared_at=now)
            for i in ids
        )
    )
    await audit.append(
        "complaint.clearance",
        username,
        f"complaint:{complaint_id}",
        {"complaint_id": complaint_id, "visit_id": visit_id, "inspector_ids": ids, "finding": str(data.finding)},
        at=now,
    )


# -- complaints: the public tracking page ------------------------------------------------------------------
async def track_complaint(code: str, now: dt.datetime, locale: str) -> ComplaintTracking:
    """What the tracking code shows; an unknown or malformed code is 404 (never says which)."""
    normal = tracking.normalize(code)
    row = None
    if normal is not None:
        row = await Complaint.select().where(Complaint.tracking_hash == tracking.code_hash(normal)).first()
    if row is None:
        raise NotFound(tr("No complaint has this tracking code."), code="tracking_code_unknown")
    status = ComplaintStatus(row["status"])
    closed = status == ComplaintStatus.archived
    return ComplaintTracking(
        reference=reference(row["id"]),
        status=status,
        status_text=render(tracking.STATUS_WORDS[status], locale),
        kind=ComplaintKind(row["kind"]),
        received_at=row["received_at"],
        due_at=row["due_at"],
        closed_at=row["closed_at"],
        result=row["result_summary"] if closed else "",
        fed_back=row["fed_back_at"] is not None,
    )

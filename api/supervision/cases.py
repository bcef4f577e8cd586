"""履职尽责容错纠错 cases run by the supervision body (司法局), step by step, every step audited.

The supervisor (or an admin) opens a case (立案) from a complaint, a 12345 referral, an unfiled attempt, a
metric warning or by hand, naming the unit and the inspectors concerned; the steps follow ``rules.NEXT_STEP``.
The unit concerned (its planners and approvers) reads its own cases and answers through the API: its report on
a case handed over to it (第十五条), a 复核 request (第十九条), a longer correction deadline and the correction
done (第二十条). Each write is one transaction with its ``case_event`` row and its audit event.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Forbidden, NotFound, RuleViolation, StateChanged
from api.evidence.files import known_evidence
from api.i18n import render, tr
from api.supervision import rules
from api.supervision.schemas import (
    CaseAdvance,
    CaseCreate,
    CaseDetail,
    CaseRead,
    ClearedInspector,
    CorrectionExtensionDecision,
    CorrectionExtensionRequest,
    CorrectionReport,
    EventRead,
    ExtensionCreate,
    HandOver,
    InvestigatorsAssign,
    PersonRead,
    ReviewDecision,
    ReviewRequest,
    StatementCreate,
    UnitReport,
)
from models.db import write_transaction
from models.enums import CaseDetermination, CaseSource, CaseStep, Role
from models.supervision_tables import CaseEvent, CaseInvestigator, CasePerson, SupervisionCase
from models.tables import Inspector, Unit, User
from models.values import json_list
from models.visit_tables import Complaint, InspectorClearance, UnfiledAttempt, Visit, VisitInspector

UNIT_ROLES = (Role.planner, Role.approver)
SUPERVISING = (Role.supervisor, Role.admin)


def reference(case_id: int) -> str:
    return f"RC-{case_id:06d}"


def _facts(row: dict[str, Any]) -> rules.CaseFacts:
    return rules.CaseFacts(
        step=CaseStep(row["step"]),
        opened_at=row["opened_at"],
        extension_days=row["extension_days"],
        determined_at=row["determined_at"],
        notified_at=row["notified_at"],
        handed_to_unit_at=row["handed_to_unit_at"],
        unit_handled_at=row["unit_handled_at"],
        unit_reported_at=row["unit_reported_at"],
        review_requested_at=row["review_requested_at"],
        review_decided_at=row["review_decided_at"],
        correction_due_at=row["correction_due_at"],
        correction_extension_days=row["correction_extension_days"],
        correction_completed_at=row["correction_completed_at"],
    )


# -- who may see and do what ------------------------------------------------------------------------------------
def _ensure_supervisor(actor: Actor) -> None:
    if actor.role not in SUPERVISING:
        raise Forbidden(tr("容错纠错 cases are run by the supervision body (司法局)."))


def _unit_condition(actor: Actor) -> Any:
    if actor.sees_everything:
        return None
    if actor.role in UNIT_ROLES and actor.unit_id is not None:
        return SupervisionCase.unit == actor.unit_id
    raise Forbidden(tr("Only the supervision body and the unit concerned read a case."))


async def case_row(actor: Actor, case_id: int) -> dict[str, Any]:
    condition = _unit_condition(actor)
    query = SupervisionCase.select(
        *SupervisionCase.all_columns(),
        SupervisionCase.unit._.code.as_alias("unit_code"),
        SupervisionCase.unit._.name.as_alias("unit_name"),
    ).where(SupervisionCase.id == case_id)
    if condition is not None:
        query = query.where(condition)
    row = await query.first()
    if row is None:
        raise NotFound(tr("Case {reference} does not exist.", reference=reference(case_id)), code="case_not_found")
    return row


def ensure_unit_of(actor: Actor, row: dict[str, Any]) -> None:
    """The unit answers for itself; the supervisor may record an answer it received on paper."""
    if actor.role in SUPERVISING:
        return
    if actor.role not in UNIT_ROLES or actor.unit_id != row["unit"]:
        raise Forbidden(tr("Only the unit concerned answers on its case."), code="not_your_unit")


# -- writing ----------------------------------------------------------------------------------------------------
async def checked_attachments(attachments: list[str]) -> list[str]:
    hashes = [a.lower() for a in attachments]
    for sha256 in hashes:
        if await known_evidence(sha256) is None:
            raise RuleViolation(
                tr("No evidence file has SHA-256 {sha256}; upload it first.", sha256=sha256),
                code="attachment_unknown",
                field="attachments",
            )
    return hashes


async def _event(
    case_id: int,
    action: str,
    step: CaseStep,
    actor: str,
    now: dt.datetime,
    note: str = "",
    attachments: list[str] | None = None,
    **details: Any,
) -> None:
    files = await checked_attachments(attachments or [])
    await CaseEvent.insert(
        CaseEvent(
            case=case_id, action=action, step=step.value, note=note, attachments=json.dumps(files), actor=actor, at=now
        )
    )
    await audit.append(
        f"case.{action}",
        actor,
        f"case:{case_id}",
        {"case_id": case_id, "step": step.value, "note": note, "attachments": files, "at": now, **details},
        at=now,
    )


async def _update(case_id: int, expected_step: CaseStep, changes: dict[Any, Any]) -> None:
    """Apply ``changes`` if the case is still at ``expected_step`` (another request may have moved it)."""
    updated = (
        await SupervisionCase.update(changes)
        .where((SupervisionCase.id == case_id) & (SupervisionCase.step == expected_step.value))
        .returning(SupervisionCase.id)
    )
    if not updated:
        raise StateChanged(
            tr("Case {reference} was changed by another request meanwhile; reload it.", reference=reference(case_id))
        )


Mutation = Callable[[dict[str, Any]], Awaitable[None]]


async def _write(actor: Actor, case_id: int, mutation: Mutation, now: dt.datetime) -> CaseDetail:
    async with write_transaction():
        row = await case_row(actor, case_id)
        await mutation(row)
    return await read_case(actor, case_id, now)


# -- 立案 ---------------------------------------------------------------------------------------------------------
async def _derived_people(data: CaseCreate) -> tuple[int | None, int | None, list[int], str]:
    """(unit id, visit id, inspector ids, source ref) from the complaint or unfiled attempt the case comes from."""
    visit_id = data.visit_id
    unit_id: int | None = None
    people = list(data.inspector_ids)
    source_ref = data.source_ref
    if data.source == CaseSource.complaint:
        if data.complaint_id is None:
            raise RuleViolation(
                tr("A case from a complaint names the complaint."), code="complaint_required", field="complaint_id"
            )
        complaint = await Complaint.select(Complaint.visit).where(Complaint.id == data.complaint_id).first()
        if complaint is None:
            raise NotFound(tr("No such complaint."), code="complaint_not_found", field="complaint_id")
        visit_id = visit_id or complaint["visit"]
        source_ref = source_ref or f"TS-{data.complaint_id:06d}"
    if data.source == CaseSource.unfiled_attempt:
        attempt_id = int(data.source_ref) if data.source_ref.isdigit() else -1
        attempt = (
            await UnfiledAttempt.select(UnfiledAttempt.inspector, UnfiledAttempt.inspector._.unit.as_alias("unit"))
            .where(UnfiledAttempt.id == attempt_id)
            .first()
        )
        if attempt is None:
            raise NotFound(
                tr("No unfiled attempt has this id (source_ref)."), code="unfiled_attempt_not_found", field="source_ref"
            )
        if attempt["inspector"] is not None:
            people = people or [attempt["inspector"]]
            unit_id = attempt["unit"]
    if visit_id is not None:
        visit = await Visit.select(Visit.lead_unit).where(Visit.id == visit_id).first()
        if visit is None:
            raise NotFound(tr("No such visit."), code="visit_not_found", field="visit_id")
        unit_id = unit_id or visit["lead_unit"]
        if not people:
            people = [r["inspector"] for r in await VisitInspector.select().where(VisitInspector.visit == visit_id)]
    return unit_id, visit_id, sorted(set(people)), source_ref


async def open_case(actor: Actor, data: CaseCreate, now: dt.datetime, *, auto_key: str | None = None) -> CaseDetail:
    _ensure_supervisor(actor)
    async with write_transaction():
        case_id = await insert_case(actor.username, data, now, auto_key=auto_key)
    return await read_case(actor, case_id, now)


async def insert_case(username: str, data: CaseCreate, now: dt.datetime, *, auto_key: str | None = None) -> int:
    """Open a case inside the caller's write transaction (the automatic escalations call this too)."""
    unit_id, visit_id, people, source_ref = await _derived_people(data)
    if data.unit_code:
        unit = await Unit.select(Unit.id).where(Unit.code == data.unit_code).first()
        if unit is None:
            raise NotFound(tr("Unknown unit {code}.", code=data.unit_code), code="unit_not_found", field="unit_code")
        unit_id = unit["id"]
    if unit_id is None:
        raise RuleViolation(tr("A case names the unit concerned."), code="unit_required", field="unit_code")
    if people:
        found = await Inspector.select(Inspector.id).where(Inspector.id.is_in(people))
        missing = sorted(set(people) - {r["id"] for r in found})
        if missing:
            raise NotFound(
                tr("Unknown inspectors {ids}.", ids=missing), code="inspector_not_found", field="inspector_ids"
            )
    inserted = await SupervisionCase.insert(
        SupervisionCase(
            source=data.source.value,
            source_ref=source_ref,
            auto_key=auto_key,
            unit=unit_id,
            complaint=data.complaint_id,
            visit=visit_id,
            title=data.title,
            summary=data.summary,
            error_kind=data.error_kind,
            step=CaseStep.opened.value,
            opened_by=username,
            opened_at=now,
            decision_due_at=rules.decision_due(now, 0),
        )
    ).returning(SupervisionCase.id)
    case_id = int(inserted[0]["id"])
    if people:
        await CasePerson.insert(*(CasePerson(case=case_id, inspector=i) for i in people))
    await _event(
        case_id,
        "opened",
        CaseStep.opened,
        username,
        now,
        data.note,
        data.attachments,
        source=data.source.value,
        source_ref=source_ref,
        unit_id=unit_id,
        inspector_ids=people,
        visit_id=visit_id,
        complaint_id=data.complaint_id,
    )
    return case_id


# -- 核实: investigators, 陈述申辩, extension, hand-over ------------------------------------------------------------
async def assign_investigators(actor: Actor, case_id: int, data: InvestigatorsAssign, now: dt.datetime) -> CaseDetail:
    _ensure_supervisor(actor)

    async def mutate(row: dict[str, Any]) -> None:
        step = CaseStep(row["step"])
        if step not in (CaseStep.opened, CaseStep.verifying):
            raise RuleViolation(tr("Investigators are assigned before 认定."), code="case_determined")
        names = sorted(set(data.usernames))
        accounts = await User.select(User.username).where(
            User.username.is_in(names) & User.role.is_in([r.value for r in SUPERVISING]) & (User.active == True)  # noqa: E712
        )
        unknown = sorted(set(names) - {a["username"] for a in accounts})
        if unknown:
            raise RuleViolation(
                tr("Investigators are active accounts of the supervision body; not: {names}.", names=unknown),
                code="investigator_unknown",
                field="usernames",
            )
        have = {r["username"] for r in await CaseInvestigator.select().where(CaseInvestigator.case == case_id)}
        new = [n for n in names if n not in have]
        if new:
            await CaseInvestigator.insert(
                *(CaseInvestigator(case=case_id, username=n, assigned_by=actor.username, assigned_at=now) for n in new)
            )
        await _event(case_id, "investigators", step, actor.username, now, data.note, usernames=names)

    return await _write(actor, case_id, mutate, now)


async def record_statement(actor: Actor, case_id: int, data: StatementCreate, now: dt.datetime) -> CaseDetail:
    _ensure_supervisor(actor)

    async def mutate(row: dict[str, Any]) -> None:
        step = CaseStep(row["step"])
        if step not in (CaseStep.opened, CaseStep.verifying):
            raise RuleViolation(tr("陈述申辩 is heard before 认定."), code="case_determined")
        if not data.waived and not data.statement.strip():
            raise RuleViolation(
                tr("Write the statement, or mark it waived when the person declined."),
                code="statement_required",
                field="statement",
            )
        updated = (
            await CasePerson.update(
                {
                    CasePerson.statement: data.statement,
                    CasePerson.statement_waived: "yes" if data.waived else "",
                    CasePerson.statement_at: now,
                }
            )
            .where((CasePerson.case == case_id) & (CasePerson.inspector == data.inspector_id))
            .returning(CasePerson.id)
        )
        if not updated:
            raise NotFound(
                tr("Inspector {id} is not a person of this case.", id=data.inspector_id),
                code="person_not_on_case",
                field="inspector_id",
            )
        await _event(
            case_id,
            "statement",
            step,
            actor.username,
            now,
            data.statement,
            data.attachments,
            inspector_id=data.inspector_id,
            waived=data.waived,
        )

    return await _write(actor, case_id, mutate, now)


async def extend(actor: Actor, case_id: int, data: ExtensionCreate, now: dt.datetime) -> CaseDetail:
    _ensure_supervisor(actor)

    async def mutate(row: dict[str, Any]) -> None:
        rules.check_extension(_facts(row), data.days, now)
        step = CaseStep(row["step"])
        await _update(
            case_id,
            step,
            {
                SupervisionCase.extension_days: data.days,
                SupervisionCase.extension_reason: data.reason,
                SupervisionCase.extension_approved_by: data.approved_by,
                SupervisionCase.decision_due_at: rules.decision_due(row["opened_at"], data.days),
            },
        )
        await _event(
            case_id, "extension", step, actor.username, now, data.reason, days=data.days, approved_by=data.approved_by
        )

    return await _write(actor, case_id, mutate, now)


async def hand_over(actor: Actor, case_id: int, data: HandOver, now: dt.datetime) -> CaseDetail:
    """第十五条: the unit investigates itself (30 days) and reports its result (7 days)."""
    _ensure_supervisor(actor)

    async def mutate(row: dict[str, Any]) -> None:
        step = CaseStep(row["step"])
        if step not in (CaseStep.opened, CaseStep.verifying) or row["handed_to_unit_at"] is not None:
            raise RuleViolation(
                tr("Only a case not yet determined or handed over can be handed over."), code="hand_over_late"
            )
        await _update(case_id, step, {SupervisionCase.handed_to_unit_at: now})
        await _event(case_id, "handed_over", step, actor.username, now, data.note, unit_id=row["unit"])

    return await _write(actor, case_id, mutate, now)


async def unit_report(actor: Actor, case_id: int, data: UnitReport, now: dt.datetime) -> CaseDetail:
    async def mutate(row: dict[str, Any]) -> None:
        ensure_unit_of(actor, row)
        if row["handed_to_unit_at"] is None:
            raise RuleViolation(tr("This case was not handed over to the unit."), code="not_handed_over")
        if row["unit_reported_at"] is not None:
            raise RuleViolation(tr("The unit reported on this case already."), code="already_reported")
        handled = data.handled_at or now
        if handled > now or handled < row["handed_to_unit_at"]:
            raise RuleViolation(
                tr("The handling date lies between the hand-over and now."),
                code="handled_at_invalid",
                field="handled_at",
            )
        step = CaseStep(row["step"])
        await _update(
            case_id,
            step,
            {
                SupervisionCase.unit_handled_at: handled,
                SupervisionCase.unit_reported_at: now,
                SupervisionCase.unit_result: data.result,
            },
        )
        await _event(
            case_id, "unit_report", step, actor.username, now, data.result, data.attachments, handled_at=handled
        )

    return await _write(actor, case_id, mutate, now)


# -- the steps ---------------------------------------------------------------------------------------------------
async def _repeats_exempted_error(case_id: int, row: dict[str, Any]) -> bool:
    """第十二条(五): a person of this case had the same error (error_kind) tolerated (免责) in another case."""
    if not row["error_kind"]:
        return False
    people = [p["inspector"] for p in await CasePerson.select(CasePerson.inspector).where(CasePerson.case == case_id)]
    if not people:
        return False
    earlier = (
        await CasePerson.select(CasePerson.id)
        .where(
            CasePerson.inspector.is_in(people)
            & (CasePerson.case != case_id)
            & (CasePerson.case._.error_kind == row["error_kind"])
            & (CasePerson.case._.determination == CaseDetermination.exempted.value)
        )
        .first()
    )
    return earlier is not None


async def _determination_changes(
    case_id: int, row: dict[str, Any], determination: CaseDetermination | None, grounds: list[str]
) -> dict[Any, Any]:
    if determination is None:
        raise RuleViolation(
            tr("认定 names the determination: fulfilled, exempted, mitigated or not_tolerated."),
            code="determination_required",
            field="determination",
        )
    parsed = rules.parse_grounds(grounds)
    rules.check_determination(determination, parsed, await _repeats_exempted_error(case_id, row))
    return {
        SupervisionCase.determination: determination.value,
        SupervisionCase.grounds: json.dumps([f"{a}.{i}" for a, i in parsed]),
    }


async def _check_verified(case_id: int, row: dict[str, Any]) -> None:
    """第十六条: two investigators at least, and each person heard (unless the unit investigated itself)."""
    count = await CaseInvestigator.count().where(CaseInvestigator.case == case_id)
    if count < rules.MIN_INVESTIGATORS and row["handed_to_unit_at"] is None:
        raise RuleViolation(
            tr("A case is investigated by at least {n} investigators (第十六条).", n=rules.MIN_INVESTIGATORS),
            code="investigators_required",
        )


async def _check_heard(case_id: int, row: dict[str, Any]) -> None:
    if row["handed_to_unit_at"] is not None:
        if row["unit_reported_at"] is None:
            raise RuleViolation(
                tr("The unit has not reported its handling yet (第十五条)."), code="unit_report_missing"
            )
        return
    unheard = await CasePerson.select(CasePerson.inspector).where(
        (CasePerson.case == case_id) & CasePerson.statement_at.is_null()
    )
    if unheard:
        raise RuleViolation(
            tr("The 陈述申辩 of every person concerned is recorded before 认定 (第十六条)."),
            code="statement_missing",
            inspector_ids=[r["inspector"] for r in unheard],
        )


async def advance(actor: Actor, case_id: int, data: CaseAdvance, now: dt.datetime) -> CaseDetail:
    _ensure_supervisor(actor)

    async def mutate(row: dict[str, Any]) -> None:
        current = CaseStep(row["step"])
        rules.check_step(current, data.to)
        changes: dict[Any, Any] = {SupervisionCase.step: data.to.value}
        details: dict[str, Any] = {"from": current.value}
        if data.to == CaseStep.verifying:
            await _check_verified(case_id, row)
        elif data.to == CaseStep.determined:
            await _check_verified(case_id, row)
            await _check_heard(case_id, row)
            changes.update(await _determination_changes(case_id, row, data.determination, data.grounds))
            changes[SupervisionCase.determined_at] = now
            details.update(determination=str(data.determination), grounds=json.loads(changes[SupervisionCase.grounds]))
        elif data.to == CaseStep.notified:
            changes[SupervisionCase.notified_at] = now
        elif data.to == CaseStep.correcting:
            if not data.requirements.strip() or data.correction_due_at is None:
                raise RuleViolation(
                    tr("纠错 states the requirements and a deadline (第二十条)."),
                    code="correction_terms_required",
                    field="requirements",
                )
            if data.correction_due_at <= now:
                raise RuleViolation(
                    tr("The correction deadline lies in the future."),
                    code="correction_due_past",
                    field="correction_due_at",
                )
            changes[SupervisionCase.correction_requirements] = data.requirements
            changes[SupervisionCase.correction_due_at] = data.correction_due_at
            details.update(requirements=data.requirements, correction_due_at=data.correction_due_at)
        elif data.to == CaseStep.archived:
            _check_archivable(row, current, data.note)
            changes[SupervisionCase.archived_at] = now
        await _update(case_id, current, changes)
        await _event(case_id, "step", data.to, actor.username, now, data.note, data.attachments, **details)

    return await _write(actor, case_id, mutate, now)


def _check_archivable(row: dict[str, Any], current: CaseStep, note: str) -> None:
    if row["review_requested_at"] is not None and row["review_decided_at"] is None:
        raise RuleViolation(tr("A review (复核) is pending: decide it before archiving."), code="review_pending")
    if current == CaseStep.correcting and row["correction_completed_at"] is None:
        raise RuleViolation(tr("The correction is not reported done yet."), code="correction_not_completed")
    if current == CaseStep.notified and row["determination"] == CaseDetermination.not_tolerated.value:
        raise RuleViolation(
            tr("A case not tolerated goes through 纠错 before it is archived (第二十条)."), code="correction_required"
        )
    if current == CaseStep.notified and not note.strip():
        raise RuleViolation(
            tr("Archiving without 纠错 needs a note saying why nothing is corrected."),
            code="note_required",
            field="note",
        )


# -- 复核 (第十九条) ------------------------------------------------------------------------------------------------
async def request_review(actor: Actor, case_id: int, data: ReviewRequest, now: dt.datetime) -> CaseDetail:
    async def mutate(row: dict[str, Any]) -> None:
        ensure_unit_of(actor, row)
        rules.check_review_request(_facts(row), now)
        step = CaseStep(row["step"])
        await _update(
            case_id, step, {SupervisionCase.review_requested_at: now, SupervisionCase.review_reason: data.reason}
        )
        await _event(case_id, "review_requested", step, actor.username, now, data.reason, data.attachments)

    return await _write(actor, case_id, mutate, now)


async def decide_review(actor: Actor, case_id: int, data: ReviewDecision, now: dt.datetime) -> CaseDetail:
    _ensure_supervisor(actor)

    async def mutate(row: dict[str, Any]) -> None:
        if row["review_requested_at"] is None or row["review_decided_at"] is not None:
            raise RuleViolation(tr("No review is waiting for a decision."), code="no_review_pending")
        step = CaseStep(row["step"])
        changes: dict[Any, Any] = {SupervisionCase.review_decided_at: now, SupervisionCase.review_outcome: data.outcome}
        if data.outcome == "revised":
            changes.update(await _determination_changes(case_id, row, data.determination, data.grounds))
        await _update(case_id, step, changes)
        await _event(
            case_id,
            "review_decided",
            step,
            actor.username,
            now,
            data.note,
            outcome=data.outcome,
            determination=str(data.determination) if data.outcome == "revised" else row["determination"],
        )

    return await _write(actor, case_id, mutate, now)


# -- 纠错 (第二十条) ------------------------------------------------------------------------------------------------
def _ensure_correcting(row: dict[str, Any]) -> None:
    if row["step"] != CaseStep.correcting.value:
        raise RuleViolation(tr("The case is not at 纠错."), code="not_correcting")


async def request_correction_extension(
    actor: Actor, case_id: int, data: CorrectionExtensionRequest, now: dt.datetime
) -> CaseDetail:
    async def mutate(row: dict[str, Any]) -> None:
        ensure_unit_of(actor, row)
        _ensure_correcting(row)
        if row["correction_completed_at"] is not None or row["correction_extension_requested_days"]:
            raise RuleViolation(
                tr("A longer correction deadline is asked for once, before the correction is done."),
                code="correction_extension_closed",
            )
        await _update(
            case_id,
            CaseStep.correcting,
            {
                SupervisionCase.correction_extension_requested_days: data.days,
                SupervisionCase.correction_extension_reason: data.reason,
            },
        )
        await _event(
            case_id,
            "correction_more_time",
            CaseStep.correcting,
            actor.username,
            now,
            data.reason,
            days=data.days,
        )

    return await _write(actor, case_id, mutate, now)


async def decide_correction_extension(
    actor: Actor, case_id: int, data: CorrectionExtensionDecision, now: dt.datetime
) -> CaseDetail:
    _ensure_supervisor(actor)

    async def mutate(row: dict[str, Any]) -> None:
        _ensure_correcting(row)
        days = row["correction_extension_requested_days"]
        if not days or row["correction_extension_days"]:
            raise RuleViolation(
                tr("No request for a longer correction deadline is waiting."), code="no_extension_request"
            )
        changes: dict[Any, Any] = (
            {SupervisionCase.correction_extension_days: days}
            if data.approve
            else {SupervisionCase.correction_extension_requested_days: 0}
        )
        await _update(case_id, CaseStep.correcting, changes)
        await _event(
            case_id,
            "correction_time_decided",
            CaseStep.correcting,
            actor.username,
            now,
            data.note,
            approved=data.approve,
            days=days,
        )

    return await _write(actor, case_id, mutate, now)


async def report_correction(actor: Actor, case_id: int, data: CorrectionReport, now: dt.datetime) -> CaseDetail:
    async def mutate(row: dict[str, Any]) -> None:
        ensure_unit_of(actor, row)
        _ensure_correcting(row)
        if row["correction_completed_at"] is not None:
            raise RuleViolation(tr("The correction was reported done already."), code="already_reported")
        await _update(
            case_id,
            CaseStep.correcting,
            {SupervisionCase.correction_completed_at: now, SupervisionCase.correction_report: data.report},
        )
        await _event(
            case_id, "correction_done", CaseStep.correcting, actor.username, now, data.report, data.attachments
        )

    return await _write(actor, case_id, mutate, now)


# -- reading -----------------------------------------------------------------------------------------------------
def _read(row: dict[str, Any], now: dt.datetime, locale: str = "zh_CN") -> CaseRead:
    facts = _facts(row)
    late = rules.overdue(facts, now)
    return CaseRead(
        id=row["id"],
        reference=reference(row["id"]),
        source=CaseSource(row["source"]),
        source_ref=row["source_ref"],
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        title=row["title"],
        step=CaseStep(row["step"]),
        opened_at=row["opened_at"],
        decision_due_at=row["decision_due_at"],
        determination=CaseDetermination(row["determination"]) if row["determination"] else None,
        deadlines=rules.deadlines(facts),
        overdue=late,
        overdue_text=[render(rules.overdue_words(code), locale) for code in late],
    )


async def list_cases(
    actor: Actor,
    now: dt.datetime,
    *,
    step: CaseStep | None = None,
    overdue: bool = False,
    open_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[CaseRead], int]:
    query = SupervisionCase.select(
        *SupervisionCase.all_columns(),
        SupervisionCase.unit._.code.as_alias("unit_code"),
        SupervisionCase.unit._.name.as_alias("unit_name"),
    ).order_by(SupervisionCase.id, ascending=False)
    condition = _unit_condition(actor)
    if condition is not None:
        query = query.where(condition)
    if step is not None:
        query = query.where(SupervisionCase.step == step.value)
    if overdue or open_only:
        query = query.where(SupervisionCase.step != CaseStep.archived.value)
    cases = [_read(r, now) for r in await query]
    if overdue:  # deadlines depend on several columns: computed by the rules, not in SQL
        cases = [c for c in cases if c.overdue]
    return cases[offset : offset + limit], len(cases)


async def read_case(actor: Actor, case_id: int, now: dt.datetime) -> CaseDetail:
    row = await case_row(actor, case_id)
    base = _read(row, now)
    persons = (
        await CasePerson.select(
            *CasePerson.all_columns(),
            CasePerson.inspector._.name.as_alias("name"),
            CasePerson.inspector._.cert_no.as_alias("cert_no"),
        )
        .where(CasePerson.case == case_id)
        .order_by(CasePerson.inspector)
    )
    investigators = await CaseInvestigator.select(CaseInvestigator.username).where(CaseInvestigator.case == case_id)
    events = await CaseEvent.select().where(CaseEvent.case == case_id).order_by(CaseEvent.id)
    cleared: list[ClearedInspector] = []
    if row["complaint"] is not None:
        cleared = [
            ClearedInspector(inspector_id=c["inspector"], name=c["name"], note=c["note"], cleared_at=c["cleared_at"])
            for c in await InspectorClearance.select(
                InspectorClearance.inspector,
                InspectorClearance.inspector._.name.as_alias("name"),
                InspectorClearance.note,
                InspectorClearance.cleared_at,
            ).where(InspectorClearance.complaint == row["complaint"])
        ]
    grounds = [str(g) for g in json_list(row["grounds"])]
    return CaseDetail(
        **{f: getattr(base, f) for f in base.__struct_fields__},
        summary=row["summary"],
        error_kind=row["error_kind"],
        complaint_id=row["complaint"],
        visit_id=row["visit"],
        opened_by=row["opened_by"],
        extension_days=row["extension_days"],
        extension_reason=row["extension_reason"],
        extension_approved_by=row["extension_approved_by"],
        grounds=grounds,
        grounds_text=[rules.ground_label(*map(int, g.split("."))) for g in grounds],
        determined_at=row["determined_at"],
        notified_at=row["notified_at"],
        handed_to_unit_at=row["handed_to_unit_at"],
        unit_handled_at=row["unit_handled_at"],
        unit_reported_at=row["unit_reported_at"],
        unit_result=row["unit_result"],
        review_requested_at=row["review_requested_at"],
        review_reason=row["review_reason"],
        review_decided_at=row["review_decided_at"],
        review_outcome=row["review_outcome"],
        correction_requirements=row["correction_requirements"],
        correction_due_at=row["correction_due_at"],
        correction_extension_days=row["correction_extension_days"],
        correction_extension_requested_days=row["correction_extension_requested_days"],
        correction_completed_at=row["correction_completed_at"],
        correction_report=row["correction_report"],
        archived_at=row["archived_at"],
        persons=[
            PersonRead(
                inspector_id=p["inspector"],
                name=p["name"],
                cert_no=p["cert_no"] or "",
                statement=p["statement"],
                statement_waived=p["statement_waived"] == "yes",
                statement_at=p["statement_at"],
            )
            for p in persons
        ],
        investigators=sorted(i["username"] for i in investigators),
        events=[
            EventRead(
                action=e["action"],
                step=CaseStep(e["step"]),
                note=e["note"],
                attachments=[str(a) for a in json_list(e["attachments"])],
                actor=e["actor"],
                at=e["at"],
            )
            for e in events
        ],
        cleared_inspectors=cleared,
    )


async def note_on_case(
    case_id: int,
    action: str,
    username: str,
    now: dt.datetime,
    note: str,
    attachments: list[str] | None = None,
    **details: Any,
) -> None:
    """Record on a case (inside the caller's transaction) what another part of supervision did about it."""
    row = await SupervisionCase.select(SupervisionCase.step).where(SupervisionCase.id == case_id).first()
    if row is None:
        raise NotFound(tr("Case {reference} does not exist.", reference=reference(case_id)), code="case_not_found")
    await _event(case_id, action, CaseStep(row["step"]), username, now, note, attachments, **details)

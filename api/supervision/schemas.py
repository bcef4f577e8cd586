"""容错纠错 cases: what the supervisor and the unit send, and what they read."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from models.enums import CaseDetermination, CaseSource, CaseStep, DocumentKind

Note = Annotated[str, msgspec.Meta(max_length=4000)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Sha256 = Annotated[str, msgspec.Meta(pattern="^[0-9a-fA-F]{64}$", description="An evidence file's SHA-256")]
Attachments = Annotated[list[Sha256], msgspec.Meta(max_length=20)]
Ground = Annotated[str, msgspec.Meta(max_length=8, description="Article.item of the 实施办法, e.g. 10.4")]
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Required = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class CaseCreate(msgspec.Struct):
    """立案. The unit and the people default to those of the complaint's visit or the unfiled attempt."""

    source: CaseSource
    title: Title
    summary: Note = ""
    source_ref: Annotated[str, msgspec.Meta(max_length=64)] = ""
    unit_code: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    inspector_ids: list[int] = []
    complaint_id: int | None = None
    visit_id: int | None = None
    error_kind: Annotated[str, msgspec.Meta(max_length=32, description="What went wrong (for 第十二条(五))")] = ""
    note: Note = ""
    attachments: Attachments = []


class InvestigatorsAssign(msgspec.Struct):
    usernames: Annotated[list[Username], msgspec.Meta(min_length=1, max_length=10)]
    note: Note = ""


class StatementCreate(msgspec.Struct):
    """陈述申辩 of a person concerned; ``waived`` when the person declined to make one."""

    inspector_id: int
    statement: Note = ""
    waived: bool = False
    attachments: Attachments = []


class ExtensionCreate(msgspec.Struct):
    """One extension of the 30-day decision deadline, at most 30 days, approved by the head (负责人)."""

    days: int
    reason: Required
    approved_by: Annotated[str, msgspec.Meta(min_length=1, max_length=64, description="The head who approved")]


class CaseAdvance(msgspec.Struct):
    to: CaseStep
    note: Note = ""
    attachments: Attachments = []
    # 认定
    determination: CaseDetermination | None = None
    grounds: Annotated[list[Ground], msgspec.Meta(max_length=20)] = []
    # 纠错
    requirements: Note = ""
    correction_due_at: dt.datetime | None = None


class HandOver(msgspec.Struct):
    note: Note = ""


class UnitReport(msgspec.Struct):
    """第十五条: the unit's handling result, reported within 7 days of handling."""

    result: Required
    handled_at: dt.datetime | None = None
    attachments: Attachments = []


class ReviewRequest(msgspec.Struct):
    reason: Required
    attachments: Attachments = []


class ReviewDecision(msgspec.Struct):
    outcome: Annotated[str, msgspec.Meta(pattern="^(upheld|revised)$")]
    note: Required
    determination: CaseDetermination | None = None
    grounds: Annotated[list[Ground], msgspec.Meta(max_length=20)] = []


class CorrectionExtensionRequest(msgspec.Struct):
    days: Annotated[int, msgspec.Meta(ge=1, le=180)]
    reason: Required


class CorrectionExtensionDecision(msgspec.Struct):
    approve: bool
    note: Note = ""


class CorrectionReport(msgspec.Struct):
    report: Required
    attachments: Attachments = []


class PersonRead(msgspec.Struct):
    inspector_id: int
    name: str
    cert_no: str
    statement: str
    statement_waived: bool
    statement_at: dt.datetime | None


class EventRead(msgspec.Struct):
    action: str
    step: CaseStep
    note: str
    attachments: list[str]
    actor: str
    at: dt.datetime


class ClearedInspector(msgspec.Struct):
    inspector_id: int
    name: str
    note: str
    cleared_at: dt.datetime


class CaseRead(msgspec.Struct):
    id: int
    reference: str
    source: CaseSource
    source_ref: str
    unit_code: str
    unit_name: str
    title: str
    step: CaseStep
    opened_at: dt.datetime
    decision_due_at: dt.datetime
    determination: CaseDetermination | None
    deadlines: dict[str, dt.datetime]
    overdue: list[str]
    overdue_text: list[str]


class CaseDetail(CaseRead):
    summary: str
    error_kind: str
    complaint_id: int | None
    visit_id: int | None
    opened_by: str
    extension_days: int
    extension_reason: str
    extension_approved_by: str
    grounds: list[str]
    grounds_text: list[str]
    determined_at: dt.datetime | None
    notified_at: dt.datetime | None
    handed_to_unit_at: dt.datetime | None
    unit_handled_at: dt.datetime | None
    unit_reported_at: dt.datetime | None
    unit_result: str
    review_requested_at: dt.datetime | None
    review_reason: str
    review_decided_at: dt.datetime | None
    review_outcome: str
    correction_requirements: str
    correction_due_at: dt.datetime | None
    correction_extension_days: int
    correction_extension_requested_days: int
    correction_completed_at: dt.datetime | None
    correction_report: str
    archived_at: dt.datetime | None
    persons: list[PersonRead]
    investigators: list[str]
    events: list[EventRead]
    cleared_inspectors: list[ClearedInspector]


class DocumentCreate(msgspec.Struct):
    """An 意见书/决定书/督办 (findings, requirements, a response deadline), a 约谈, a 通报 or a 纪检监察 hand-over."""

    kind: DocumentKind
    unit_code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    title: Title
    findings: Note = ""
    requirements: Note = ""
    response_due_at: dt.datetime | None = None
    case_id: int | None = None
    recipient: Annotated[str, msgspec.Meta(max_length=100)] = ""
    held_at: dt.datetime | None = None


class DocumentResponse(msgspec.Struct):
    response: Required
    attachments: Attachments = []


class DocumentRead(msgspec.Struct):
    id: int
    number: str
    kind: DocumentKind
    kind_text: str
    unit_code: str
    unit_name: str
    case_id: int | None
    title: str
    findings: str
    requirements: str
    recipient: str
    held_at: dt.datetime | None
    response_due_at: dt.datetime | None
    issued_by: str
    issued_at: dt.datetime
    response: str
    response_attachments: list[str]
    responded_by: str
    responded_at: dt.datetime | None
    overdue: bool

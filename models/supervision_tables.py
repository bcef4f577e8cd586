"""执法监督: 履职尽责容错纠错 cases (实施办法), the people they concern, their investigators and every step."""

from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from models.tables import Inspector, Unit
from models.visit_tables import Complaint, Visit


class SupervisionCase(Table, tablename="supervision_case"):
    id = Serial(primary_key=True)
    source = Varchar(length=24)
    source_ref = Varchar(length=64, default="")
    # One automatic case per visit and reason (no_scan, emergency_overdue): the sweep may run any number of times.
    auto_key = Varchar(length=64, null=True, default=None, unique=True)
    unit = ForeignKey(Unit, index=True)
    complaint = ForeignKey(Complaint, null=True, default=None, index=True)
    visit = ForeignKey(Visit, null=True, default=None, index=True)
    title = Varchar(length=200)
    summary = Text(default="")
    error_kind = Varchar(length=32, default="")  # what went wrong, for the repeat rule (第十二条(五))
    step = Varchar(length=16, index=True)
    opened_by = Varchar(length=64)
    opened_at = Timestamptz(default=None)
    decision_due_at = Timestamptz(default=None)  # 立案 + 30 days (+ one approved extension ≤ 30 days)
    extension_days = Integer(default=0)
    extension_reason = Text(default="")
    extension_approved_by = Varchar(length=64, default="")
    determination = Varchar(length=16, default="")
    grounds = JSON(default=[])
    determined_at = Timestamptz(null=True, default=None)
    notified_at = Timestamptz(null=True, default=None)
    handed_to_unit_at = Timestamptz(null=True, default=None)
    unit_handled_at = Timestamptz(null=True, default=None)
    unit_reported_at = Timestamptz(null=True, default=None)
    unit_result = Text(default="")
    review_requested_at = Timestamptz(null=True, default=None)
    review_reason = Text(default="")
    review_decided_at = Timestamptz(null=True, default=None)
    review_outcome = Varchar(length=16, default="")
    correction_requirements = Text(default="")
    correction_due_at = Timestamptz(null=True, default=None)
    correction_extension_days = Integer(default=0)
    correction_extension_requested_days = Integer(default=0)
    correction_extension_reason = Text(default="")
    correction_completed_at = Timestamptz(null=True, default=None)
    correction_report = Text(default="")
    archived_at = Timestamptz(null=True, default=None)


class CasePerson(Table, tablename="case_person"):
    """An inspector the case concerns, with the 陈述申辩 heard (第十六条)."""

    id = Serial(primary_key=True)
    case = ForeignKey(SupervisionCase, index=True)
    inspector = ForeignKey(Inspector, index=True)
    statement = Text(default="")
    statement_waived = Varchar(length=8, default="")  # "yes" when the person declined to make one
    statement_at = Timestamptz(null=True, default=None)


class CaseInvestigator(Table, tablename="case_investigator"):
    """调查人员 (at least two, 第十六条): accounts of the supervision body."""

    id = Serial(primary_key=True)
    case = ForeignKey(SupervisionCase, index=True)
    username = Varchar(length=64)
    assigned_by = Varchar(length=64)
    assigned_at = Timestamptz(default=None)


class CaseEvent(Table, tablename="case_event"):
    """Every step and action on a case: who, when, a note and the evidence files (SHA-256) attached."""

    id = Serial(primary_key=True)
    case = ForeignKey(SupervisionCase, index=True)
    action = Varchar(length=32)
    step = Varchar(length=16)
    note = Text(default="")
    attachments = JSON(default=[])
    actor = Varchar(length=64)
    at = Timestamptz(default=None)


class SupervisionDocument(Table, tablename="supervision_document"):
    """意见书, 决定书, 约谈, 通报, 督办 or a hand-over to 纪检监察, issued to a unit; the unit's response."""

    id = Serial(primary_key=True)
    kind = Varchar(length=24, index=True)
    unit = ForeignKey(Unit, index=True)
    case = ForeignKey(SupervisionCase, null=True, default=None, index=True)
    title = Varchar(length=200)
    findings = Text(default="")
    requirements = Text(default="")
    recipient = Varchar(length=100, default="")  # 约谈对象, 通报范围 or the 纪检监察 body handed to
    held_at = Timestamptz(null=True, default=None)  # when a 约谈 took place
    response_due_at = Timestamptz(null=True, default=None)
    issued_by = Varchar(length=64)
    issued_at = Timestamptz(default=None)
    response = Text(default="")
    response_attachments = JSON(default=[])
    responded_by = Varchar(length=64, default="")
    responded_at = Timestamptz(null=True, default=None)


SUPERVISION_TABLES: list[type[Table]] = [
    SupervisionCase,
    CasePerson,
    CaseInvestigator,
    CaseEvent,
    SupervisionDocument,
]

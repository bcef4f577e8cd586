"""Visits (备案检查), their codes, scans, unfiled attempts, verifications, ratings and complaints."""

from piccolo.columns import (
    JSON,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from models.tables import Enterprise, Inspector, Item, Unit


class Visit(Table, tablename="visit"):
    id = Serial(primary_key=True)
    enterprise = ForeignKey(Enterprise, index=True)
    lead_unit = ForeignKey(Unit, index=True)
    kind = Varchar(length=16)
    service_type = Varchar(length=16, null=True, default=None)
    origin = Varchar(length=16)
    plan_task_id = Integer(null=True, default=None, index=True)  # plan building: which tasks have a visit
    trigger_type = Varchar(length=24, null=True, default=None)
    trigger_ref = Varchar(length=200, default="")
    trigger_reason = Text(default="")
    window_start = Timestamptz(default=None, index=True)  # lists (newest first) and every period query
    window_end = Timestamptz(default=None)
    # Calendar year (Asia/Shanghai) of the window start: the period yearly caps count in.
    year = Integer(index=True)
    status = Varchar(length=16, index=True)
    is_emergency = Boolean(default=False)
    approval_due_at = Timestamptz(null=True, default=None)
    catalogue_version = Integer(default=0)
    filed_by = Varchar(length=64)
    filed_at = Timestamptz(default=None)
    approved_by = Varchar(length=64, null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    cancelled_by = Varchar(length=64, null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    cancel_reason = Text(default="")
    code_token = Text(null=True, default=None)
    code_issued_at = Timestamptz(null=True, default=None)
    checked_in_at = Timestamptz(null=True, default=None)
    checked_out_at = Timestamptz(null=True, default=None)
    result = Varchar(length=24, null=True, default=None)
    findings = Text(default="")
    warnings = JSON(default=[])
    # Bumped by every state transition: a transition updates only the revision it read (optimistic lock).
    revision = Integer(default=0)
    # Serial number of the visit's current code (1, 2, …): revocations void codes up to a serial, not a time.
    code_no = Integer(default=0)


class VisitUnit(Table, tablename="visit_unit"):
    id = Serial(primary_key=True)
    visit = ForeignKey(Visit, index=True)
    unit = ForeignKey(Unit, index=True)


class VisitInspector(Table, tablename="visit_inspector"):
    id = Serial(primary_key=True)
    visit = ForeignKey(Visit, index=True)
    inspector = ForeignKey(Inspector, index=True)


class VisitItem(Table, tablename="visit_item"):
    id = Serial(primary_key=True)
    visit = ForeignKey(Visit, index=True)
    item = ForeignKey(Item, index=True)


class CodeRevocation(Table, tablename="code_revocation"):
    """Codes of a visit with serial ``revoked_through_code`` or lower are void (cancel, re-schedule, an inspector
    no longer valid). ``revoked_before`` (the last voided code's issue time) serves codes without a serial."""

    id = Serial(primary_key=True)
    visit = ForeignKey(Visit, index=True)
    revoked_before = Timestamptz(default=None)
    revoked_through_code = Integer(default=0)
    reason = Varchar(length=16)
    at = Timestamptz(default=None)
    expires_at = Timestamptz(default=None, index=True)


class Scan(Table, tablename="scan"):
    """An inspector's phone scanned the enterprise code at a filed, approved visit."""

    id = Serial(primary_key=True)
    visit = ForeignKey(Visit, index=True)
    inspector = ForeignKey(Inspector, index=True)
    kind = Varchar(length=16)  # arrival | presence
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    accuracy_m = DoublePrecision(null=True, default=None)
    mock_location = Boolean(default=False)
    distance_m = DoublePrecision(null=True, default=None)
    far_from_enterprise = Boolean(default=False)
    device_time = Timestamptz(null=True, default=None)
    at = Timestamptz(default=None, index=True)  # the supervisor's flagged scans of a period
    backfill = Boolean(default=False)
    backfill_reason = Text(default="")
    # Why the scan does not prove presence on site ("" = it does): no_position, poor_accuracy, mock_location.
    onsite_problem = Varchar(length=24, default="")


class UnfiledAttempt(Table, tablename="unfiled_attempt"):
    """A scan that matched no filed, approved visit: kept for the supervisor."""

    id = Serial(primary_key=True)
    inspector = ForeignKey(Inspector, null=True, default=None, index=True)
    username = Varchar(length=64)
    uscc = Varchar(length=18, default="", index=True)
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    accuracy_m = DoublePrecision(null=True, default=None)
    mock_location = Boolean(default=False)
    device_time = Timestamptz(null=True, default=None)
    at = Timestamptz(default=None, index=True)
    reason = Varchar(length=32)


class IdempotencyRecord(Table, tablename="idempotency_record"):
    """The first answer to a phone write, replayed for the same client event id."""

    id = Serial(primary_key=True)
    key = Varchar(length=200, unique=True)  # "<actor>:<client event id>"
    operation = Varchar(length=32)
    request_hash = Varchar(length=64)
    status_code = SmallInt(default=0)
    response = JSON(default={})
    created_at = Timestamptz(default=None)


class VisitWarning(Table, tablename="visit_warning"):
    """A frequency or cap warning raised when a visit was filed, kept for the supervisor."""

    id = Serial(primary_key=True)
    visit = ForeignKey(Visit, index=True)
    code = Varchar(length=32, index=True)
    detail = Text(default="")
    at = Timestamptz(default=None)


class VerificationLog(Table, tablename="verification_log"):
    id = Serial(primary_key=True)
    at = Timestamptz(default=None, index=True)
    visit_id = Integer(null=True, default=None, index=True)
    outcome = Varchar(length=24)
    channel = Varchar(length=8)  # page | json
    client = Varchar(length=120, default="")  # coarse: network prefix and browser family


class Rating(Table, tablename="rating"):
    """Anonymous to the inspected units: no rater is stored, and unit roles cannot read ratings."""

    id = Serial(primary_key=True)
    visit = ForeignKey(Visit, unique=True)
    score = SmallInt()
    comment = Text(default="")
    at = Timestamptz(default=None)


class Complaint(Table, tablename="complaint"):
    id = Serial(primary_key=True)
    visit = ForeignKey(Visit, null=True, default=None, index=True)
    uscc = Varchar(length=18, default="")
    verification_outcome = Varchar(length=24, default="")
    kind = Varchar(length=32)
    description = Text()
    contact = Varchar(length=200, default="")
    status = Varchar(length=16, index=True)
    received_at = Timestamptz(default=None)
    due_at = Timestamptz(default=None)
    closed_at = Timestamptz(null=True, default=None)
    # Tracking (跟踪查询): only the SHA-256 of the code shown once to the complainant is kept.
    tracking_hash = Varchar(length=64, default="", index=True)
    finding = Varchar(length=16, default="")  # 认定: substantiated / untrue / no_evidence / tolerated
    result_summary = Text(default="")  # the result in general words, shown on the tracking page once archived
    feedback_mode = Varchar(length=16, default="")  # named: fed back to the complainant; anonymous: explained
    fed_back_at = Timestamptz(null=True, default=None)


class ComplaintStep(Table, tablename="complaint_step"):
    id = Serial(primary_key=True)
    complaint = ForeignKey(Complaint, index=True)
    status = Varchar(length=16)
    note = Text(default="")
    actor = Varchar(length=64)
    at = Timestamptz(default=None)


class InspectorClearance(Table, tablename="inspector_clearance"):
    """澄清保护 (实施办法第二十二条): a complaint found untrue or without evidence clears the inspectors it named."""

    id = Serial(primary_key=True)
    complaint = ForeignKey(Complaint, index=True)
    inspector = ForeignKey(Inspector, index=True)
    note = Text(default="")
    cleared_by = Varchar(length=64, default="")
    cleared_at = Timestamptz(default=None)


VISIT_TABLES: list[type[Table]] = [
    Visit,
    VisitUnit,
    VisitInspector,
    VisitItem,
    CodeRevocation,
    Scan,
    UnfiledAttempt,
    IdempotencyRecord,
    VisitWarning,
    VerificationLog,
    Rating,
    Complaint,
    ComplaintStep,
    InspectorClearance,
]

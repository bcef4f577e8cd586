"""The shapes the phones read and send, as msgspec Structs.

Written from the server's OpenAPI/JSON, not imported from it: a phone app has its own copy. Unknown
fields are ignored when decoding and most fields have defaults, so an older phone keeps working when the
server adds fields. Enumerations the server may extend are plain ``str``; the values the phone *sends*
are ``Literal`` types.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

VisitResult = Literal["no_issue", "rectification", "case_opened", "other"]
VISIT_RESULTS: tuple[VisitResult, ...] = ("no_issue", "rectification", "case_opened", "other")
ComplaintKind = Literal["unfiled_inspection", "inspector_conduct", "too_frequent", "disguised_inspection", "other"]
COMPLAINT_KINDS: tuple[ComplaintKind, ...] = (
    "unfiled_inspection",
    "inspector_conduct",
    "too_frequent",
    "disguised_inspection",
    "other",
)


class Struct(msgspec.Struct, kw_only=True):
    """Base: keyword-only construction, unknown fields ignored on decode."""


class Login(Struct, kw_only=True):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int = 0
    username: str
    role: str
    unit_code: str | None = None
    inspector_id: int | None = None
    uscc: str | None = None


class UnitOnVisit(Struct, kw_only=True):
    code: str
    name: str


class InspectorOnVisit(Struct, kw_only=True):
    id: int
    name: str
    cert_no: str | None = None
    unit_code: str = ""


class ItemOnVisit(Struct, kw_only=True):
    code: str
    name: str
    legal_basis: str = ""
    unit_code: str = ""


class WarningRead(Struct, kw_only=True):
    code: str
    detail: str = ""


class Visit(Struct, kw_only=True):
    id: int
    status: str
    kind: str = "enforcement"
    uscc: str
    enterprise_name: str = ""
    lead_unit_code: str = ""
    units: list[UnitOnVisit] = []
    inspectors: list[InspectorOnVisit] = []
    items: list[ItemOnVisit] = []
    window_start: dt.datetime
    window_end: dt.datetime
    is_emergency: bool = False
    checked_in_at: dt.datetime | None = None
    checked_out_at: dt.datetime | None = None
    result: str | None = None
    findings: str = ""
    warnings: list[WarningRead] = []


class VisitPage(Struct, kw_only=True):
    items: list[Visit]
    total: int
    limit: int
    offset: int


class VisitCode(Struct, kw_only=True):
    visit_id: int
    url: str
    token: str
    kid: str
    qr_version: int = 0
    token_bytes: int = 0
    not_before: dt.datetime
    expires_at: dt.datetime
    issued_at: dt.datetime


class EnterpriseCode(Struct, kw_only=True):
    uscc: str
    url: str


class ScanResult(Struct, kw_only=True):
    id: int
    visit_id: int
    kind: str
    at: dt.datetime
    visit_status: str
    distance_m: float | None = None
    far_from_enterprise: bool = False
    mock_location: bool = False
    backfill: bool = False


class InspectorOnCode(Struct, kw_only=True):
    name: str
    cert_no: str


class UnitOnCode(Struct, kw_only=True):
    name: str
    lead: bool = False


class ItemOnCode(Struct, kw_only=True):
    code: str
    name: str
    legal_basis: str = ""


class VisitOnCode(Struct, kw_only=True):
    visit_id: int
    enterprise_name: str = ""
    uscc: str = ""
    units: list[UnitOnCode] = []
    inspectors: list[InspectorOnCode] = []
    items: list[ItemOnCode] = []
    window_text: str = ""
    status: str = ""
    status_text: str = ""
    kind_text: str = ""


class Verification(Struct, kw_only=True):
    """The server's verdict on a scanned visit code (the JSON twin of the /V/ page)."""

    outcome: str
    valid: bool
    tone: str = ""
    headline: str = ""
    reason: str = ""
    detail: str = ""
    checked_at: dt.datetime | None = None
    code_valid_from: dt.datetime | None = None
    code_valid_until: dt.datetime | None = None
    visit: VisitOnCode | None = None
    rights: str = ""
    can_rate: bool = False
    can_complain: bool = True


class Revocation(Struct, kw_only=True):
    visit_id: int
    revoked_before: dt.datetime
    expires_at: dt.datetime
    reason: str = ""


class RevocationList(Struct, kw_only=True):
    cursor: int
    items: list[Revocation]


class RatingRead(Struct, kw_only=True):
    visit_id: int
    units: list[UnitOnVisit] = []
    score: int
    comment: str = ""
    at: dt.datetime


class RatingPage(Struct, kw_only=True):
    items: list[RatingRead]
    total: int


class UnfiledAttempt(Struct, kw_only=True):
    id: int
    username: str
    inspector_id: int | None = None
    uscc: str
    at: dt.datetime
    reason: str = ""


class UnfiledAttemptPage(Struct, kw_only=True):
    items: list[UnfiledAttempt]
    total: int


class EnterpriseRead(Struct, kw_only=True):
    uscc: str
    name: str
    latitude: float | None = None
    longitude: float | None = None
    whitelisted: bool = False


class EnterprisePage(Struct, kw_only=True):
    items: list[EnterpriseRead]
    total: int


class ItemRead(Struct, kw_only=True):
    code: str
    name: str
    unit_code: str
    category: str = ""
    status: str = ""
    yearly_cap: int | None = None


class ItemPage(Struct, kw_only=True):
    items: list[ItemRead]
    total: int


class ComplaintRead(Struct, kw_only=True):
    id: int
    reference: str
    visit_id: int | None = None
    uscc: str = ""
    verification_outcome: str = ""
    kind: str
    description: str = ""
    status: str = ""


class ComplaintPage(Struct, kw_only=True):
    items: list[ComplaintRead]
    total: int


# -- what the phones send ---------------------------------------------------------------------------------
class VisitDraft(Struct, kw_only=True):
    """A filing (备案); the sample client files as the planner to set up a demo or a test."""

    uscc: str
    unit_codes: list[str]
    inspector_ids: list[int]
    window_start: dt.datetime
    window_end: dt.datetime
    origin: str = "planned"
    item_codes: list[str] = []
    lead_unit_code: str | None = None
    kind: str = "enforcement"
    trigger_type: str | None = None
    trigger_ref: str = ""
    trigger_reason: str = ""


class ScanRequest(Struct, kw_only=True):
    content: str
    client_event_id: str
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    mock_location: bool = False
    device_time: dt.datetime | None = None


class CheckoutRequest(Struct, kw_only=True):
    client_event_id: str
    result: VisitResult
    findings: str = ""


class RatingRequest(Struct, kw_only=True):
    score: int
    client_event_id: str
    comment: str = ""


class ComplaintRequest(Struct, kw_only=True, omit_defaults=True):
    kind: ComplaintKind
    description: str
    client_event_id: str
    token: str | None = None
    uscc: str | None = None
    contact: str = ""

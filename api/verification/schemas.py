"""What the public verification of a visit code (检查码) says: the page and its JSON twin read the same."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

import msgspec

from models.enums import ServiceType, VisitKind, VisitOrigin, VisitStatus, VisitTrigger

Tone = Literal["green", "amber", "red"]


class VerificationOutcome(StrEnum):
    valid = "valid"
    not_yet_valid = "not_yet_valid"
    expired = "expired"
    cancelled = "cancelled"
    unknown_key = "unknown_key"
    bad_signature = "bad_signature"
    malformed = "malformed"
    enterprise_mismatch = "enterprise_mismatch"


class UnitOnCode(msgspec.Struct):
    name: str
    lead: bool


class InspectorOnCode(msgspec.Struct):
    """Name and 执法证 number only: no internal id, no phone number."""

    name: str
    cert_no: str
    valid: bool = True  # False: the 执法证 is suspended, revoked or expired now (``problem`` says which)
    problem: str = ""


class ItemOnCode(msgspec.Struct):
    code: str
    name: str
    legal_basis: str


class VisitOnCode(msgspec.Struct):
    """The filed visit as the database holds it now (never read from the token)."""

    visit_id: int
    enterprise_name: str
    uscc: str
    units: list[UnitOnCode]
    inspectors: list[InspectorOnCode]
    items: list[ItemOnCode]
    window_start: dt.datetime  # Asia/Shanghai
    window_end: dt.datetime
    window_text: str
    status: VisitStatus
    status_text: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    kind: VisitKind
    kind_text: str
    is_inspection: bool
    service_type: ServiceType | None
    service_notice: str  # empty for an enforcement inspection
    origin: VisitOrigin
    trigger_type: VisitTrigger | None
    origin_text: str
    is_emergency: bool


class VerificationRead(msgspec.Struct):
    """The result of scanning a visit code. ``visit`` is present only when the signature verified."""

    outcome: VerificationOutcome
    valid: bool
    tone: Tone
    headline: str  # 已备案 · 有效 | 时间未到 · 尚未生效 | 未备案/无效
    reason: str  # why not valid (empty when valid)
    detail: str  # what it means and what to do
    checked_at: dt.datetime
    code_valid_from: dt.datetime | None
    code_valid_until: dt.datetime | None
    visit: VisitOnCode | None
    rights: str
    can_rate: bool  # rating is open (checked out): the enterprise rates through its own login
    can_complain: bool = True


class EnterpriseCodeView(msgspec.Struct):
    """What the /E/ page says about a scanned enterprise code (企业码)."""

    valid: bool
    headline: str
    reason: str
    enterprise_name: str
    uscc: str
    visit_path: str  # set when a visit code was opened as an enterprise code: where it verifies


class RevocationRead(msgspec.Struct):
    """Codes of ``visit_id`` whose serial is ``revoked_through_code`` or lower are void; a code without a serial
    (serial 0) is void when issued at or before ``revoked_before``. ``seq`` orders the entries (monotonic)."""

    visit_id: int
    revoked_before: dt.datetime
    expires_at: dt.datetime
    reason: str  # cancelled | rescheduled | inspector (a named 执法证 no longer valid)
    revoked_through_code: int = 0
    seq: int = 0


class RevocationList(msgspec.Struct):
    """Unexpired revocations after ``since``; pass ``cursor`` back as ``since`` next time."""

    cursor: int
    items: list[RevocationRead]


class VerificationLogRead(msgspec.Struct):
    id: int
    at: dt.datetime
    visit_id: int | None
    outcome: str
    channel: str
    client: str

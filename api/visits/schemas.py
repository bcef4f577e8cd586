from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from api.pagination import Code
from models.enums import ServiceType, VisitKind, VisitOrigin, VisitResult, VisitStatus, VisitTrigger

ShortText = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=5000)]
AwareDatetime = Annotated[dt.datetime, msgspec.Meta(tz=True)]


class VisitCreate(msgspec.Struct):
    uscc: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    unit_codes: Annotated[list[Code], msgspec.Meta(min_length=1, max_length=10)]
    inspector_ids: Annotated[list[int], msgspec.Meta(min_length=1, max_length=20)]
    window_start: AwareDatetime
    window_end: AwareDatetime
    origin: VisitOrigin
    item_codes: Annotated[list[Code], msgspec.Meta(max_length=50)] = []
    lead_unit_code: Code | None = None
    kind: VisitKind = VisitKind.enforcement
    service_type: ServiceType | None = None
    trigger_type: VisitTrigger | None = None
    trigger_ref: ShortText = ""
    trigger_reason: LongText = ""
    plan_task_id: int | None = None


class InspectorOnVisit(msgspec.Struct):
    id: int
    name: str
    cert_no: str | None
    unit_code: str


class ItemOnVisit(msgspec.Struct):
    code: str
    name: str
    legal_basis: str
    unit_code: str


class UnitOnVisit(msgspec.Struct):
    code: str
    name: str


class WarningRead(msgspec.Struct):
    code: str
    detail: str


class VisitRead(msgspec.Struct):
    id: int
    status: VisitStatus
    kind: VisitKind
    service_type: ServiceType | None
    origin: VisitOrigin
    uscc: str
    enterprise_name: str
    lead_unit_code: str
    units: list[UnitOnVisit]
    inspectors: list[InspectorOnVisit]
    items: list[ItemOnVisit]
    window_start: dt.datetime
    window_end: dt.datetime
    trigger_type: VisitTrigger | None
    trigger_ref: str
    trigger_reason: str
    plan_task_id: int | None
    is_emergency: bool
    approval_due_at: dt.datetime | None
    emergency_overdue: bool
    catalogue_version: int
    filed_by: str
    filed_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancel_reason: str
    code_issued_at: dt.datetime | None
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    result: VisitResult | None
    findings: str
    warnings: list[WarningRead]
    labels: dict[str, str] = {}  # the Chinese word of each coded field above (status, kind, origin, ...)


class CancelRequest(msgspec.Struct):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class RescheduleRequest(msgspec.Struct):
    window_start: AwareDatetime
    window_end: AwareDatetime
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class CodeRead(msgspec.Struct):
    visit_id: int
    url: str
    token: str
    kid: str
    qr_version: int
    token_bytes: int
    not_before: dt.datetime
    expires_at: dt.datetime
    issued_at: dt.datetime

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from api.pagination import Code, NonEmpty
from models.enums import InspectorStatus, RiskGrade, UnitKind

Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]
CreditGrade = Annotated[str, msgspec.Meta(pattern=r"^[A-D]$")]
IndustryCode = Annotated[str, msgspec.Meta(max_length=8, pattern=r"^[A-T0-9]*$")]


class UnitCreate(msgspec.Struct):
    code: Code
    name: NonEmpty
    kind: UnitKind
    parent_code: Code | None = None


class UnitUpdate(msgspec.Struct):
    name: NonEmpty | msgspec.UnsetType = msgspec.UNSET
    kind: UnitKind | msgspec.UnsetType = msgspec.UNSET
    parent_code: Code | msgspec.UnsetType | None = msgspec.UNSET


class UnitRead(msgspec.Struct):
    id: int
    code: str
    name: str
    kind: UnitKind
    parent_code: str | None
    sample: bool


class InspectorCreate(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    unit_code: Code
    is_auxiliary: bool = False
    cert_no: Annotated[str, msgspec.Meta(min_length=4, max_length=32)] | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    status: InspectorStatus = InspectorStatus.valid


class InspectorUpdate(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | msgspec.UnsetType = msgspec.UNSET
    unit_code: Code | msgspec.UnsetType = msgspec.UNSET
    valid_from: dt.date | msgspec.UnsetType | None = msgspec.UNSET
    valid_to: dt.date | msgspec.UnsetType | None = msgspec.UNSET
    status: InspectorStatus | msgspec.UnsetType = msgspec.UNSET


class InspectorRead(msgspec.Struct):
    id: int
    name: str
    unit_code: str
    cert_no: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    status: InspectorStatus
    is_auxiliary: bool
    sample: bool


class EnterpriseCreate(msgspec.Struct):
    uscc: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    name: NonEmpty
    address: Annotated[str, msgspec.Meta(max_length=300)] = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    industry_code: IndustryCode = ""
    above_scale: bool = False
    risk_grade: RiskGrade = RiskGrade.low
    credit_grade: CreditGrade = "B"
    whitelisted: bool = False
    whitelist_reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
    whitelist_until: dt.date | None = None


class EnterpriseUpdate(msgspec.Struct):
    name: NonEmpty | msgspec.UnsetType = msgspec.UNSET
    address: Annotated[str, msgspec.Meta(max_length=300)] | msgspec.UnsetType = msgspec.UNSET
    latitude: Latitude | msgspec.UnsetType | None = msgspec.UNSET
    longitude: Longitude | msgspec.UnsetType | None = msgspec.UNSET
    industry_code: IndustryCode | msgspec.UnsetType = msgspec.UNSET
    above_scale: bool | msgspec.UnsetType = msgspec.UNSET
    risk_grade: RiskGrade | msgspec.UnsetType = msgspec.UNSET
    credit_grade: CreditGrade | msgspec.UnsetType = msgspec.UNSET
    whitelisted: bool | msgspec.UnsetType = msgspec.UNSET
    whitelist_reason: Annotated[str, msgspec.Meta(max_length=500)] | msgspec.UnsetType = msgspec.UNSET
    whitelist_until: dt.date | msgspec.UnsetType | None = msgspec.UNSET


class EnterpriseRead(msgspec.Struct):
    id: int
    uscc: str
    name: str
    address: str
    latitude: float | None
    longitude: float | None
    industry_code: str
    above_scale: bool
    risk_grade: RiskGrade
    credit_grade: str
    whitelisted: bool
    whitelist_reason: str
    whitelist_until: dt.date | None
    sample: bool

"""The frozen records of a generated sample district (codes, not database ids, link them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class SampleUnit:
    code: str
    name: str
    kind: str  # models.enums.UnitKind value


@dataclass(frozen=True, slots=True)
class SampleInspector:
    name: str
    unit_code: str
    cert_no: str | None  # None for auxiliary staff (辅助人员)
    valid_from: date | None
    valid_to: date | None
    status: str  # models.enums.InspectorStatus value
    is_auxiliary: bool


@dataclass(frozen=True, slots=True)
class SampleEnterprise:
    uscc: str
    name: str
    address: str
    latitude: float
    longitude: float
    industry_code: str
    above_scale: bool
    risk_grade: str  # models.enums.RiskGrade value
    credit_grade: str  # A / B / C / D
    whitelisted: bool
    whitelist_reason: str
    whitelist_until: date | None


@dataclass(frozen=True, slots=True)
class SampleItem:
    code: str
    name: str
    unit_code: str
    legal_basis: str
    object: str
    method: str  # models.enums.ItemMethod value
    yearly_cap: int
    nonsite_capable: bool
    category: str  # models.enums.ItemCategory value
    status: str  # models.enums.ListStatus value


@dataclass(frozen=True, slots=True)
class SampleScenario:
    code: str
    name: str
    industry_codes: tuple[str, ...]
    lead_unit_code: str
    item_codes: tuple[str, ...]
    status: str


@dataclass(frozen=True, slots=True)
class SampleLibraryEntry:
    item_code: str
    triggers: tuple[str, ...]  # models.enums.Trigger values
    note: str
    status: str


@dataclass(frozen=True, slots=True)
class SampleUser:
    username: str
    role: str  # models.enums.Role value
    unit_code: str | None
    inspector_cert_no: str | None
    uscc: str | None
    description: str


@dataclass(frozen=True, slots=True)
class SampleDistrict:
    seed: int
    reference_date: date  # the day the district is generated for ("today"): the generator never reads the clock
    units: tuple[SampleUnit, ...]
    inspectors: tuple[SampleInspector, ...]
    enterprises: tuple[SampleEnterprise, ...]
    items: tuple[SampleItem, ...]
    scenarios: tuple[SampleScenario, ...]
    library: tuple[SampleLibraryEntry, ...]
    users: tuple[SampleUser, ...]

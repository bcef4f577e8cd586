"""Request and response bodies of non-site inspection: assets, records, evidence, triggered visits."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from api.evidence.schemas import EvidenceRead
from api.pagination import Code, LongText, NonEmpty
from api.registry.schemas import Latitude, Longitude
from models.enums import AssetStatus, NonsiteKind, NonsiteResult

AwareDatetime = Annotated[dt.datetime, msgspec.Meta(tz=True)]
Sha256Hex = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-fA-F]{64}$", description="SHA-256, 64 hex digits")]
Geometry = Annotated[
    dict[str, Any],
    msgspec.Meta(
        description="GeoJSON geometry in WGS 84: a Point (place) or a LineString (route), "
        'e.g. {"type": "Point", "coordinates": [117.06, 36.68]} — longitude first.'
    ),
]


class AssetCreate(msgspec.Struct):
    code: Code
    kind: NonsiteKind
    name: NonEmpty
    unit_code: Code | None = None  # a planner's own unit when omitted
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    status: AssetStatus = AssetStatus.active


class AssetUpdate(msgspec.Struct):
    name: NonEmpty | msgspec.UnsetType = msgspec.UNSET
    latitude: Latitude | msgspec.UnsetType | None = msgspec.UNSET
    longitude: Longitude | msgspec.UnsetType | None = msgspec.UNSET
    status: AssetStatus | msgspec.UnsetType = msgspec.UNSET


class AssetRead(msgspec.Struct):
    id: int
    code: str
    kind: NonsiteKind
    unit_code: str
    name: str
    latitude: float | None
    longitude: float | None
    status: AssetStatus
    sample: bool


class RecordCreate(msgspec.Struct):
    mode: NonsiteKind
    started_at: AwareDatetime
    ended_at: AwareDatetime
    result: NonsiteResult
    # Omitted: the asset's location as a Point (an asset with a location is required then).
    geometry: Geometry | None = None
    unit_code: Code | None = None  # the actor's own unit when omitted (admins name it)
    asset_code: Code | None = None
    operator_id: int | None = None  # an inspector records as themself; a planner names the operator
    uscc: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    item_codes: Annotated[list[Code], msgspec.Meta(max_length=50)] = []
    findings: LongText = ""


class OperatorRead(msgspec.Struct):
    id: int
    name: str
    cert_no: str | None


class ItemRef(msgspec.Struct):
    code: str
    name: str


class RecordRead(msgspec.Struct):
    id: int
    mode: NonsiteKind
    unit_code: str
    asset_code: str | None
    operator: OperatorRead
    started_at: dt.datetime
    ended_at: dt.datetime
    geometry: dict[str, Any]
    uscc: str | None
    enterprise_name: str | None
    items: list[ItemRef]
    findings: str
    result: NonsiteResult
    triggered_visit_id: int | None
    created_by: str
    created_at: dt.datetime
    sample: bool
    evidence: list[EvidenceRead]


class TriggerVisitRequest(msgspec.Struct):
    """The on-site visit a finding triggers: filed as triggered, trigger type monitoring, on the record."""

    window_start: AwareDatetime
    window_end: AwareDatetime
    inspector_ids: Annotated[list[int], msgspec.Meta(min_length=1, max_length=20)]
    item_codes: Annotated[list[Code], msgspec.Meta(max_length=50)] | None = None  # default: the record's items
    uscc: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None  # default: the record's
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from models.enums import VisitResult, VisitStatus

ClientEventId = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")]
AwareDatetime = Annotated[dt.datetime, msgspec.Meta(tz=True)]


class ScanCreate(msgspec.Struct):
    content: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
    client_event_id: ClientEventId
    latitude: Annotated[float, msgspec.Meta(ge=-90, le=90)] | None = None
    longitude: Annotated[float, msgspec.Meta(ge=-180, le=180)] | None = None
    accuracy_m: Annotated[float, msgspec.Meta(ge=0, le=100_000)] | None = None
    mock_location: bool = False
    device_time: AwareDatetime | None = None
    # Set only for a back-fill after a system outage: the scan happened at device_time.
    backfill_reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class ScanRead(msgspec.Struct):
    id: int
    visit_id: int
    kind: str
    at: dt.datetime
    visit_status: VisitStatus
    distance_m: float | None
    far_from_enterprise: bool
    mock_location: bool
    backfill: bool
    # False when the scan does not prove presence on site (see onsite_problem): recorded and flagged, but not a
    # valid check-in for the 扫码入企 rate.
    onsite: bool = True
    onsite_problem: str | None = None


class CheckoutRequest(msgspec.Struct):
    client_event_id: ClientEventId
    result: VisitResult
    findings: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    # When the inspector checked out on the phone; a check-out kept offline syncs later with it (see check_out).
    device_time: AwareDatetime | None = None


class UnfiledAttemptRead(msgspec.Struct):
    id: int
    username: str
    inspector_id: int | None
    uscc: str
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None
    mock_location: bool
    device_time: dt.datetime | None
    at: dt.datetime
    reason: str


class EnterpriseCodeRead(msgspec.Struct):
    uscc: str
    url: str

"""预约式服务: what the enterprise asks for and what the unit answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from models.enums import AppointmentStatus, ServiceType

AwareDatetime = Annotated[dt.datetime, msgspec.Meta(tz=True)]


class Slot(msgspec.Struct):
    start: AwareDatetime
    end: AwareDatetime


class ServiceRequestCreate(msgspec.Struct):
    unit_code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    service_type: ServiceType
    topic: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    slots: Annotated[list[Slot], msgspec.Meta(max_length=10)]


class ServiceRequestAccept(msgspec.Struct):
    slot: Annotated[int, msgspec.Meta(ge=1, description="The chosen slot, 1-based")]
    inspector_ids: Annotated[list[int], msgspec.Meta(min_length=1, max_length=20)]


class ServiceRequestDecline(msgspec.Struct):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class ServiceRequestRead(msgspec.Struct):
    id: int
    uscc: str
    enterprise_name: str
    unit_code: str
    unit_name: str
    service_type: ServiceType
    topic: str
    slots: list[Slot]
    status: AppointmentStatus
    requested_by: str
    requested_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    decline_reason: str
    chosen_slot: int | None
    visit_id: int | None

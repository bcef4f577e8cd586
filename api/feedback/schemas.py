"""Ratings (评价) and complaints (投诉): what the enterprise sends and what the supervisor reads.

A rating carries no rater: not in the request, not in the table, not in any response.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

import msgspec

from api.visits.schemas import UnitOnVisit
from models.enums import ComplaintFinding, ComplaintStatus

Score = Annotated[int, msgspec.Meta(ge=1, le=5, description="1 (poor) to 5 (excellent)")]
Comment = Annotated[str, msgspec.Meta(max_length=1000)]
ClientEventId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=100, description="Unique per phone write; a retry sends the same id")
]
Description = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Contact = Annotated[str, msgspec.Meta(max_length=200)]
Note = Annotated[str, msgspec.Meta(max_length=2000)]
ScannedText = Annotated[str, msgspec.Meta(max_length=4096, description="The scanned code: URL or Base32 text")]


class ComplaintKind(StrEnum):
    unfiled_inspection = "unfiled_inspection"  # 未备案检查
    inspector_conduct = "inspector_conduct"  # 执法人员行为
    too_frequent = "too_frequent"  # 频繁检查
    disguised_inspection = "disguised_inspection"  # 变相检查
    other = "other"


class RatingCreate(msgspec.Struct):
    score: Score
    client_event_id: ClientEventId
    comment: Comment = ""


class RatingReceipt(msgspec.Struct):
    visit_id: int
    score: int
    comment: str
    at: dt.datetime


class RatingRead(msgspec.Struct):
    visit_id: int
    units: list[UnitOnVisit]
    score: int
    comment: str
    at: dt.datetime


class RatingSummary(msgspec.Struct):
    count: int
    average: float | None
    distribution: dict[int, int]


class ComplaintCreate(msgspec.Struct):
    """A logged-in enterprise's complaint: its USCC comes from the account."""

    kind: ComplaintKind
    description: Description
    client_event_id: ClientEventId
    token: ScannedText | None = None
    contact: Contact = ""


class PublicComplaintCreate(ComplaintCreate):
    """One tap from any verification result: the token may be missing, forged or garbage."""

    uscc: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class ComplaintReceipt(msgspec.Struct):
    id: int
    reference: str
    status: ComplaintStatus
    due_at: dt.datetime
    # Shown once: only its hash is stored. Follow the complaint at ``tracking_url`` (GET, no login).
    tracking_code: str = ""
    tracking_url: str = ""


class ComplaintStepRead(msgspec.Struct):
    status: ComplaintStatus
    note: str
    actor: str
    at: dt.datetime


class ComplaintRead(msgspec.Struct):
    id: int
    reference: str
    visit_id: int | None
    uscc: str
    verification_outcome: str
    kind: ComplaintKind
    description: str
    contact: str
    status: ComplaintStatus
    received_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    overdue: bool
    finding: ComplaintFinding | None = None
    result_summary: str = ""
    feedback_mode: str = ""  # named: result fed back to the complainant; anonymous: explained in a certain scope
    fed_back_at: dt.datetime | None = None


class ClearanceRead(msgspec.Struct):
    """澄清保护: an inspector cleared by a complaint found untrue or without evidence."""

    inspector_id: int
    name: str
    cert_no: str
    note: str
    cleared_by: str
    cleared_at: dt.datetime


class ComplaintDetail(ComplaintRead):
    steps: list[ComplaintStepRead] = []
    cleared_inspectors: list[ClearanceRead] = []


class AdvanceRequest(msgspec.Struct):
    to: ComplaintStatus
    note: Note = ""
    # Required on the move to ``determined`` (认定).
    finding: ComplaintFinding | None = None
    # The result in general words for the complainant (反馈); the finding's standard words when empty.
    result: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ComplaintTracking(msgspec.Struct):
    """What the tracking code shows (no login): status, dates and, once closed, the result in general words."""

    reference: str
    status: ComplaintStatus
    status_text: str
    kind: ComplaintKind
    received_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    result: str
    fed_back: bool

"""The frozen records of generated sample history (codes, USCCs and certificate numbers link them, not ids).

Times are timezone-aware (Asia/Shanghai). A visit is referred to by its position in ``SampleHistory.visits``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from api.clock import LOCAL_TZ


@dataclass(frozen=True, slots=True)
class HistoryScan:
    inspector_cert: str
    at: dt.datetime
    latitude: float
    longitude: float
    accuracy_m: float
    distance_m: float
    backfill: bool
    backfill_reason: str


@dataclass(frozen=True, slots=True)
class HistoryRating:
    score: int
    comment: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class HistoryVisit:
    uscc: str
    lead_unit_code: str
    unit_codes: tuple[str, ...]  # lead first
    inspector_certs: tuple[str, ...]
    item_codes: tuple[str, ...]
    scenario_code: str | None  # the joint-inspection scenario a joint visit was built from
    origin: str  # models.enums.VisitOrigin value
    trigger_type: str | None  # models.enums.VisitTrigger value
    trigger_ref: str
    trigger_reason: str
    window_start: dt.datetime
    window_end: dt.datetime
    status: str  # checked_out | cancelled
    is_emergency: bool
    approval_due_at: dt.datetime | None
    filed_by: str
    filed_at: dt.datetime
    approved_by: str
    approved_at: dt.datetime
    cancelled_at: dt.datetime | None
    cancel_reason: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    result: str | None  # models.enums.VisitResult value
    findings: str
    scan: HistoryScan | None
    rating: HistoryRating | None
    plan_task_id: int | None = None  # the published plan task a planned visit of the present year was filed from

    @property
    def year(self) -> int:
        return self.window_start.astimezone(LOCAL_TZ).year

    @property
    def joint(self) -> bool:
        return len(self.unit_codes) >= 2


@dataclass(frozen=True, slots=True)
class HistoryStep:
    status: str  # models.enums.ComplaintStatus value
    note: str
    actor: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class HistoryComplaint:
    visit: int | None  # index into SampleHistory.visits
    uscc: str
    kind: str  # api.feedback.schemas.ComplaintKind value
    description: str
    status: str
    received_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    steps: tuple[HistoryStep, ...]


@dataclass(frozen=True, slots=True)
class HistoryUnfiled:
    inspector_cert: str
    username: str
    uscc: str
    latitude: float
    longitude: float
    accuracy_m: float
    at: dt.datetime
    reason: str


@dataclass(frozen=True, slots=True)
class HistoryAsset:
    code: str
    kind: str  # models.nonsite_tables.NonsiteKind value
    unit_code: str
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    mode: str
    asset_code: str | None
    unit_code: str
    operator_cert: str
    started_at: dt.datetime
    ended_at: dt.datetime
    geometry: str  # GeoJSON text as api.nonsite.geojson.dumps writes it
    uscc: str | None
    item_codes: tuple[str, ...]
    findings: str
    result: str  # models.nonsite_tables.NonsiteResult value


@dataclass(frozen=True, slots=True)
class SampleHistory:
    seed: int
    first_day: dt.date
    last_day: dt.date
    visits: tuple[HistoryVisit, ...]
    complaints: tuple[HistoryComplaint, ...]
    unfiled: tuple[HistoryUnfiled, ...]
    assets: tuple[HistoryAsset, ...]
    records: tuple[HistoryRecord, ...]

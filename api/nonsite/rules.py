"""Rules of a non-site inspection record, as pure functions over plain facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from api.clock import LOCAL_TZ
from api.errors import RuleViolation
from api.visits.rules import InspectorFact
from models.enums import AssetStatus, InspectorStatus, ListStatus, NonsiteResult

CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class NonsiteItemFact:
    code: str
    unit_id: int
    status: str
    nonsite_capable: bool


@dataclass(frozen=True)
class AssetFact:
    code: str
    kind: str
    unit_id: int
    status: str


def check_times(started_at: dt.datetime, ended_at: dt.datetime, now: dt.datetime) -> None:
    if ended_at < started_at:
        raise RuleViolation("The record ends before it starts.", code="ended_before_started", field="ended_at")
    if ended_at > now + CLOCK_SKEW:
        raise RuleViolation(
            "A non-site record is kept after the fact: it cannot end in the future.",
            code="record_in_future",
            field="ended_at",
        )


def check_result(result: NonsiteResult, findings: str) -> None:
    if result != NonsiteResult.no_issue and not findings.strip():
        raise RuleViolation(
            "A record that found an issue (or referred it) states its findings.",
            code="findings_required",
            field="findings",
        )


def check_operator(person: InspectorFact, unit_id: int, started_at: dt.datetime, ended_at: dt.datetime) -> None:
    """The operator is a certified (执法证), valid, non-auxiliary inspector of the record's unit."""
    field = "operator_id"
    if person.unit_id != unit_id:
        raise RuleViolation(
            f"{person.name} is not an inspector of the record's unit.", code="operator_not_of_unit", field=field
        )
    if person.is_auxiliary or not person.cert_no:
        raise RuleViolation(
            f"{person.name} is auxiliary staff (辅助人员) without a 执法证 and may not inspect.",
            code="operator_auxiliary",
            field=field,
        )
    if person.status == InspectorStatus.suspended:
        raise RuleViolation(
            f"{person.name}'s 执法证 {person.cert_no} is suspended.", code="operator_suspended", field=field
        )
    if person.status != InspectorStatus.valid:
        raise RuleViolation(
            f"{person.name}'s 执法证 {person.cert_no} is {person.status}.", code="operator_revoked", field=field
        )
    first = started_at.astimezone(LOCAL_TZ).date()
    last = ended_at.astimezone(LOCAL_TZ).date()
    if not (person.valid_from and person.valid_to and person.valid_from <= first and last <= person.valid_to):
        raise RuleViolation(
            f"{person.name}'s 执法证 {person.cert_no} is not valid for the whole record "
            f"(valid {person.valid_from} – {person.valid_to}).",
            code="certificate_not_valid",
            field=field,
        )


def check_items(items: list[NonsiteItemFact], unit_id: int) -> None:
    """Only published items of the record's unit that may be checked without going on-site."""
    for item in items:
        if item.status != ListStatus.published:
            raise RuleViolation(
                f"Item {item.code} is not published; only listed items may be inspected.",
                code="item_not_published",
                field="item_codes",
            )
        if not item.nonsite_capable:
            raise RuleViolation(
                f"Item {item.code} cannot be checked non-site (it is not marked non-site capable).",
                code="item_not_nonsite_capable",
                field="item_codes",
            )
        if item.unit_id != unit_id:
            raise RuleViolation(
                f"Item {item.code} belongs to another unit than the record's.",
                code="item_not_of_record_unit",
                field="item_codes",
            )


def check_asset(asset: AssetFact, unit_id: int, mode: str) -> None:
    if asset.unit_id != unit_id:
        raise RuleViolation(
            f"Asset {asset.code} belongs to another unit.", code="asset_not_of_unit", field="asset_code"
        )
    if asset.status != AssetStatus.active:
        raise RuleViolation(f"Asset {asset.code} is inactive.", code="asset_inactive", field="asset_code")
    if asset.kind != mode:
        raise RuleViolation(
            f"Asset {asset.code} is a {asset.kind}; the record's mode is {mode}.",
            code="asset_kind_mismatch",
            field="asset_code",
        )

"""Rules of a non-site inspection record, as pure functions over plain facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from api.clock import LOCAL_TZ
from api.errors import RuleViolation
from api.i18n import tr
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
        raise RuleViolation(tr("The record ends before it starts."), code="ended_before_started", field="ended_at")
    if ended_at > now + CLOCK_SKEW:
        raise RuleViolation(
            tr("A non-site record is kept after the fact: it cannot end in the future."),
            code="record_in_future",
            field="ended_at",
        )


def check_result(result: NonsiteResult, findings: str) -> None:
    if result != NonsiteResult.no_issue and not findings.strip():
        raise RuleViolation(
            tr("A record that found an issue (or referred it) states its findings."),
            code="findings_required",
            field="findings",
        )


def check_operator(person: InspectorFact, unit_id: int, started_at: dt.datetime, ended_at: dt.datetime) -> None:
    """The operator is a certified (执法证), valid, non-auxiliary inspector of the record's unit."""
    field = "operator_id"
    if person.unit_id != unit_id:
        raise RuleViolation(
            tr("{name} is not an inspector of the record's unit.", name=person.name),
            code="operator_not_of_unit",
            field=field,
        )
    if person.is_auxiliary or not person.cert_no:
        raise RuleViolation(
            tr("{name} is auxiliary staff (辅助人员) without a 执法证 and may not inspect.", name=person.name),
            code="operator_auxiliary",
            field=field,
        )
    if person.status == InspectorStatus.suspended:
        raise RuleViolation(
            tr("{name}'s 执法证 {cert_no} is suspended.", name=person.name, cert_no=person.cert_no),
            code="operator_suspended",
            field=field,
        )
    if person.status != InspectorStatus.valid:
        raise RuleViolation(
            tr(
                "{name}'s 执法证 {cert_no} is {status}.", name=person.name, cert_no=person.cert_no, status=person.status
            ),
            code="operator_revoked",
            field=field,
        )
    first = started_at.astimezone(LOCAL_TZ).date()
    last = ended_at.astimezone(LOCAL_TZ).date()
    if not (person.valid_from and person.valid_to and person.valid_from <= first and last <= person.valid_to):
        raise RuleViolation(
            tr(
                "{name}'s 执法证 {cert_no} is not valid for the whole record (valid {valid_from} – {valid_to}).",
                name=person.name,
                cert_no=person.cert_no,
                valid_from=person.valid_from,
                valid_to=person.valid_to,
            ),
            code="certificate_not_valid",
            field=field,
        )


def check_items(items: list[NonsiteItemFact], unit_id: int) -> None:
    """Only published items of the record's unit that may be checked without going on-site."""
    for item in items:
        if item.status != ListStatus.published:
            raise RuleViolation(
                tr("Item {code} is not published; only listed items may be inspected.", code=item.code),
                code="item_not_published",
                field="item_codes",
            )
        if not item.nonsite_capable:
            raise RuleViolation(
                tr("Item {code} cannot be checked non-site (it is not marked non-site capable).", code=item.code),
                code="item_not_nonsite_capable",
                field="item_codes",
            )
        if item.unit_id != unit_id:
            raise RuleViolation(
                tr("Item {code} belongs to another unit than the record's.", code=item.code),
                code="item_not_of_record_unit",
                field="item_codes",
            )


def check_asset(asset: AssetFact, unit_id: int, mode: str) -> None:
    if asset.unit_id != unit_id:
        raise RuleViolation(
            tr("Asset {code} belongs to another unit.", code=asset.code), code="asset_not_of_unit", field="asset_code"
        )
    if asset.status != AssetStatus.active:
        raise RuleViolation(tr("Asset {code} is inactive.", code=asset.code), code="asset_inactive", field="asset_code")
    if asset.kind != mode:
        raise RuleViolation(
            tr("Asset {code} is a {kind}; the record's mode is {mode}.", code=asset.code, kind=asset.kind, mode=mode),
            code="asset_kind_mismatch",
            field="asset_code",
        )

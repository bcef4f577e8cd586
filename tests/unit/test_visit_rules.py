"""The filing rules as pure functions: codes the API tests cannot reach with the small world."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from api.policies import FilingPolicy
from api.visits.rules import (
    EnterpriseHistory,
    FilingRefused,
    InspectorFact,
    ItemFact,
    VisitDraft,
    check_filing,
)
from models.enums import VisitKind, VisitOrigin, VisitTrigger

NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
VALID = dict(status="valid", is_auxiliary=False, valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2028, 1, 1))
A = InspectorFact(id=1, name="甲", cert_no="C-1", unit_id=10, **VALID)  # type: ignore[arg-type]
B = InspectorFact(id=2, name="乙", cert_no="C-2", unit_id=10, **VALID)  # type: ignore[arg-type]
ITEM = ItemFact(code="I-1", unit_id=10, status="published", category="random_check", yearly_cap=2)


def draft(**changes: object) -> VisitDraft:
    base = VisitDraft(
        uscc="91350100M000100Y43",
        enterprise_whitelisted=False,
        unit_ids=(10,),
        lead_unit_id=10,
        kind=VisitKind.enforcement,
        origin=VisitOrigin.planned,
        trigger=None,
        window_start=NOW + dt.timedelta(hours=1),
        window_end=NOW + dt.timedelta(hours=3),
        inspectors=(A, B),
        items=(ITEM,),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def refusal(d: VisitDraft, history: EnterpriseHistory | None = None) -> str:
    with pytest.raises(FilingRefused) as info:
        check_filing(d, history or EnterpriseHistory(), FilingPolicy(), NOW)
    return info.value.code


def test_a_lawful_draft_passes_without_warnings() -> None:
    assert check_filing(draft(), EnterpriseHistory(), FilingPolicy(), NOW) == []


def test_revoked_certificate() -> None:
    assert refusal(draft(inspectors=(A, replace(B, status="revoked")))) == "inspector_revoked"


def test_certificate_ending_inside_the_window() -> None:
    short = replace(B, valid_to=(NOW + dt.timedelta(hours=1)).date() - dt.timedelta(days=1))
    assert refusal(draft(inspectors=(A, short))) == "certificate_not_valid"


def test_lead_unit_must_take_part() -> None:
    assert refusal(draft(lead_unit_id=99)) == "lead_unit_not_in_visit"


def test_inspection_needs_an_item() -> None:
    assert refusal(draft(items=())) == "no_items"


def test_emergency_may_start_hours_ago_but_a_planned_visit_may_not() -> None:
    earlier = {"window_start": NOW - dt.timedelta(hours=2), "window_end": NOW + dt.timedelta(hours=1)}
    assert refusal(draft(**earlier)) == "window_in_past"
    emergency = draft(origin=VisitOrigin.triggered, trigger=VisitTrigger.emergency, **earlier)
    assert check_filing(emergency, EnterpriseHistory(), FilingPolicy(), NOW) == []


def test_caps_refuse_planned_and_warn_triggered() -> None:
    history = EnterpriseHistory(item_counts={"I-1": 2}, unit_counts={10: 2})
    assert refusal(draft(), history) == "item_cap_exceeded"
    triggered = draft(origin=VisitOrigin.triggered, trigger=VisitTrigger.complaint)
    codes = [w.code for w in check_filing(triggered, history, FilingPolicy(), NOW)]
    assert codes == ["item_cap_exceeded", "unit_cap_exceeded"]


def test_frequency_warnings_count_this_visit() -> None:
    history = EnterpriseHistory(same_day=1, same_week=2, same_month=3)
    codes = [w.code for w in check_filing(draft(), history, FilingPolicy(), NOW)]
    assert codes == ["enterprise_daily_limit", "enterprise_weekly_limit", "enterprise_monthly_limit"]


def test_service_visits_need_one_person_and_no_certificate() -> None:
    helper = replace(B, cert_no=None, is_auxiliary=True)
    service = draft(kind=VisitKind.service, items=(), inspectors=(helper,))
    assert check_filing(service, EnterpriseHistory(), FilingPolicy(), NOW) == []

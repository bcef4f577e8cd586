"""No-scan escalation: an inspection checked out without a valid on-site scan, or an emergency visit not approved
in time, opens a 容错纠错 case for the supervisor by itself — once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from models.supervision_tables import SupervisionCase
from tests.support.api import Api
from tests.support.cases import CASES, ok
from tests.support.scans import enterprise_code, live_visit, scan
from tests.support.supervision import run_in_app
from tests.support.visits import file_visit


def auto_cases(api: Api) -> list[dict[str, Any]]:
    items = ok(api.get(CASES, as_="supervisor"))["items"]
    return [c for c in items if c["source"] in ("no_scan", "emergency_overdue")]


def check_out(api: Api, visit_id: int, event: str) -> None:
    body = {"client_event_id": event, "result": "no_issue"}
    ok(api.post(f"/api/v1/visits/{visit_id}/checkout", as_="inspector-mkt1", json=body))


def test_a_check_out_without_a_valid_on_site_scan_opens_a_case(api: Api) -> None:
    visit = live_visit(api)
    no_position: dict[str, Any] = {"latitude": None, "longitude": None, "accuracy_m": None}
    scanned = scan(api, enterprise_code(api), "in-1", **no_position)
    assert scanned.status_code == 201 and scanned.json()["onsite_problem"] == "no_position", scanned.text
    check_out(api, visit["id"], "out-1")
    [case] = auto_cases(api)
    assert case["source"] == "no_scan" and case["unit_code"] == "MKT" and case["step"] == "opened"
    detail = ok(api.get(f"{CASES}/{case['id']}", as_="supervisor"))
    assert detail["visit_id"] == visit["id"] and detail["opened_by"] == "(system)" and detail["error_kind"] == "no_scan"
    assert {p["inspector_id"] for p in detail["persons"]} == {
        api.world.inspector_ids["MKT-C1"],
        api.world.inspector_ids["MKT-C2"],
    }
    assert len(auto_cases(api)) == 1  # the sweep finds it opened already
    events = api.get(f"/api/v1/audit/events?subject=case:{case['id']}", as_="supervisor").json()["items"]
    assert [e["type"] for e in events] == ["case.opened"] and events[0]["actor"] == "(system)"


def test_a_validly_scanned_visit_opens_nothing(api: Api) -> None:
    visit = live_visit(api)
    assert scan(api, enterprise_code(api), "in-2").status_code == 201
    check_out(api, visit["id"], "out-2")
    assert auto_cases(api) == []


def test_an_emergency_visit_not_approved_in_time_opens_a_case(api: Api, pinned_clock: time_machine.Traveller) -> None:
    now = dt.datetime.now(dt.UTC)
    visit = file_visit(
        api,
        as_="inspector-mkt1",
        origin="triggered",
        trigger_type="emergency",
        trigger_reason="证据可能灭失",
        window_start=(now - dt.timedelta(minutes=30)).isoformat(),
        window_end=(now + dt.timedelta(hours=2)).isoformat(),
    )
    pinned_clock.shift(dt.timedelta(hours=23))
    assert auto_cases(api) == []
    pinned_clock.shift(dt.timedelta(hours=2))
    [case] = auto_cases(api)
    assert case["source"] == "emergency_overdue" and case["source_ref"] == f"visit:{visit['id']}"
    assert "未在规定时限内补批" in case["title"]
    assert len(auto_cases(api)) == 1


def test_the_sweep_leaves_visits_older_than_30_days_alone(api: Api, pinned_clock: time_machine.Traveller) -> None:
    visit = live_visit(api)
    scan(api, enterprise_code(api), "in-3", latitude=None, longitude=None, accuracy_m=None)
    check_out(api, visit["id"], "out-3")
    [case] = auto_cases(api)
    run_in_app(api, SupervisionCase.delete().where(SupervisionCase.id == case["id"]))  # as if before the rule
    pinned_clock.shift(dt.timedelta(days=31))
    assert auto_cases(api) == []

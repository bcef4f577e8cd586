"""The green page is a guarantee (issue 12): people re-checked, atomic transitions, scans on site, the right visit.

Each test drives the API on SQLite and on PostgreSQL + Redis; the races run concurrent requests in process
(PostgreSQL), and ``tests/failure/test_trust_races.py`` runs them against two ``ruqi run`` workers.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.scans import NEAR, enterprise_code, live_visit, now_window, scan
from tests.support.verification import code_of, verify
from tests.support.visits import file_visit, window
from tests.support.world import USCC_A


def suspend(api: Api, cert: str, status: str = "suspended") -> dict[str, Any]:
    inspector_id = api.world.inspector_ids[cert]
    response = api.patch(f"/api/v1/inspectors/{inspector_id}", as_="admin", json={"status": status})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def events(api: Api, subject: str) -> list[dict[str, Any]]:
    body = api.get("/api/v1/audit/events", as_="supervisor", params={"subject": subject, "limit": 500}).json()
    return body["items"] if isinstance(body, dict) else body  # type: ignore[no-any-return]


def checkout(api: Api, visit_id: int, event: str, result: str = "no_issue", as_: str = "inspector-mkt1") -> Any:
    body = {"client_event_id": event, "result": result, "findings": ""}
    return api.post(f"/api/v1/visits/{visit_id}/checkout", as_=as_, json=body)


# -- 1. people are checked when it matters -----------------------------------------------------------------------
@pytest.mark.parametrize("status", ["suspended", "revoked"])
def test_an_inspector_no_longer_valid_voids_the_code_the_scan_and_the_checkout(api: Api, status: str) -> None:
    visit = live_visit(api, **now_window(minutes_ahead=-2))
    token = code_of(api, visit["id"])
    assert verify(api, token)["outcome"] == "valid"
    assert scan(api, enterprise_code(api), "in-1").status_code == 201
    suspend(api, "MKT-C2", status)

    shown = verify(api, token)
    assert shown["outcome"] == "cancelled" and not shown["valid"]
    assert "李华" in shown["reason"] and "MKT-C2" in shown["reason"]  # the page names who is no longer valid
    people = {i["cert_no"]: i for i in shown["visit"]["inspectors"]}
    assert people["MKT-C2"]["valid"] is False and people["MKT-C2"]["problem"]
    assert people["MKT-C1"]["valid"] is True
    page = api.get(f"/V/{token}").text
    assert "李华" in page and 'class="invalid"' in page and "不得实施检查" in page

    # Offline verifiers learn it too: a revocation entry with its reason.
    listed = api.get("/api/v1/public/revocations").json()["items"]
    assert [(r["visit_id"], r["reason"]) for r in listed] == [(visit["id"], "inspector")]

    refused = scan(api, enterprise_code(api), "in-2")
    assert refused.status_code == 422 and refused.json()["code"] == "inspector_not_valid"
    assert [i["cert_no"] for i in refused.json()["inspectors"]] == ["MKT-C2"]
    attempts = api.get("/api/v1/unfiled-attempts", as_="supervisor").json()["items"]
    assert attempts[0]["reason"] == "inspector_not_valid"

    out = checkout(api, visit["id"], "out-1", "case_opened")
    assert out.status_code == 422 and out.json()["code"] == "inspector_not_valid"
    assert api.get(f"/api/v1/visits/{visit['id']}", as_="supervisor").json()["status"] == "checked_in"

    change = [
        e for e in events(api, f"inspector:{api.world.inspector_ids['MKT-C2']}") if e["type"] == "inspector.updated"
    ]
    assert change[-1]["payload"]["voided_visits"] == [visit["id"]] and change[-1]["actor"] == "admin"


def test_approval_refuses_a_visit_whose_inspector_was_suspended_after_filing(api: Api) -> None:
    visit = file_visit(api)
    suspend(api, "MKT-C1")
    refused = api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt")
    assert refused.status_code == 422 and refused.json()["code"] == "inspector_suspended"
    assert api.get(f"/api/v1/visits/{visit['id']}", as_="supervisor").json()["code_issued_at"] is None


def test_a_certificate_expiring_before_the_window_voids_the_code(api: Api) -> None:
    start, end = window(days_ahead=3)
    visit = file_visit(api, window_start=start, window_end=end)
    assert api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt").status_code == 200
    inspector_id = api.world.inspector_ids["MKT-C1"]
    shortened = (dt.date.fromisoformat(start[:10]) - dt.timedelta(days=1)).isoformat()
    assert api.patch(f"/api/v1/inspectors/{inspector_id}", as_="admin", json={"valid_to": shortened}).status_code == 200
    listed = api.get("/api/v1/public/revocations").json()["items"]
    assert (visit["id"], "inspector") in [(r["visit_id"], r["reason"]) for r in listed]


# -- 2. every state transition is atomic -------------------------------------------------------------------------
def test_a_stale_transition_gets_409_state_changed_with_the_current_state(api: Api) -> None:
    visit = live_visit(api)
    assert scan(api, enterprise_code(api), "in-1").status_code == 201
    assert checkout(api, visit["id"], "out-1").status_code == 200
    again = checkout(api, visit["id"], "out-2", "case_opened")
    assert again.status_code == 422 and again.json()["code"] == "visit_not_checked_in"
    assert [e["type"] for e in events(api, f"visit:{visit['id']}")].count("checkout") == 1


@pytest.mark.parametrize("backend", ["postgres"])
def test_concurrent_checkouts_with_different_results_make_one_transition(api: Api) -> None:
    visit = live_visit(api)
    assert scan(api, enterprise_code(api), "in-1").status_code == 201
    results = ["no_issue", "rectification", "case_opened", "other"]

    def out(i: int) -> Any:
        return checkout(
            api, visit["id"], f"race-out-{i}", results[i % 4], as_=("inspector-mkt1", "inspector-mkt2")[i % 2]
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(out, range(20)))
    won = [a for a in answers if a.status_code == 200]
    assert len(won) == 1, [a.status_code for a in answers]
    lost = [a.json() for a in answers if a.status_code != 200]
    assert {(p["status"], p["code"]) for p in lost} <= {(409, "state_changed"), (422, "visit_not_checked_in")}
    assert all(p["current_status"] == "checked_out" for p in lost if p["code"] == "state_changed")
    final = api.get(f"/api/v1/visits/{visit['id']}", as_="supervisor").json()
    assert final["status"] == "checked_out" and final["result"] == won[0].json()["result"]
    trail = [e for e in events(api, f"visit:{visit['id']}") if e["type"] == "checkout"]
    assert len(trail) == 1 and trail[0]["payload"]["result"] == final["result"]


@pytest.mark.parametrize("backend", ["postgres"])
def test_cancel_racing_reschedules_never_leaves_a_live_code(api: Api) -> None:
    for round_ in range(3):
        visit = live_visit(api, **now_window(minutes_ahead=60 + round_))
        token = code_of(api, visit["id"])

        def act(i: int, visit_id: int = visit["id"]) -> Any:
            if i == 0:
                return api.post(f"/api/v1/visits/{visit_id}/cancel", as_="planner-mkt", json={"reason": "停业"})
            start, end = window(days_ahead=2 + i, hour=9)
            body = {"window_start": start, "window_end": end, "reason": "改期"}
            return api.post(f"/api/v1/visits/{visit_id}/reschedule", as_="planner-mkt", json=body)

        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(act, range(6)))
        final = api.get(f"/api/v1/visits/{visit['id']}", as_="supervisor").json()
        trail = [e["type"] for e in events(api, f"visit:{visit['id']}")]
        won = [a for a in answers if a.status_code == 200]
        assert won and all(a.status_code in (200, 409, 422) for a in answers), [a.text for a in answers]
        # Exactly one audit event per transition that answered 200, and the end state is the last one's.
        assert trail.count("visit.cancelled") + trail.count("visit.rescheduled") == len(won)
        if answers[0].status_code == 200:
            assert final["status"] == "cancelled" and trail[-1] == "visit.cancelled"
        else:
            assert final["status"] == "filed" and trail[-1] == "visit.rescheduled"
            assert final["code_issued_at"] is None  # a new approval (and code) is needed
        assert verify(api, token)["outcome"] == "cancelled"  # the first code is void either way


@pytest.mark.parametrize("backend", ["postgres"])
def test_concurrent_approvals_issue_one_code(api: Api) -> None:
    visit = file_visit(api)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda _: api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt"), range(8))
        )
    assert [a.status_code for a in answers].count(200) == 1
    assert {a.json()["code"] for a in answers if a.status_code != 200} <= {"state_changed", "already_approved"}
    trail = [e["type"] for e in events(api, f"visit:{visit['id']}")]
    assert trail.count("visit.approved") == 1 and trail.count("code.issued") == 1


@pytest.mark.parametrize("backend", ["postgres"])
def test_concurrent_complaint_steps_make_one_step(api: Api) -> None:
    body = {"kind": "other", "description": "并发", "client_event_id": "race-c"}
    complaint = api.post("/api/v1/public/complaints", json=body).json()["id"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(
                lambda _: api.post(
                    f"/api/v1/complaints/{complaint}/advance", as_="supervisor", json={"to": "verifying"}
                ),
                range(8),
            )
        )
    assert [a.status_code for a in answers].count(200) == 1
    assert {a.json()["code"] for a in answers if a.status_code != 200} <= {"state_changed", "invalid_transition"}
    steps = api.get(f"/api/v1/complaints/{complaint}", as_="supervisor").json()["steps"]
    assert [s["status"] for s in steps] == ["received", "verifying"]
    trail = [e for e in events(api, f"complaint:{complaint}") if e["payload"]["status"] == "verifying"]
    assert len(trail) == 1


# -- 5. 扫码入企 means on site -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("position", "problem"),
    [
        ({}, "no_position"),
        ({"latitude": 36.6801, "longitude": 117.0601}, "poor_accuracy"),  # no accuracy reported
        ({**NEAR, "accuracy_m": 800.0}, "poor_accuracy"),
        ({**NEAR, "mock_location": True}, "mock_location"),
    ],
)
def test_a_scan_that_does_not_prove_presence_is_recorded_flagged_and_not_counted(
    api: Api, position: dict[str, Any], problem: str
) -> None:
    visit = live_visit(api)
    body = {"content": enterprise_code(api), "client_event_id": "s-1", **position}
    answer = api.post("/api/v1/scans", as_="inspector-mkt1", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["onsite"] is False and answer.json()["onsite_problem"] == problem
    assert answer.json()["kind"] == "arrival"  # recorded: the visit is checked in
    assert checkout(api, visit["id"], "out-1").status_code == 200
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    metrics = api.get("/api/v1/metrics", as_="supervisor", params={"from": today, "to": today}).json()
    assert metrics["rates"]["checked_out"] == 1 and metrics["rates"]["checked_out_with_scan"] == 0
    flagged = metrics["warnings"]["offsite_scans"]
    assert flagged["count"] == 1 and flagged["latest"][0]["problem"] == problem


def test_a_good_scan_counts_and_a_later_good_scan_rescues_a_poor_arrival(api: Api) -> None:
    visit = live_visit(api)
    code = enterprise_code(api)
    assert scan(api, code, "s-1", accuracy_m=500.0).json()["onsite"] is False
    presence = scan(api, code, "s-2", as_="inspector-mkt2")
    assert presence.json()["kind"] == "presence" and presence.json()["onsite"] is True
    assert checkout(api, visit["id"], "out-1").status_code == 200
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    metrics = api.get("/api/v1/metrics", as_="supervisor", params={"from": today, "to": today}).json()
    assert metrics["rates"]["scan_rate"] == 1.0 and metrics["warnings"]["offsite_scans"]["count"] == 1


# -- 7. the right visit ----------------------------------------------------------------------------------------
def test_after_checking_out_visit_a_the_scan_checks_in_visit_b(api: Api) -> None:
    a = live_visit(api, **now_window(minutes_ahead=-4, hours=3))
    b = live_visit(api, **now_window(minutes_ahead=-3, hours=2), item_codes=["MKT-002"])
    code = enterprise_code(api)
    first = scan(api, code, "s-a")
    assert first.json()["visit_id"] == a["id"] and first.json()["kind"] == "arrival"
    assert checkout(api, a["id"], "out-a").status_code == 200
    second = scan(api, code, "s-b")
    assert second.status_code == 201 and second.json()["visit_id"] == b["id"] and second.json()["kind"] == "arrival"


def test_of_two_open_visits_the_one_whose_window_holds_now_is_matched(api: Api) -> None:
    # A starts in 10 minutes (within the early-arrival margin); B's window holds now: B is the right visit.
    live_visit(api, **now_window(minutes_ahead=10, hours=2))
    b = live_visit(api, **now_window(minutes_ahead=-4, hours=1), item_codes=["MKT-002"])
    answer = scan(api, enterprise_code(api), "s-1")
    assert answer.json()["visit_id"] == b["id"]


def test_a_scan_never_lands_on_a_checked_out_visit(api: Api) -> None:
    visit = live_visit(api)
    code = enterprise_code(api)
    assert scan(api, code, "s-1").status_code == 201
    assert checkout(api, visit["id"], "out-1").status_code == 200
    again = scan(api, code, "s-2")
    assert again.status_code == 403 and again.json()["code"] == "unfiled_visit"
    assert USCC_A  # the scan was for the same enterprise, inspector and window

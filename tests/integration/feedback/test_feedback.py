"""Ratings (anonymous, supervisor-only) and complaints (投诉) with their 30-day workflow."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from api.visits.rules import LOCAL_TZ
from models.visit_tables import Complaint, Rating, Visit
from tests.support.api import Api
from tests.support.visits import approved_visit
from tests.support.world import USCC_A, USCC_B

UNIT_USERS = ["planner-mkt", "approver-mkt", "inspector-mkt1", "planner-fire"]


# -- helpers: state the check-out endpoint would produce, written through the app's own loop ---------------
def run_in_app(api: Api, query: Any) -> Any:
    """Run a Piccolo query on the loop (and pool) of the app under test."""

    async def run() -> Any:
        return await query

    return api.client.blocking_portal.call(run)


def check_out(api: Api, visit_id: int) -> None:
    now = dt.datetime.now(dt.UTC)
    run_in_app(
        api,
        Visit.update(
            {Visit.status: "checked_out", Visit.checked_in_at: now, Visit.checked_out_at: now, Visit.result: "no_issue"}
        ).where(Visit.id == visit_id),
    )


def current_visit(api: Api) -> dict[str, Any]:
    """An approved visit whose window contains now, so its code verifies as valid."""
    start = dt.datetime.now(LOCAL_TZ) - dt.timedelta(minutes=1)
    end = start + dt.timedelta(hours=2)
    return approved_visit(api, window_start=start.isoformat(), window_end=end.isoformat())


def code_token(api: Api, visit_id: int) -> str:
    response = api.get(f"/api/v1/visits/{visit_id}/code", as_="inspector-mkt1")
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def checked_out_visit(api: Api) -> tuple[int, str]:
    visit = current_visit(api)
    token = code_token(api, visit["id"])
    check_out(api, visit["id"])
    return visit["id"], token


def rate(
    api: Api, token: str, client_event_id: str = "r-1", score: int = 4, as_: str | None = "enterprise-a", **extra: Any
) -> Any:
    """Rating by the code, logged in as the inspected enterprise (the only one who may rate)."""
    body = {"score": score, "comment": "态度很好", "client_event_id": client_event_id, **extra}
    return api.post(f"/api/v1/public/visits/{token}/rating", as_=as_, json=body)


def complain(api: Api, client_event_id: str = "c-1", as_: str | None = None, **fields: Any) -> Any:
    body = {
        "kind": "unfiled_inspection",
        "description": "没有备案就来检查",
        "client_event_id": client_event_id,
        **fields,
    }
    path = "/api/v1/complaints" if as_ else "/api/v1/public/complaints"
    return api.post(path, as_=as_, json=body)


def advance(api: Api, complaint_id: int, to: str, note: str = "") -> Any:
    body = {"to": to, "note": note, **({"finding": "substantiated"} if to == "determined" else {})}  # 认定 names one
    return api.post(f"/api/v1/complaints/{complaint_id}/advance", as_="supervisor", json=body)


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


# -- ratings ---------------------------------------------------------------------------------------------
def test_rating_with_the_visit_code_after_check_out(api: Api) -> None:
    visit = current_visit(api)
    token = code_token(api, visit["id"])
    problem(rate(api, token), 422, "visit_not_checked_out")

    check_out(api, visit["id"])
    first = rate(api, token)
    assert first.status_code == 201, first.text
    assert first.json()["visit_id"] == visit["id"] and first.json()["score"] == 4
    assert first.headers["idempotent-replayed"] == "false"

    replay = rate(api, token)
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert run_in_app(api, Rating.count().where(Rating.visit == visit["id"])) == 1

    problem(rate(api, token, client_event_id="r-2", score=1), 409, "already_rated")
    problem(rate(api, token, score=2), 409, "idempotency_conflict")
    assert run_in_app(api, Rating.count()) == 1


def test_concurrent_ratings_keep_the_first(api: Api) -> None:
    visit_id, token = checked_out_visit(api)
    with ThreadPoolExecutor(max_workers=6) as pool:
        different = list(pool.map(lambda i: rate(api, token, client_event_id=f"d-{i}"), range(6)))
    assert sorted(r.status_code for r in different) == [201] + [409] * 5
    assert {r.json()["code"] for r in different if r.status_code == 409} == {"already_rated"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        same = list(pool.map(lambda _: complain(api, client_event_id="same", token=token), range(6)))
    assert {r.status_code for r in same} == {201} and len({r.json()["id"] for r in same}) == 1
    assert run_in_app(api, Rating.count().where(Rating.visit == visit_id)) == 1
    assert run_in_app(api, Complaint.count()) == 1


def test_forged_or_garbage_codes_are_refused_without_5xx(api: Api) -> None:
    visit_id, token = checked_out_visit(api)
    flipped = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    enterprise_code = api.get(f"/api/v1/enterprises/{USCC_A}/code", as_="enterprise-a").json()["url"].split("/")[-1]
    for bad in ["NOTATOKEN", "abc", "A" * 300, flipped, enterprise_code]:
        body = problem(rate(api, bad), 403, "invalid_code")
        assert body["outcome"] in {"malformed", "bad_signature", "unknown_key", "valid"}
    assert api.post("/api/v1/public/visits/%25%00/rating", json={"score": 3, "client_event_id": "x"}).status_code < 500
    assert rate(api, token, score=6).json()["field"] == "score"
    assert rate(api, token, client_event_id="").json()["field"] == "client_event_id"
    assert rate(api, token, comment="长" * 1001).json()["field"] == "comment"
    assert run_in_app(api, Rating.count().where(Rating.visit == visit_id)) == 0


def test_unit_roles_and_enterprises_cannot_read_ratings(api: Api) -> None:
    _, token = checked_out_visit(api)
    assert rate(api, token).status_code == 201
    for user in [*UNIT_USERS, "enterprise-a"]:
        for path in ("/api/v1/ratings", "/api/v1/ratings/summary"):
            problem(api.get(path, as_=user), 403, "forbidden")
    assert api.get("/api/v1/ratings").status_code == 401


def test_supervisor_sees_ratings_without_who_rated(api: Api) -> None:
    visit_id, token = checked_out_visit(api)
    assert rate(api, token, score=5).status_code == 201

    response = api.get("/api/v1/ratings", as_="supervisor")
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 1
    [item] = page["items"]
    assert set(item) == {"visit_id", "units", "score", "comment", "at"}
    assert item["visit_id"] == visit_id and item["score"] == 5 and item["units"][0]["code"] == "MKT"
    for secret in ("username", "ip", "uscc", "enterprise-a", USCC_A, "127.0.0.1", "testclient"):
        assert secret not in response.text

    summary = api.get("/api/v1/ratings/summary", as_="admin").json()
    assert summary == {"count": 1, "average": 5.0, "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}}
    assert api.get("/api/v1/ratings?unit_code=FIRE", as_="supervisor").json()["total"] == 0
    assert api.get("/api/v1/ratings/summary?unit_code=MKT", as_="supervisor").json()["count"] == 1
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert api.get("/api/v1/ratings", as_="supervisor", params={"from": tomorrow}).json()["total"] == 0
    assert api.get("/api/v1/ratings", as_="supervisor", params={"to": tomorrow}).json()["total"] == 1
    assert api.get("/api/v1/ratings/summary", as_="supervisor", params={"from": tomorrow}).json()["average"] is None

    visit = api.get(f"/api/v1/visits/{visit_id}", as_="planner-mkt").json()
    assert not any("rat" in key or "score" in key for key in visit)


def test_enterprise_rates_its_own_visit_when_logged_in(api: Api) -> None:
    visit_id, token = checked_out_visit(api)
    body = {"score": 3, "comment": "", "client_event_id": "e-1"}
    problem(api.post(f"/api/v1/visits/{visit_id}/rating", as_="enterprise-b", json=body), 404, "visit_not_found")
    problem(api.post(f"/api/v1/visits/{visit_id}/rating", as_="inspector-mkt1", json=body), 403, "forbidden")
    first = api.post(f"/api/v1/visits/{visit_id}/rating", as_="enterprise-a", json=body)
    assert first.status_code == 201, first.text
    # The same event sent again through the public route replays: what is hashed is the rated visit, not the route.
    assert rate(api, token, client_event_id="e-1", score=3, comment="").json() == first.json()
    problem(rate(api, token, client_event_id="e-2"), 409, "already_rated")


def test_a_cancelled_visit_cannot_be_rated(api: Api) -> None:
    visit = current_visit(api)
    token = code_token(api, visit["id"])
    cancelled = api.post(f"/api/v1/visits/{visit['id']}/cancel", as_="planner-mkt", json={"reason": "改期"})
    assert cancelled.status_code == 200, cancelled.text
    problem(rate(api, token), 422, "visit_cancelled")


# -- complaints ------------------------------------------------------------------------------------------
def test_complaint_from_a_garbage_code_is_received(api: Api) -> None:
    before = dt.datetime.now(dt.UTC)
    response = complain(api, token="HTTPS://EVIL.EXAMPLE/V/NOT-A-TOKEN!!", uscc=USCC_B.lower(), contact="138****0000")
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["status"] == "received" and receipt["reference"] == f"TS-{receipt['id']:06d}"
    due = dt.datetime.fromisoformat(receipt["due_at"])
    assert dt.timedelta(days=29, hours=23) < due - before < dt.timedelta(days=30, minutes=5)

    detail = api.get(f"/api/v1/complaints/{receipt['id']}", as_="supervisor").json()
    assert detail["verification_outcome"] == "malformed" and detail["visit_id"] is None
    assert detail["uscc"] == USCC_B and detail["contact"] == "138****0000" and detail["overdue"] is False
    assert [(s["status"], s["actor"]) for s in detail["steps"]] == [("received", "(public)")]

    no_token = complain(api, client_event_id="c-2", kind="other")
    assert no_token.status_code == 201, no_token.text
    bad_uscc = complain(api, client_event_id="c-3", uscc="123")  # passed on by the page: never blocks a complaint
    assert bad_uscc.status_code == 201, bad_uscc.text
    assert api.get(f"/api/v1/complaints/{bad_uscc.json()['id']}", as_="supervisor").json()["uscc"] == ""
    assert complain(api, client_event_id="c-4", description="").json()["field"] == "description"
    assert complain(api, client_event_id="c-5", kind="rude").json()["field"] == "kind"
    assert complain(api, client_event_id="c-6", token="x" * 5000).status_code == 400


def test_complaint_with_a_valid_code_links_the_visit(api: Api) -> None:
    visit = current_visit(api)
    url = api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").json()["url"]
    first = complain(api, token=url, kind="inspector_conduct")
    assert first.status_code == 201, first.text
    replay = complain(api, token=url, kind="inspector_conduct")
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    problem(complain(api, token=url, kind="other"), 409, "idempotency_conflict")
    assert run_in_app(api, Complaint.count()) == 1

    detail = api.get(f"/api/v1/complaints/{first.json()['id']}", as_="supervisor").json()
    assert detail["visit_id"] == visit["id"] and detail["verification_outcome"] == "valid"
    assert detail["uscc"] == USCC_A  # taken from the code when the form left it empty

    mismatch = complain(api, client_event_id="c-2", token=url, uscc=USCC_B).json()
    assert api.get(f"/api/v1/complaints/{mismatch['id']}", as_="supervisor").json()["verification_outcome"] == (
        "enterprise_mismatch"
    )


def test_complaint_workflow(api: Api) -> None:
    complaint_id = complain(api).json()["id"]
    body = problem(advance(api, complaint_id, "archived"), 422, "invalid_transition")
    assert body["allowed"] == ["verifying"] and body["field"] == "to"
    for status in ("verifying", "determined", "feedback"):
        response = advance(api, complaint_id, status, note=f"{status} 说明")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status and response.json()["closed_at"] is None
    problem(advance(api, complaint_id, "determined"), 422, "invalid_transition")
    problem(advance(api, complaint_id, "archived"), 422, "note_required")
    archived = advance(api, complaint_id, "archived", note="经核实投诉不成立，无需纠错").json()
    assert archived["status"] == "archived" and archived["closed_at"] is not None
    assert [s["status"] for s in archived["steps"]] == ["received", "verifying", "determined", "feedback", "archived"]
    assert {s["actor"] for s in archived["steps"][1:]} == {"supervisor"}
    body = problem(advance(api, complaint_id, "rectified"), 422, "invalid_transition")
    assert body["allowed"] == []

    founded = complain(api, client_event_id="c-2").json()["id"]
    for status in ("verifying", "determined", "feedback", "rectified", "archived"):
        assert advance(api, founded, status).status_code == 200
    problem(advance(api, 999999, "verifying"), 404, "complaint_not_found")
    assert advance(api, founded, "closed").json()["field"] == "to"


def test_overdue_complaints_are_listed_for_the_supervisor(api: Api) -> None:
    late = complain(api, client_event_id="c-late").json()["id"]
    on_time = complain(api, client_event_id="c-on-time").json()["id"]
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    run_in_app(api, Complaint.update({Complaint.due_at: past}).where(Complaint.id == late))

    overdue = api.get("/api/v1/complaints?overdue=true", as_="supervisor").json()
    assert [c["id"] for c in overdue["items"]] == [late] and overdue["items"][0]["overdue"] is True
    everything = api.get("/api/v1/complaints", as_="supervisor").json()
    assert {c["id"] for c in everything["items"]} == {late, on_time} and everything["total"] == 2

    for status in ("verifying", "determined", "feedback", "rectified", "archived"):
        assert advance(api, late, status).status_code == 200
    assert api.get("/api/v1/complaints?overdue=true", as_="supervisor").json()["total"] == 0
    archived = api.get("/api/v1/complaints?status=archived", as_="admin").json()
    assert [c["id"] for c in archived["items"]] == [late] and archived["items"][0]["overdue"] is False


def test_an_enterprise_lists_only_its_own_complaints(api: Api) -> None:
    mine = complain(api, as_="enterprise-a", kind="too_frequent")
    assert mine.status_code == 201, mine.text
    theirs = complain(api, client_event_id="c-b", as_="enterprise-b").json()["id"]
    public_about_a = complain(api, client_event_id="c-p", uscc=USCC_A).json()["id"]

    listed = api.get("/api/v1/complaints", as_="enterprise-a").json()
    assert [c["id"] for c in listed["items"]] == [mine.json()["id"]] and listed["total"] == 1
    assert listed["items"][0]["uscc"] == USCC_A
    detail = api.get(f"/api/v1/complaints/{mine.json()['id']}", as_="enterprise-a").json()
    assert detail["steps"][0]["actor"] == "enterprise-a"
    for other in (theirs, public_about_a):
        problem(api.get(f"/api/v1/complaints/{other}", as_="enterprise-a"), 404, "complaint_not_found")
    assert api.get("/api/v1/complaints", as_="supervisor").json()["total"] == 3
    problem(advance_as(api, "enterprise-a", mine.json()["id"]), 403, "forbidden")


def advance_as(api: Api, user: str, complaint_id: int) -> Any:
    return api.post(f"/api/v1/complaints/{complaint_id}/advance", as_=user, json={"to": "verifying"})


@pytest.mark.parametrize("user", UNIT_USERS)
def test_unit_roles_cannot_touch_complaints(api: Api, user: str) -> None:
    complaint_id = complain(api).json()["id"]
    problem(api.get("/api/v1/complaints", as_=user), 403, "forbidden")
    problem(api.get(f"/api/v1/complaints/{complaint_id}", as_=user), 403, "forbidden")
    problem(advance_as(api, user, complaint_id), 403, "forbidden")
    problem(complain(api, client_event_id="c-unit", as_=user), 403, "forbidden")

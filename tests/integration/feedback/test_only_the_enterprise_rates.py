"""Only the inspected enterprise rates, through its own login; nobody holding the code learns whether it did
(issue 12, point 3)."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api
from tests.support.scans import enterprise_code, live_visit, now_window, scan
from tests.support.verification import code_of, verify


def checked_out(api: Api) -> tuple[int, str]:
    visit = live_visit(api, **now_window(minutes_ahead=-2))
    token = code_of(api, visit["id"], as_="inspector-mkt1")  # the inspector holds the code
    assert scan(api, enterprise_code(api), "in-1").status_code == 201
    body = {"client_event_id": "out-1", "result": "no_issue", "findings": ""}
    assert api.post(f"/api/v1/visits/{visit['id']}/checkout", as_="inspector-mkt1", json=body).status_code == 200
    return visit["id"], token


def rate(api: Api, token: str, as_: str | None, event: str = "r-1", score: int = 5) -> Any:
    body = {"score": score, "comment": "", "client_event_id": event}
    return api.post(f"/api/v1/public/visits/{token}/rating", as_=as_, json=body)


def test_the_inspector_with_the_code_cannot_rate_and_the_enterprise_can(api: Api) -> None:
    visit_id, token = checked_out(api)
    assert rate(api, token, None).status_code == 401  # the code alone is not enough
    for unit_role in ("inspector-mkt1", "inspector-mkt2", "planner-mkt", "approver-mkt", "supervisor"):
        assert rate(api, token, unit_role).status_code == 403, unit_role
    by_id = api.post(
        f"/api/v1/visits/{visit_id}/rating", as_="inspector-mkt1", json={"score": 5, "client_event_id": "x"}
    )
    assert by_id.status_code == 403
    other = rate(api, token, "enterprise-b")
    assert other.status_code == 404 and other.json()["code"] == "visit_not_found"
    assert api.get("/api/v1/ratings", as_="supervisor").json()["total"] == 0

    before = verify(api, token)
    mine = rate(api, token, "enterprise-a", score=4)
    assert mine.status_code == 201 and mine.json()["score"] == 4
    assert rate(api, token, "enterprise-a", event="r-2").json()["code"] == "already_rated"
    # What the code's holders see does not change with the rating: no "can_rate" tell, no time.
    after = verify(api, token)
    assert after["can_rate"] is True and before["can_rate"] is True
    assert {k: v for k, v in after.items() if k != "checked_at"} == {
        k: v for k, v in before.items() if k != "checked_at"
    }
    for unit_role in ("inspector-mkt1", "planner-mkt", "approver-mkt"):
        assert api.get("/api/v1/ratings", as_=unit_role).status_code == 403
        visit = api.get(f"/api/v1/visits/{visit_id}", as_=unit_role).json()
        assert not any("rat" in key for key in visit)
    ratings = api.get("/api/v1/ratings", as_="supervisor").json()["items"]
    assert [(r["visit_id"], r["score"]) for r in ratings] == [(visit_id, 4)]


def test_the_enterprise_rates_by_visit_id_too(api: Api) -> None:
    visit_id, _ = checked_out(api)
    body = {"score": 3, "comment": "一般", "client_event_id": "r-id"}
    assert api.post(f"/api/v1/visits/{visit_id}/rating", as_="enterprise-b", json=body).status_code == 404
    assert api.post(f"/api/v1/visits/{visit_id}/rating", as_="enterprise-a", json=body).status_code == 201

"""预约式服务: the enterprise asks for a service visit with slots; the unit accepts one (a service visit is filed)
or declines; both see it, and the accepted visit is in the enterprise's iCal feed."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from icalendar import Calendar

from tests.support.api import Api
from tests.support.cases import ok
from tests.support.supervision import problem

REQUESTS = "/api/v1/service-requests"


def slot(days: int, hour: int = 9, hours: int = 2) -> dict[str, str]:
    start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=days, hours=hour)
    return {"start": start.isoformat(), "end": (start + dt.timedelta(hours=hours)).isoformat()}


def ask(api: Api, **fields: Any) -> Any:
    body = {"unit_code": "MKT", "service_type": "service", "topic": "食品经营许可办理指导", "slots": [slot(3), slot(5)]}
    return api.post(REQUESTS, as_="enterprise-a", json={**body, **fields})


def people(api: Api) -> list[int]:
    return [api.world.inspector_ids["MKT-C1"], api.world.inspector_ids["MKT-C2"]]


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_the_unit_accepts_a_slot_and_a_service_visit_is_filed(api: Api) -> None:
    request = ok(ask(api), 201)
    assert request["status"] == "requested" and len(request["slots"]) == 2 and request["visit_id"] is None
    assert [r["id"] for r in ok(api.get(REQUESTS, as_="planner-mkt"))["items"]] == [request["id"]]
    assert ok(api.get(REQUESTS, as_="planner-fire"))["total"] == 0
    assert ok(api.get(REQUESTS, as_="enterprise-b"))["total"] == 0
    problem(api.get(f"{REQUESTS}/{request['id']}", as_="enterprise-b"), 404, "service_request_not_found")

    accept = {"slot": 2, "inspector_ids": people(api)}
    problem(
        api.post(f"{REQUESTS}/{request['id']}/accept", as_="planner-fire", json=accept),
        404,
        "service_request_not_found",
    )
    problem(
        api.post(f"{REQUESTS}/{request['id']}/accept", as_="planner-mkt", json={**accept, "slot": 3}),
        422,
        "slot_unknown",
    )
    accepted = ok(api.post(f"{REQUESTS}/{request['id']}/accept", as_="planner-mkt", json=accept))
    assert accepted["status"] == "accepted" and accepted["chosen_slot"] == 2 and accepted["visit_id"]
    visit = ok(api.get(f"/api/v1/visits/{accepted['visit_id']}", as_="planner-mkt"))
    assert visit["kind"] == "service" and visit["status"] == "filed" and visit["trigger_type"] == "enterprise_request"
    assert dt.datetime.fromisoformat(visit["window_start"]) == dt.datetime.fromisoformat(request["slots"][1]["start"])
    problem(
        api.post(f"{REQUESTS}/{request['id']}/decline", as_="planner-mkt", json={"reason": "x"}),
        422,
        "service_request_closed",
    )
    mine = ok(api.get(f"{REQUESTS}/{request['id']}", as_="enterprise-a"))
    assert mine["visit_id"] == accepted["visit_id"]

    upcoming = ok(api.get("/api/v1/my/upcoming", as_="enterprise-a"))
    url = urlparse(upcoming["ics_url"])
    feed = api.get(url.path, params={"token": parse_qs(url.query)["token"][0]})
    events = [e for e in Calendar.from_ical(feed.content).walk("VEVENT") if str(e["uid"]).startswith("appointment-")]
    assert len(events) == 1 and "预约服务" in str(events[0]["summary"])
    assert events[0].decoded("dtstart") == dt.datetime.fromisoformat(request["slots"][1]["start"])
    audit = api.get("/api/v1/audit/events?type=appointment.accepted", as_="supervisor").json()["items"]
    assert [e["payload"]["request_id"] for e in audit] == [request["id"]]


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_a_refused_filing_leaves_the_request_open(api: Api) -> None:
    request = ok(ask(api), 201)
    strangers = {"slot": 1, "inspector_ids": [api.world.inspector_ids["FIRE-C1"], api.world.inspector_ids["FIRE-C2"]]}
    response = api.post(f"{REQUESTS}/{request['id']}/accept", as_="planner-mkt", json=strangers)
    assert response.status_code == 422, response.text  # another unit's inspectors: the filing refuses
    assert ok(api.get(f"{REQUESTS}/{request['id']}", as_="planner-mkt"))["status"] == "requested"
    declined = ok(
        api.post(f"{REQUESTS}/{request['id']}/decline", as_="planner-mkt", json={"reason": "本周人员不足，请改约"})
    )
    assert declined["status"] == "declined" and declined["decline_reason"] == "本周人员不足，请改约"


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_what_an_enterprise_may_ask_for(api: Api) -> None:
    problem(ask(api, service_type="supervision"), 422, "service_type_not_requestable")
    problem(ask(api, slots=[]), 422, "slots_count")
    problem(ask(api, slots=[slot(1), slot(2), slot(3), slot(4)]), 422, "slots_count")
    problem(ask(api, slots=[slot(-1)]), 422, "slot_out_of_range")
    problem(ask(api, slots=[slot(1, hours=30)]), 422, "slot_invalid")
    problem(ask(api, unit_code="NOPE"), 404, "unit_not_found")
    body = {"unit_code": "MKT", "service_type": "publicity", "topic": "x", "slots": [slot(2)]}
    problem(api.post(REQUESTS, as_="planner-mkt", json=body), 403, "forbidden")
    request = ok(ask(api, service_type="publicity"), 201)
    withdrawn = ok(api.post(f"{REQUESTS}/{request['id']}/withdraw", as_="enterprise-a"))
    assert withdrawn["status"] == "withdrawn"
    problem(api.post(f"{REQUESTS}/{request['id']}/withdraw", as_="enterprise-a"), 422, "service_request_closed")

"""检查结果互认: a unit sees another unit's recent result for an equivalent item and accepts it instead of
inspecting; the period is a setting, acceptances are counted for the supervisor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from tests.support.api import Api
from tests.support.cases import ok
from tests.support.plans import advance, build, create_plan, entry, visits_of
from tests.support.supervision import problem, set_checked_out
from tests.support.visits import file_visit, visit_body, window
from tests.support.world import USCC_A

RESULTS = "/api/v1/recognition/results"
ACCEPT = "/api/v1/recognition/acceptances"


def results(api: Api, as_: str, *items: str) -> list[dict[str, Any]]:
    params: list[tuple[str, str]] = [("uscc", USCC_A), *(("item_codes", i) for i in items)]
    response = api.get(RESULTS, as_=as_, params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def mkt_result(api: Api) -> int:
    visit = file_visit(api)  # MKT, item MKT-001 (in scenario SC-REST with FIRE-001)
    set_checked_out(api, visit["id"], result="rectification")
    return int(visit["id"])


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_another_units_result_for_an_equivalent_item_is_shown_and_accepted(
    api: Api, pinned_clock: time_machine.Traveller
) -> None:
    visit_id = mkt_result(api)
    [shown] = results(api, "planner-fire", "FIRE-001")
    assert shown["visit_id"] == visit_id and shown["unit_codes"] == ["MKT"] and shown["item_codes"] == ["MKT-001"]
    assert shown["result"] == "rectification" and shown["accepted_for"] == []
    assert results(api, "planner-mkt", "MKT-001") == []  # a unit's own result is not another's
    assert results(api, "planner-fire", "FIRE-002") == []  # not equivalent

    body = {"visit_id": visit_id, "item_code": "FIRE-001", "note": "市场监管局6月已检查，互认结果"}
    problem(api.post(ACCEPT, as_="planner-fire", json={**body, "item_code": "MKT-001"}), 422, "item_not_yours")
    problem(api.post(ACCEPT, as_="planner-fire", json={**body, "item_code": "FIRE-002"}), 422, "not_equivalent")
    problem(api.post(ACCEPT, as_="planner-mkt", json={**body, "item_code": "MKT-001"}), 422, "own_result")
    accepted = ok(api.post(ACCEPT, as_="planner-fire", json=body), 201)
    assert accepted["unit_code"] == "FIRE" and accepted["item_code"] == "FIRE-001" and accepted["uscc"] == USCC_A
    problem(api.post(ACCEPT, as_="planner-fire", json=body), 409, "already_accepted")
    assert results(api, "planner-fire", "FIRE-001")[0]["accepted_for"] == ["FIRE-001"]
    assert ok(api.get(ACCEPT, as_="planner-fire"))["total"] == 1
    assert ok(api.get(ACCEPT, as_="planner-mkt"))["total"] == 0
    assert ok(api.get(ACCEPT, as_="supervisor"))["total"] == 1
    problem(api.get(ACCEPT, as_="enterprise-a"), 403, "forbidden")
    events = api.get(f"/api/v1/audit/events?subject=enterprise:{USCC_A}&type=recognition.accepted", as_="supervisor")
    assert [e["payload"]["visit_id"] for e in events.json()["items"]] == [visit_id]

    pinned_clock.shift(dt.timedelta(days=181))
    assert results(api, "planner-fire", "FIRE-001") == []
    problem(api.post(ACCEPT, as_="planner-fire", json={**body, "note": "再次"}), 422, "result_too_old")


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_filing_points_out_another_units_recent_result(api: Api) -> None:
    visit_id = mkt_result(api)
    start, end = window(days_ahead=3)
    fire = {
        "unit_codes": ["FIRE"],
        "lead_unit_code": "FIRE",
        "inspector_ids": [api.world.inspector_ids["FIRE-C1"], api.world.inspector_ids["FIRE-C2"]],
        "item_codes": ["FIRE-001"],
        "window_start": start,
        "window_end": end,
    }
    filed = ok(api.post("/api/v1/visits", as_="planner-fire", json=visit_body(api, **fire)), 201)
    [warning] = [w for w in filed["warnings"] if w["code"] == "recognizable_result"]
    assert str(visit_id) in warning["detail"]
    unrelated = {
        **fire,
        "item_codes": ["FIRE-002"],
        **dict(zip(("window_start", "window_end"), window(days_ahead=4), strict=True)),
    }
    other = ok(api.post("/api/v1/visits", as_="planner-fire", json=visit_body(api, **unrelated)), 201)
    assert "recognizable_result" not in {w["code"] for w in other["warnings"]}


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_an_accepted_result_counts_toward_the_plan_entry_and_the_builder_places_no_visit(api: Api) -> None:
    # FIRE plans FIRE-001 once this year on A; MKT's June result on the equivalent MKT-001 (SC-REST) is accepted.
    visit_id = mkt_result(api)
    plan = create_plan(api, "fire", [entry(["FIRE-001"], [USCC_A], 1)])
    advance(api, plan["id"], "fire", "submit", "approve")

    def fire_tasks_on_a() -> list[dict[str, Any]]:
        view = build(api, "2026-07", as_="planner-fire")
        return [t for v in visits_of(view, USCC_A) for t in v["tasks"] if t["unit_code"] == "FIRE"]

    assert fire_tasks_on_a(), "without an accepted result the entry needs its inspection"
    body = {"visit_id": visit_id, "item_code": "FIRE-001", "note": "市场监管局6月已检查，互认结果"}
    ok(api.post(ACCEPT, as_="planner-fire", json=body), 201)
    assert fire_tasks_on_a() == []  # the year's one inspection is the accepted result

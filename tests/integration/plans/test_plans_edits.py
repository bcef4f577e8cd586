"""Planner edits of a draft month are re-validated with the builder's rules and refused with the violations."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from schedules import working_days
from tests.support.api import Api
from tests.support.plans import approved_plans, build, schedule, visits_of
from tests.support.world import USCC_A, USCC_B

OCT = "2026-10"


def _joint_visit(view: dict[str, Any]) -> dict[str, Any]:
    [joint] = [v for v in visits_of(view, USCC_A) if v["onsite"]]
    assert joint["joint"]
    return joint


def _refusal(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "schedule_edit_refused" and body["detail"]
    return {v["code"] for v in body["violations"]}


def test_moves_are_checked_against_the_calendar(api: Api) -> None:
    approved_plans(api)
    joint = _joint_visit(build(api, OCT))
    path = f"/api/v1/plan-visits/{joint['id']}/move"
    holiday = api.post(path, as_="planner-mkt", json={"window_start": "2026-10-01"})  # National Day
    assert _refusal(holiday) == {"window_not_working_day"}
    [violation] = holiday.json()["violations"]
    assert violation["uscc"] == USCC_A and violation["message"].startswith("2026-10-01 是休息日（National Day")
    assert "2026-10-01 是休息日" in holiday.json()["detail"]  # the planner reads why, in Chinese
    english = api.post(path, as_="planner-mkt", json={"window_start": "2026-10-01"}, headers={"Accept-Language": "en"})
    assert english.json()["violations"][0]["message"].startswith("2026-10-01 is a day off (National Day")
    assert _refusal(api.post(path, as_="planner-mkt", json={"window_start": "2026-11-02"})) == {"window_outside_month"}
    assert api.post(path, as_="planner-fire", json={"window_start": "2026-10-20"}).json()["code"] == "not_your_unit"
    make_up = next(d for d in working_days(2026, 10) if d.weekday() >= 5)  # a 调休 Saturday is a working day
    moved = api.post(path, as_="planner-mkt", json={"window_start": make_up.isoformat()})
    assert moved.status_code == 200, moved.text
    [visit] = moved.json()["visits"]
    assert (
        visit["window_start"] == make_up.isoformat()
        and visit["joint"]
        and moved.json()["removed_visit_ids"] == []
        and visit["id"] == joint["id"]  # a move keeps the visit's id
    )
    assert {t["id"] for t in visit["tasks"]} == {t["id"] for t in joint["tasks"]}  # tasks keep their ids
    assert _joint_visit(schedule(api, OCT))["window_start"] == make_up.isoformat()


def test_unmerge_over_the_monthly_limit_is_refused_and_a_cancel_is_written(api: Api) -> None:
    approved_plans(api)
    joint = _joint_visit(build(api, OCT))
    fire_task = next(t for t in joint["tasks"] if t["unit_code"] == "FIRE")
    mkt_task = next(t for t in joint["tasks"] if t["unit_code"] == "MKT")
    unmerge = api.post(f"/api/v1/plan-tasks/{fire_task['id']}/unmerge", as_="planner-fire")
    assert _refusal(unmerge) == {"monthly_visit_limit"}
    denied = api.post(f"/api/v1/plan-tasks/{mkt_task['id']}/cancel", as_="planner-fire")
    assert denied.status_code == 403 and denied.json()["code"] == "not_your_unit"
    cancelled = api.post(f"/api/v1/plan-tasks/{mkt_task['id']}/cancel", as_="planner-mkt")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancelled_task_ids"] == [mkt_task["id"]]
    [rest] = cancelled.json()["visits"]
    assert [t["unit_code"] for t in rest["tasks"]] == ["FIRE"] and rest["scenario_code"] is None and not rest["joint"]
    assert rest["lead_unit_code"] == "FIRE"
    view = schedule(api, OCT)
    assert view["rates"]["joint_visits"] == 0 and view["rates"]["onsite_tasks"] == 2
    again = api.post(f"/api/v1/plan-tasks/{mkt_task['id']}/cancel", as_="planner-mkt")
    assert again.status_code == 422 and again.json()["code"] == "plan_task_cancelled"


def test_merges_need_a_covering_applicable_scenario(api: Api) -> None:
    api.app.state.settings = replace(api.app.state.settings, plan_max_visits_per_month=2)
    approved_plans(api)
    view = build(api, OCT)
    b_visits = [v for v in visits_of(view, USCC_B) if v["onsite"]]
    assert sorted(v["lead_unit_code"] for v in b_visits) == ["FIRE", "MKT"]  # two visits allowed this time
    ids = [v["id"] for v in b_visits]
    assert _refusal(api.post("/api/v1/plan-visits/merge", as_="planner-mkt", json={"visit_ids": ids})) == {
        "joint_without_scenario"
    }
    scenario = {"visit_ids": ids, "scenario_code": "SC-PLAN"}  # for restaurants (H62); B makes chemicals
    assert _refusal(api.post("/api/v1/plan-visits/merge", as_="planner-mkt", json=scenario)) == {
        "scenario_not_applicable"
    }
    joint = _joint_visit(view)
    split = api.post(f"/api/v1/plan-visits/{joint['id']}/split", as_="planner-mkt", json={"parts": [["FIRE"]]})
    assert split.status_code == 200, split.text
    parts = split.json()["visits"]
    assert sorted(v["lead_unit_code"] for v in parts) == ["FIRE", "MKT"] and not any(v["joint"] for v in parts)
    merged = api.post(
        "/api/v1/plan-visits/merge",
        as_="planner-mkt",
        json={"visit_ids": [v["id"] for v in parts], "scenario_code": "SC-PLAN"},
    )
    assert merged.status_code == 200, merged.text
    [visit] = merged.json()["visits"]
    assert visit["joint"] and visit["scenario_code"] == "SC-PLAN" and visit["lead_unit_code"] == "MKT"
    across = api.post("/api/v1/plan-visits/merge", as_="planner-mkt", json={"visit_ids": [visit["id"], ids[0]]})
    assert across.status_code == 422 and across.json()["code"] == "merge_across_enterprises"


def test_no_edit_after_the_units_approval(api: Api) -> None:
    approved_plans(api)
    joint = _joint_visit(build(api, OCT))
    assert api.post(f"/api/v1/schedules/{OCT}/approve", as_="approver-fire").status_code == 200
    day = working_days(2026, 10)[-1].isoformat()
    closed = api.post(f"/api/v1/plan-visits/{joint['id']}/move", as_="planner-mkt", json={"window_start": day})
    assert closed.status_code == 409 and closed.json()["code"] == "unit_already_approved"
    b_mkt = [v for v in visits_of(schedule(api, OCT), USCC_B) if v["onsite"] and v["lead_unit_code"] == "MKT"]
    if b_mkt:  # a visit without FIRE tasks can still move
        ok = api.post(f"/api/v1/plan-visits/{b_mkt[0]['id']}/move", as_="planner-mkt", json={"window_start": day})
        assert ok.status_code == 200, ok.text

"""Plans in the present, through the API at pinned dates: builds never place work in the past, a year without
official holiday data is provisional (marked, confirmed at publication, flagged when the official year is loaded),
a late plan spreads what it can still do, joint visits without the scenario's lead, rebuilds keep others' work."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from schedules import provisional_year
from tests.support.api import Api
from tests.support.plans import (
    FIRE_ENTRIES,
    MKT_ENTRIES,
    add_plan_lists,
    advance,
    approved_plans,
    build,
    create_plan,
    day_window,
    entry,
    put,
    schedule,
    visits_of,
)
from tests.support.verification import code_of, verify
from tests.support.world import USCC_A, USCC_B, USCC_W, uscc

INSPECTORS = ("MKT-C1", "MKT-C2", "FIRE-C1")


def _windows(view: dict[str, Any]) -> list[dt.date]:
    return [dt.date.fromisoformat(v["window_start"]) for v in view["visits"]]


def _approve_all(api: Api, period: str) -> None:
    for unit in schedule(api, period)["units_pending"]:
        response = api.post(f"/api/v1/schedules/{period}/approve", as_=f"approver-{unit.lower()}")
        assert response.status_code == 200, response.text


def _publish(api: Api, period: str, *, confirm: bool = False) -> dict[str, Any]:
    _approve_all(api, period)
    body = {"confirm_provisional": True} if confirm else None
    response = api.post(f"/api/v1/schedules/{period}/publish", as_="supervisor", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _file_joint_a(api: Api, view: dict[str, Any], day: dt.date | None = None) -> dict[str, Any]:
    """File A's joint visit (MKT leads) from its task, on ``day`` or the task's first day."""
    [joint] = [v for v in visits_of(view, USCC_A) if v["onsite"]]
    body: dict[str, Any] = {"inspector_ids": [api.world.inspector_ids[c] for c in INSPECTORS]}
    if day is not None:
        body["window_start"], body["window_end"] = day_window(day)
    response = api.post(f"/api/v1/plan-tasks/{joint['tasks'][0]['id']}/file", as_="planner-mkt", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _approve_visit(api: Api, visit_id: int) -> None:
    response = api.post(f"/api/v1/visits/{visit_id}/approve", as_="approver-mkt")
    assert response.status_code == 200, response.text


@pytest.mark.at("2026-12-31T23:50:00+08:00")  # 15:50 UTC: still 2026 in Beijing, ten minutes to New Year
def test_new_years_eve_builds_files_approves_and_verifies_across_midnight(
    api: Api, pinned_clock: time_machine.Traveller | None
) -> None:
    assert pinned_clock is not None
    approved_plans(api, 2027)
    assert api.get("/api/v1/calendar/2027", as_="planner-mkt").json()["provisional"]  # no official 2027 data
    december = build(api, "2026-12")  # December has not passed, but has no working day left after today
    assert december["visits"] == []
    january = build(api, "2027-01")
    assert january["provisional"] and january["visits"]
    assert all(day >= dt.date(2027, 1, 4) for day in _windows(january))  # 1 January off, 2–3 a weekend
    _approve_all(api, "2027-01")
    unconfirmed = api.post("/api/v1/schedules/2027-01/publish", as_="supervisor")
    assert unconfirmed.status_code == 409 and unconfirmed.json()["code"] == "provisional_calendar_unconfirmed"
    assert schedule(api, "2027-01")["status"] == "draft"
    published = _publish(api, "2027-01", confirm=True)
    assert published["status"] == "published"
    visit = _file_joint_a(api, published)
    assert visit["origin"] == "planned" and visit["plan_task_id"] is not None
    _approve_visit(api, visit["id"])
    shown = verify(api, code_of(api, visit["id"]))
    assert shown["visit"]["origin_text"].startswith("计划内检查")
    # A triggered visit across midnight: filed and approved on 31 December, verified on 1 January.
    start = dt.datetime(2026, 12, 31, 23, 55, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    body = {
        "uscc": USCC_B,
        "unit_codes": ["MKT"],
        "inspector_ids": [api.world.inspector_ids["MKT-C1"], api.world.inspector_ids["MKT-C2"]],
        "item_codes": ["MKT-001"],
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=1)).isoformat(),
        "origin": "triggered",
        "trigger_type": "complaint",
        "trigger_reason": "投诉举报",
    }
    night = api.post("/api/v1/visits", as_="planner-mkt", json=body)
    assert night.status_code == 201, night.text
    _approve_visit(api, night.json()["id"])
    token = code_of(api, night.json()["id"])
    pinned_clock.shift(dt.timedelta(minutes=15))  # 00:05 on 1 January 2027
    after_midnight = verify(api, token)
    assert after_midnight["outcome"] == "valid", after_midnight
    assert "12月31日" in after_midnight["visit"]["window_text"] and "1月1日" in after_midnight["visit"]["window_text"]
    assert not after_midnight["visit"]["origin_text"].startswith("计划内检查")
    built = build(api, "2027-02")  # the next month builds on New Year's Day too
    assert built["status"] == "draft"


@pytest.mark.at("2027-01-01T09:00:00+08:00")
def test_new_years_day_builds_the_new_year_and_refuses_the_old_one(api: Api) -> None:
    approved_plans(api, 2027)
    passed = api.post("/api/v1/schedules/2026-12/build", as_="planner-mkt")
    assert passed.status_code == 409 and passed.json()["code"] == "month_passed"
    january = build(api, "2027-01")
    assert january["visits"] and all(day > dt.date(2027, 1, 1) for day in _windows(january))
    assert all(provisional_year(2027).is_working_day(day) for day in _windows(january))


@pytest.mark.at("2026-09-30T10:00:00+08:00")  # the last working day of September (National Day follows)
def test_the_last_working_day_of_a_month_moves_the_work_to_after_the_holiday(api: Api) -> None:
    approved_plans(api)
    september = build(api, "2026-09")
    assert september["visits"] == [] and september["carried_over"]
    assert {c["to_period"] for c in september["carried_over"]} == {"2026-10"}
    october = build(api, "2026-10")
    assert october["visits"] and min(_windows(october)) >= dt.date(2026, 10, 8)  # 1–7 October: National Day
    carried = [t for v in october["visits"] for t in v["tasks"] if t["sources"][0]["kind"] == "carried_over"]
    assert carried  # September's work arrived in October, nothing lost
    assert not [c for c in october["carried_over"] if c["to_period"] == "2026-10"]


@pytest.mark.at("2028-02-28T10:00:00+08:00")  # Monday; 2028 is a leap year
def test_29_february_takes_the_months_last_visits(api: Api) -> None:
    approved_plans(api, 2028)
    february = build(api, "2028-02")
    assert february["provisional"] and february["visits"]
    assert set(_windows(february)) == {dt.date(2028, 2, 29)}  # the only working day after today
    published = _publish(api, "2028-02", confirm=True)
    visit = _file_joint_a(api, published, dt.date(2028, 2, 29))
    assert visit["window_start"].startswith("2028-02-29")
    _approve_visit(api, visit["id"])


@pytest.mark.at("2026-10-09T10:00:00+08:00")  # Friday before the 调休 Saturday 10 October 2026
def test_a_tiaoxiu_saturday_is_a_working_day(api: Api) -> None:
    approved_plans(api)
    october = build(api, "2026-10")
    assert all(day > dt.date(2026, 10, 9) for day in _windows(october))
    [joint] = [v for v in visits_of(october, USCC_A) if v["onsite"]]
    path = f"/api/v1/plan-visits/{joint['id']}/move"
    sunday = api.post(path, as_="planner-mkt", json={"window_start": "2026-10-11"})
    assert sunday.status_code == 422 and sunday.json()["code"] == "schedule_edit_refused"
    today = api.post(path, as_="planner-mkt", json={"window_start": "2026-10-09"})
    assert today.status_code == 422 and today.json()["code"] == "schedule_edit_refused"
    saturday = api.post(path, as_="planner-mkt", json={"window_start": "2026-10-10"})
    assert saturday.status_code == 200, saturday.text
    assert saturday.json()["visits"][0]["id"] == joint["id"]
    published = _publish(api, "2026-10")
    visit = _file_joint_a(api, published)
    assert visit["window_start"].startswith("2026-10-10")


def test_a_year_without_official_data_is_provisional_until_loaded_and_loading_it_flags_the_visits(api: Api) -> None:
    approved_plans(api, 2027)
    january = build(api, "2027-01")
    assert january["provisional"]
    published = _publish(api, "2027-01", confirm=True)
    february = build(api, "2027-02")
    assert february["provisional"] and february["flagged_visits"] == 0
    jan_day = _windows(published)[0]
    feb_visit = min(
        (v for v in february["visits"] if v["onsite"] and v["lead_unit_code"] == "MKT"), key=lambda v: v["window_start"]
    )
    feb_day = dt.date.fromisoformat(feb_visit["window_start"])
    official = {
        "source": "国务院办公厅 2027 放假安排",
        "days_off": [
            {"date": "2027-01-01", "name": "元旦"},
            {"date": jan_day.isoformat(), "name": "调休"},
            {"date": feb_day.isoformat(), "name": "春节"},
        ],
        "extra_workdays": [{"date": "2027-02-20", "name": "春节"}],
    }
    assert put(api, "/api/v1/calendar/2027", "planner-mkt", official).status_code == 403
    loaded = put(api, "/api/v1/calendar/2027", "admin", official)
    assert loaded.status_code == 200, loaded.text
    body = loaded.json()
    assert not body["calendar"]["provisional"] and body["calendar"]["origin"] == "database"
    flagged = {(f["period"], f["visit_id"]) for f in body["flagged"]}
    assert ("2027-02", feb_visit["id"]) in flagged and any(period == "2027-01" for period, _ in flagged)
    assert {f["status"] for f in body["flagged"]} == {"draft", "published"}
    mine = api.get("/api/v1/calendar/flags", as_="planner-mkt", params={"unit_code": "MKT", "year": 2027}).json()
    assert mine and all("MKT" in f["unit_codes"] for f in mine) and "休息日" in mine[0]["flag"]
    view = schedule(api, "2027-02")
    assert not view["provisional"] and view["flagged_visits"] >= 1
    [shown] = [v for v in view["visits"] if v["id"] == feb_visit["id"]]
    assert "春节" in shown["calendar_flag"]
    events = api.get("/api/v1/audit/events", as_="supervisor", params={"subject": "calendar:2027"}).json()
    assert any(e["type"] == "calendar.loaded" and e["actor"] == "admin" for e in events["items"])
    shown_year = api.get("/api/v1/calendar/2027", as_="inspector-mkt1").json()
    assert {d["date"] for d in shown_year["extra_workdays"]} == {"2027-02-20"}
    # The planner moves the flagged visit to a working day: the flag goes, the id stays.
    later = next(d for d in provisional_year(2027).working_days(2) if d > feb_day and d.weekday() < 5)
    moved = api.post(
        f"/api/v1/plan-visits/{feb_visit['id']}/move", as_="planner-mkt", json={"window_start": str(later)}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["visits"][0]["calendar_flag"] == "" and moved.json()["visits"][0]["id"] == feb_visit["id"]
    # The month is official now: it publishes without a confirmation.
    _approve_all(api, "2027-02")
    assert api.post("/api/v1/schedules/2027-02/publish", as_="supervisor").status_code == 200
    bad = put(api, "/api/v1/calendar/2027", "admin", {"days_off": [{"date": "2028-01-01", "name": "元旦"}]})
    assert bad.status_code == 422 and bad.json()["code"] == "calendar_day_outside_year"
    assert api.get("/api/v1/calendar/2101", as_="admin").json()["code"] == "calendar_year_out_of_range"


@pytest.mark.at("2026-10-15T10:00:00+08:00")
def test_a_late_plan_spreads_its_remaining_frequency_and_lists_the_shortfall(api: Api) -> None:
    add_plan_lists(api)
    entries = [
        entry(["P-MKT"], [USCC_A], frequency=2),  # on-site twice a year: both still fit Oct–Dec
        entry(["P-MKTN"], [USCC_A], frequency=6, onsite=False),  # six non-site checks: only three months left
    ]
    plan = create_plan(api, "mkt", entries)
    advance(api, plan["id"], "mkt", "submit", "approve")  # approved in October
    tasks: dict[str, int] = {"MKT-2026-E1": 0, "MKT-2026-E2": 0}
    shortfalls = []
    for period in ("2026-10", "2026-11", "2026-12"):
        view = build(api, period)
        assert all(day > dt.date(2026, 10, 15) for day in _windows(view))
        for visit in view["visits"]:
            for task in visit["tasks"]:
                for source in task["sources"]:
                    if source["ref"] in tasks:
                        tasks[source["ref"]] += 1
        shortfalls += view["shortfalls"]
        _publish(api, period)
    assert tasks == {"MKT-2026-E1": 2, "MKT-2026-E2": 3}
    [short] = {(s["entry_id"], s["wanted"], s["missing"]) for s in shortfalls}
    assert short == ("MKT-2026-E2", 6, 3)
    assert all(s["reason"] for s in shortfalls)


def test_units_merge_under_a_scenario_whose_lead_has_no_task_there(api: Api) -> None:
    approved_plans(api)
    alone = build(api, "2026-10")
    [moved] = [c for c in alone["carried_over"] if c["uscc"] == USCC_B]
    assert "没有适用于行业 C2614 的已发布联合检查场景" in moved["note"]  # the real reason, named
    item = {
        "code": "P-ENV",
        "name": "P-ENV 计划检查事项",
        "unit_code": "ENV",
        "legal_basis": "《环境保护法》",
        "yearly_cap": 12,
        "category": "random_check",
        "status": "published",
    }
    assert api.post("/api/v1/items", as_="admin", json=item).status_code == 201
    scenario = {
        "code": "SC-CHEM",
        "name": "化工企业联合检查",
        "lead_unit_code": "ENV",  # ENV leads the scenario but plans nothing on B
        "item_codes": ["P-MKT", "P-FIRE", "P-ENV"],
        "industry_codes": ["C26"],
        "status": "published",
    }
    assert api.post("/api/v1/scenarios", as_="admin", json=scenario).status_code == 201
    joint_view = build(api, "2026-10")
    [b_visit] = [v for v in visits_of(joint_view, USCC_B) if v["onsite"]]
    assert b_visit["joint"] and b_visit["scenario_code"] == "SC-CHEM"
    assert sorted(t["unit_code"] for t in b_visit["tasks"]) == ["FIRE", "MKT"]
    assert b_visit["lead_unit_code"] in ("FIRE", "MKT")  # the lead is one of the participating units
    assert not [c for c in joint_view["carried_over"] if c["uscc"] == USCC_B]


def test_a_rebuild_keeps_another_units_move_and_approval(api: Api) -> None:
    approved_plans(api)
    first = build(api, "2026-10")
    [joint] = [v for v in visits_of(first, USCC_A) if v["onsite"]]
    assert joint["lead_unit_code"] == "MKT"
    days = [d for d in (dt.date(2026, 10, n) for n in range(20, 31)) if d.weekday() < 5]
    target = next(d for d in days if d.isoformat() != joint["window_start"])
    moved = api.post(f"/api/v1/plan-visits/{joint['id']}/move", as_="planner-mkt", json={"window_start": str(target)})
    assert moved.status_code == 200, moved.text
    assert api.post("/api/v1/schedules/2026-10/approve", as_="approver-mkt").status_code == 200
    rebuilt = build(api, "2026-10", as_="planner-fire")  # FIRE's planner rebuilds the district's month
    [kept] = [v for v in visits_of(rebuilt, USCC_A) if v["onsite"]]
    assert kept["id"] == joint["id"] and kept["window_start"] == str(target)  # MKT's move survives, same id
    assert [a["unit_code"] for a in rebuilt["approvals"]] == ["MKT"]  # and so does MKT's approval
    assert {t["id"] for t in kept["tasks"]} == {t["id"] for t in joint["tasks"]}
    old = api.get(f"/api/v1/plan-visits/{joint['id']}", as_="planner-fire")
    assert old.status_code == 200 and old.json()["window_start"] == str(target)
    reset = build(api, "2026-10", as_="admin")  # an admin's rebuild replaces the month and every approval
    assert reset["approvals"] == []


def test_a_rebuild_that_would_change_an_approved_units_part_is_refused_naming_it(api: Api) -> None:
    add_plan_lists(api)
    for unit, entries in (
        ("mkt", [entry(["P-MKT"], [], industry_prefixes=["H62"])]),  # every restaurant, monthly
        ("fire", FIRE_ENTRIES),
    ):
        plan = create_plan(api, unit, entries)
        advance(api, plan["id"], unit, "submit", "approve")
    build(api, "2026-10")
    assert api.post("/api/v1/schedules/2026-10/approve", as_="approver-mkt").status_code == 200
    newcomer = {"uscc": uscc("MA3C0099N"), "name": "新开餐馆", "industry_code": "H6210"}
    assert api.post("/api/v1/enterprises", as_="admin", json=newcomer).status_code == 201
    refused = api.post("/api/v1/schedules/2026-10/build", as_="planner-fire")
    assert refused.status_code == 409 and refused.json()["code"] == "rebuild_changes_approved_units"
    assert refused.json()["units"] == ["MKT"]
    assert [a["unit_code"] for a in schedule(api, "2026-10")["approvals"]] == ["MKT"]  # nothing changed
    rebuilt = build(api, "2026-10", as_="admin")
    assert rebuilt["approvals"] == [] and visits_of(rebuilt, newcomer["uscc"])


def test_ids_stay_across_edits_and_an_emptied_visit_still_answers(api: Api) -> None:
    approved_plans(api)
    view = build(api, "2026-10")
    [joint] = [v for v in visits_of(view, USCC_A) if v["onsite"]]
    mkt_task = next(t for t in joint["tasks"] if t["unit_code"] == "MKT")
    fire_task = next(t for t in joint["tasks"] if t["unit_code"] == "FIRE")
    first = api.post(f"/api/v1/plan-tasks/{mkt_task['id']}/cancel", as_="planner-mkt")
    assert first.status_code == 200, first.text
    [rest] = first.json()["visits"]
    assert rest["id"] == joint["id"] and [t["id"] for t in rest["tasks"]] == [fire_task["id"]]
    second = api.post(f"/api/v1/plan-tasks/{fire_task['id']}/cancel", as_="planner-fire")
    assert second.status_code == 200 and second.json()["removed_visit_ids"] == [joint["id"]]
    old = api.get(f"/api/v1/plan-visits/{joint['id']}", as_="planner-mkt")
    assert old.status_code == 200 and old.json()["status"] == "cancelled" and old.json()["tasks"] == []
    assert joint["id"] not in {v["id"] for v in schedule(api, "2026-10")["visits"]}
    gone = api.get("/api/v1/plan-visits/999999", as_="planner-mkt")
    assert gone.status_code == 404 and gone.json()["code"] == "plan_visit_not_found"


@pytest.mark.at("2026-12-05T10:00:00+08:00")
def test_each_of_the_next_thirteen_months_is_built_approved_and_published(api: Api) -> None:
    add_plan_lists(api)
    for year in (2026, 2027):
        for unit, entries in (("mkt", MKT_ENTRIES), ("fire", FIRE_ENTRIES)):
            plan = create_plan(api, unit, entries, year)
            advance(api, plan["id"], unit, "submit", "approve")
    periods = ["2026-12"] + [f"2027-{m:02d}" for m in range(1, 13)]
    for period in reversed(periods[7:]):  # any order: the later months first, rebuilt below
        build(api, period)
    for period in periods:
        view = build(api, period)
        assert all(day > dt.date(2026, 12, 5) for day in _windows(view))
        published = _publish(api, period, confirm=view["provisional"])
        assert published["status"] == "published", period
    assert api.get("/api/v1/public/schedules/2027-12").status_code == 200


@pytest.mark.at("2026-12-01T09:00:00+08:00")
def test_a_december_plan_places_or_explains_every_enterprise(api: Api) -> None:
    add_plan_lists(api)
    plan = create_plan(api, "mkt", [entry(["P-MKT"], [], frequency=1)])  # every enterprise, once a year
    advance(api, plan["id"], "mkt", "submit", "approve")
    listed = api.get("/api/v1/enterprises", as_="planner-mkt", params={"limit": 500}).json()
    rows = listed["items"] if isinstance(listed, dict) else listed
    everyone = {e["uscc"] for e in rows}
    assert len(everyone) >= 3
    view = build(api, "2026-12")
    placed = {v["uscc"] for v in view["visits"] for t in v["tasks"] if t["sources"][0]["ref"] == "MKT-2026-E1"}
    short = {s["uscc"]: s for s in view["shortfalls"] if s["entry_id"] == "MKT-2026-E1"}
    assert placed | set(short) == everyone  # nothing disappears: placed in December, or listed with its reason
    assert len(placed) > 1 and USCC_A in placed and USCC_W in short  # W: whitelisted, P-MKT is on-site only
    assert all(s["reason"] and s["missing"] >= 1 for s in short.values())

"""Monthly schedules through the API: deterministic builds, joint visits, exclusions, caps, overflow, order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.visits.rules import LOCAL_TZ
from schedules import provisional_year, working_days
from tests.support.api import Api
from tests.support.plans import approved_plans, build, publish, schedule, visits_of
from tests.support.visits import file_visit, window
from tests.support.world import USCC_A, USCC_B, USCC_W

OCT = "2026-10"


def _shape(view: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The schedule without row ids: what must not change between two builds of the same inputs."""
    return sorted(
        (
            v["uscc"],
            v["lead_unit_code"],
            v["scenario_code"] or "",
            v["window_start"],
            v["window_end"],
            v["onsite"],
            tuple((t["unit_code"], tuple(t["item_codes"]), t["explanation"]) for t in v["tasks"]),
        )
        for v in view["visits"]
    )


def test_a_built_month_is_deterministic_joint_and_explained(api: Api) -> None:
    approved_plans(api)
    first = build(api, OCT)
    assert first["status"] == "draft" and first["built_by"] == "planner-mkt"
    again = build(api, OCT, as_="planner-fire")  # any planner may rebuild a draft month
    assert _shape(schedule(api, OCT)) == _shape(first) and _shape(again) == _shape(first)
    [joint] = [v for v in visits_of(first, USCC_A) if v["onsite"]]
    assert joint["joint"] and joint["scenario_code"] == "SC-PLAN" and joint["lead_unit_code"] == "MKT"
    assert [(t["unit_code"], t["item_codes"]) for t in joint["tasks"]] == [("FIRE", ["P-FIRE"]), ("MKT", ["P-MKT"])]
    assert dt.date.fromisoformat(joint["window_start"]) in working_days(2026, 10)
    mkt_task = next(t for t in joint["tasks"] if t["unit_code"] == "MKT")
    assert mkt_task["sources"][0]["ref"] == "MKT-2026-E1" and "计划条目 MKT-2026-E1" in mkt_task["sources"][0]["detail"]
    assert "历城区市场监督管理局" in joint["explanation"] and "联合检查" in joint["explanation"]
    assert "unit" not in joint["explanation"] and "unit" not in mkt_task["explanation"]  # units by name, in Chinese
    english = api.get(f"/api/v1/schedules/{OCT}", as_="planner-mkt", headers={"Accept-Language": "en"}).json()
    [joint_en] = [v for v in visits_of(english, USCC_A) if v["onsite"]]
    assert joint_en["explanation"].startswith("Joint visit of ") and "历城区市场监督管理局" in joint_en["explanation"]
    rates = first["rates"]
    assert rates["onsite_visits"] == 2 and rates["joint_visits"] == 1 and rates["joint_visit_rate"] == 0.5
    assert rates["onsite_tasks"] == 3 and rates["tasks_in_joint_visits"] == 2 and rates["joint_task_rate"] == 0.6667
    fire = schedule(api, OCT, unit_code="FIRE")
    assert fire["rates"]["onsite_tasks"] in (1, 2) and {v["uscc"] for v in fire["visits"]} <= {USCC_A, USCC_B}
    assert first["units_pending"] == ["FIRE", "MKT"] and first["config"]["max_onsite_visits_per_month"] == 1


def test_whitelist_and_no_disturbance_exclusions_are_visible(api: Api) -> None:
    approved_plans(api)
    view = build(api, OCT)
    onsite_items = {code for v in view["visits"] if v["onsite"] for t in v["tasks"] for code in t["item_codes"]}
    assert "P-ND" not in onsite_items  # 无事不扰: never a routine on-site inspection
    assert not [v for v in visits_of(view, USCC_W) if v["onsite"]]  # whitelisted (白名单)
    [w_dropped] = [d for d in view["dropped"] if d["uscc"] == USCC_W]
    assert w_dropped["item_codes"] == ["P-MKT"] and "白名单" in w_dropped["reason"]
    [w_nonsite] = [t for v in visits_of(view, USCC_W) for t in v["tasks"]]
    assert w_nonsite["item_codes"] == ["P-MKTN"] and not w_nonsite["onsite"]
    assert "改为非现场检查" in w_nonsite["explanation"] and "白名单" in w_nonsite["explanation"]
    b_nonsite = [t for v in visits_of(view, USCC_B) if not v["onsite"] for t in v["tasks"]]
    assert [t["item_codes"] for t in b_nonsite] == [["P-ND"]] and "无事不扰" in b_nonsite[0]["explanation"]
    a_nonsite = [t for v in visits_of(view, USCC_A) if not v["onsite"] for t in v["tasks"]]
    assert [t["item_codes"] for t in a_nonsite] == [["P-ND"]]
    assert view["rates"]["nonsite_tasks"] == 3


def test_overflow_is_carried_into_the_next_month(api: Api) -> None:
    approved_plans(api)
    view = build(api, OCT)
    b_onsite = [v for v in visits_of(view, USCC_B) if v["onsite"]]
    assert len(b_onsite) == 1  # no scenario joins MKT and FIRE on chemicals: one visit a month, one task waits
    [moved] = view["carried_over"]
    assert moved["uscc"] == USCC_B and moved["to_period"] == "2026-11" and "顺延" in moved["note"]
    publish(api, OCT)
    november = build(api, "2026-11")
    [b_visit] = [v for v in visits_of(november, USCC_B) if v["onsite"]]
    [carried] = [t for t in b_visit["tasks"] if any(s["kind"] == "carried_over" for s in t["sources"])]
    assert carried["unit_code"] == moved["unit_code"]


def test_caps_count_visits_already_filed_this_year(api: Api) -> None:
    tomorrow = dt.datetime.now(LOCAL_TZ).date() + dt.timedelta(days=1)
    approved_plans(api, tomorrow.year)
    for days in (1, 2):  # MKT visits A twice: its yearly cap of 2 on-site visits per enterprise is used
        start, end = window(days)
        file_visit(api, window_start=start, window_end=end)
    view = build(api, f"{tomorrow.year}-12")
    a_onsite = [v for v in visits_of(view, USCC_A) if v["onsite"]]
    assert [[t["unit_code"] for t in v["tasks"]] for v in a_onsite] == [["FIRE"]]
    [capped] = [d for d in view["dropped"] if d["uscc"] == USCC_A and d["unit_code"] == "MKT"]
    assert "年度检查次数已用完" in capped["reason"] and "2/2" in capped["reason"]
    b_units = {t["unit_code"] for v in visits_of(view, USCC_B) if v["onsite"] for t in v["tasks"]}
    assert len(b_units) == 1  # B was not visited: its caps are untouched


def test_months_are_built_in_any_order_and_published_months_are_final(api: Api) -> None:
    approved_plans(api)
    build(api, "2026-11")
    build(api, OCT)  # an earlier month after a later one: allowed while neither has passed
    build(api, "2026-12")  # a later month while earlier ones are drafts: allowed too
    passed = api.post("/api/v1/schedules/2026-05/build", as_="planner-mkt")  # the world is on 2026-06-10
    assert passed.status_code == 409 and passed.json()["code"] == "month_passed"
    assert api.post("/api/v1/schedules/2026-11/build", as_="approver-mkt").status_code == 403
    assert api.post("/api/v1/schedules/2026-11/approve", as_="approver-mkt").status_code == 200
    early = api.post("/api/v1/schedules/2026-11/publish", as_="supervisor")
    assert (
        early.status_code == 422 and early.json()["code"] == "units_not_approved" and early.json()["units"] == ["FIRE"]
    )
    again = api.post("/api/v1/schedules/2026-11/approve", as_="approver-mkt")
    assert again.status_code == 409 and again.json()["code"] == "already_approved"
    assert schedule(api, "2026-11")["units_pending"] == ["FIRE"]
    assert build(api, "2026-11")["approvals"] == []  # a rebuild resets the caller's own unit's approval
    published = publish(api, "2026-11")
    assert published["status"] == "published" and published["published_by"] == "supervisor"
    assert not published["provisional"]
    assert api.post("/api/v1/schedules/2026-11/build", as_="planner-mkt").json()["code"] == "schedule_published"
    visit_id = published["visits"][0]["id"]
    moved = api.post(f"/api/v1/plan-visits/{visit_id}/move", as_="admin", json={"window_start": "2026-11-30"})
    assert moved.status_code == 409 and moved.json()["code"] == "schedule_published"
    assert api.get("/api/v1/schedules/2026-11", as_="enterprise-a").status_code == 403


def test_a_year_without_official_holiday_data_still_builds(api: Api) -> None:
    # chinese-calendar carries no 2027: the year is formed provisionally (weekends, statutory holidays), never a 422.
    approved_plans(api, 2027)
    year = api.get("/api/v1/calendar/2027", as_="planner-mkt").json()
    assert year["provisional"] and year["origin"] == "provisional" and year["extra_workdays"] == []
    assert {"2027-01-01", "2027-05-01", "2027-10-01"} <= {d["date"] for d in year["days_off"]}
    response = api.post("/api/v1/schedules/2027-01/build", as_="planner-mkt")
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["provisional"] and view["visits"]  # the month is marked provisional in the schedule view
    assert all(
        dt.date.fromisoformat(v["window_start"]) in provisional_year(2027).working_days(1) for v in view["visits"]
    )
    assert api.post("/api/v1/schedules/2026-13/build", as_="planner-mkt").json()["code"] == "invalid_period"
    assert api.get("/api/v1/schedules/2026-09", as_="planner-mkt").json()["code"] == "schedule_not_found"
    assert not api.get("/api/v1/calendar/2026", as_="planner-mkt").json()["provisional"]  # the package's official year

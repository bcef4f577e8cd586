"""Filing a visit from a published plan task: pre-filled and linked; planned visits need their task; 检查预告;
and the plan execution rate once a visit is checked out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.plans.link import plan_execution_rate
from tests.support.api import Api
from tests.support.plans import approved_plans, build, day_window, future_month, publish, visits_of
from tests.support.verification import in_app, set_status
from tests.support.visits import visit_body
from tests.support.world import USCC_A, USCC_B


def _published_future_month(api: Api) -> tuple[str, dict[str, Any], list[dt.date]]:
    """The next month built and published, A's joint visit on a day that can still be filed."""
    period, days = future_month()
    year = int(period[:4])
    approved_plans(api, year)
    view = build(api, period)
    [joint] = [v for v in visits_of(view, USCC_A) if v["onsite"]]
    if dt.date.fromisoformat(joint["window_start"]) not in days:
        moved = api.post(
            f"/api/v1/plan-visits/{joint['id']}/move", as_="planner-mkt", json={"window_start": str(days[-1])}
        )
        assert moved.status_code == 200, moved.text
    return period, publish(api, period), days


def _ids(api: Api, *certs: str) -> list[int]:
    return [api.world.inspector_ids[c] for c in certs]


def test_filing_from_a_task_prefills_and_links(api: Api) -> None:
    period, view, _ = _published_future_month(api)
    [joint] = [v for v in visits_of(view, USCC_A) if v["onsite"]]
    fire_task = next(t for t in joint["tasks"] if t["unit_code"] == "FIRE")
    mkt_task = next(t for t in joint["tasks"] if t["unit_code"] == "MKT")
    inspectors = _ids(api, "MKT-C1", "MKT-C2", "FIRE-C1")
    by_fire = api.post(
        f"/api/v1/plan-tasks/{fire_task['id']}/file", as_="planner-fire", json={"inspector_ids": inspectors}
    )
    assert by_fire.status_code == 403 and by_fire.json()["code"] == "not_your_unit"  # MKT leads the joint visit
    response = api.post(
        f"/api/v1/plan-tasks/{fire_task['id']}/file", as_="planner-mkt", json={"inspector_ids": inspectors}
    )
    assert response.status_code == 201, response.text
    visit = response.json()
    assert visit["origin"] == "planned" and visit["plan_task_id"] == mkt_task["id"]  # linked to the lead's task
    assert visit["uscc"] == USCC_A and visit["lead_unit_code"] == "MKT"
    assert sorted(u["code"] for u in visit["units"]) == ["FIRE", "MKT"]
    assert sorted(i["code"] for i in visit["items"]) == ["P-FIRE", "P-MKT"]
    start, end = day_window(dt.date.fromisoformat(joint["window_start"]))
    assert dt.datetime.fromisoformat(visit["window_start"]) == dt.datetime.fromisoformat(start)
    assert dt.datetime.fromisoformat(visit["window_end"]) == dt.datetime.fromisoformat(end)
    twice = api.post(f"/api/v1/plan-tasks/{mkt_task['id']}/file", as_="planner-mkt", json={"inspector_ids": inspectors})
    assert twice.status_code == 409 and twice.json()["code"] == "plan_task_already_filed"
    upcoming = api.get("/api/v1/my/upcoming", as_="enterprise-a").json()
    assert any(v["window_start"] == joint["window_start"] and v["joint"] for v in upcoming["visits"])
    assert all(v["period"] == period for v in upcoming["visits"])
    assert "inspector" not in str(upcoming) and "张明" not in str(upcoming)


def test_planned_visits_of_a_published_month_need_their_task(api: Api) -> None:
    _, view, days = _published_future_month(api)
    start, end = day_window(days[-1])
    untasked = visit_body(api, window_start=start, window_end=end, plan_task_id=None)
    missing = api.post("/api/v1/visits", as_="planner-mkt", json=untasked)
    assert missing.status_code == 422 and missing.json()["code"] == "plan_task_required"
    # A month without a published schedule is no exception: a planned visit always has a plan task.
    unplanned = api.post("/api/v1/visits", as_="planner-mkt", json=visit_body(api, plan_task_id=None))
    assert unplanned.status_code == 422 and unplanned.json()["code"] == "plan_task_required"
    unknown = api.post("/api/v1/plan-tasks/999999/file", as_="planner-mkt", json={"inspector_ids": [1, 2]})
    assert unknown.status_code == 404 and unknown.json()["code"] == "plan_task_not_found"
    [b_visit] = [v for v in visits_of(view, USCC_B) if v["onsite"]]
    [b_task] = b_visit["tasks"]
    unit = b_task["unit_code"]
    planner = f"planner-{unit.lower()}"
    inspectors = _ids(api, f"{unit}-C1", f"{unit}-C2")
    b_start, b_end = day_window(dt.date.fromisoformat(b_visit["window_start"]))
    body = visit_body(
        api,
        uscc=USCC_B,
        unit_codes=[unit],
        inspector_ids=inspectors,
        item_codes=b_task["item_codes"],
        window_start=b_start,
        window_end=b_end,
        plan_task_id=b_task["id"],
    )
    wrong_items = dict(body, item_codes=["MKT-001"] if unit == "MKT" else ["FIRE-001"])
    assert api.post("/api/v1/visits", as_=planner, json=wrong_items).json()["code"] == "plan_task_mismatch"
    assert api.post("/api/v1/visits", as_=planner, json=dict(body, uscc=USCC_A)).json()["code"] == "plan_task_mismatch"
    late = dict(body, window_start=start, window_end=end) if days[-1].isoformat() != b_visit["window_start"] else None
    if late is not None:
        assert api.post("/api/v1/visits", as_=planner, json=late).json()["code"] == "plan_task_window_mismatch"
    triggered = dict(body, origin="triggered", trigger_type="complaint", trigger_reason="投诉")
    assert api.post("/api/v1/visits", as_=planner, json=triggered).json()["code"] == "plan_task_requires_planned"
    ok = api.post("/api/v1/visits", as_=planner, json=body)
    assert ok.status_code == 201 and ok.json()["plan_task_id"] == b_task["id"]


def test_execution_rate_counts_checked_out_task_visits(api: Api) -> None:
    period, view, _ = _published_future_month(api)
    year, month = int(period[:4]), int(period[5:])
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    onsite = [t for v in view["visits"] if v["onsite"] for t in v["tasks"]]
    assert in_app(api, plan_execution_rate, start, end, None) == 0.0
    [joint] = [v for v in visits_of(view, USCC_A) if v["onsite"]]
    inspectors = _ids(api, "MKT-C1", "MKT-C2", "FIRE-C1")
    task_id = joint["tasks"][0]["id"]
    filed = api.post(f"/api/v1/plan-tasks/{task_id}/file", as_="planner-mkt", json={"inspector_ids": inspectors})
    assert filed.status_code == 201, filed.text
    assert in_app(api, plan_execution_rate, start, end, None) == 0.0  # filed, not yet done
    # The window lies in the future, so the check-in and check-out scans cannot happen yet: set the status.
    set_status(api, filed.json()["id"], "checked_out")
    assert in_app(api, plan_execution_rate, start, end, None) == round(2 / len(onsite), 4)
    mkt_tasks = [t for t in onsite if t["unit_code"] == "MKT"]
    assert in_app(api, plan_execution_rate, start, end, "MKT") == round(1 / len(mkt_tasks), 4)
    assert in_app(api, plan_execution_rate, start - dt.timedelta(days=40), start, "MKT") is None

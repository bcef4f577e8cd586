"""A planning year of the small world through the API: annual plans filed in December 2025, then
Jan–Dec 2026 built, approved by each unit and published in order, with the joint rates reported and every cap
holding over the year."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.api import Api
from tests.support.plans import add_plan_lists, advance, create_plan, entry, schedule
from tests.support.world import USCC_A, USCC_B, USCC_W

UNITS = ("mkt", "fire")
ENTRIES = {
    "mkt": [entry(["P-MKT"], [USCC_A, USCC_B, USCC_W], frequency=2), entry(["P-ND"], [USCC_A], 4, onsite=False)],
    "fire": [entry(["P-FIRE"], [USCC_A, USCC_B], frequency=2)],
}


@pytest.mark.at("2025-12-10T09:00:00+08:00")  # the year is planned ahead: every month of 2026 is still to come
def test_a_year_is_planned_and_published_month_by_month(api: Api) -> None:
    add_plan_lists(api)
    for unit in UNITS:
        plan = create_plan(api, unit, ENTRIES[unit])
        filed = advance(api, plan["id"], unit, "submit", "approve", "file")
        assert filed["status"] == "filed" and filed["in_force"]
    filings = api.get("/api/v1/annual-plans/filings", as_="supervisor", params={"year": 2026}).json()["items"]
    assert sorted(p["unit_code"] for p in filings) == ["FIRE", "MKT"]
    unit_visits: Counter[tuple[str, str]] = Counter()
    item_inspections: Counter[tuple[str, str]] = Counter()
    onsite_tasks = joint_tasks = onsite_visits = joint_visits = 0
    for month in range(1, 13):
        period = f"2026-{month:02d}"
        assert api.post(f"/api/v1/schedules/{period}/build", as_="planner-mkt").status_code == 200
        for unit in UNITS:
            assert api.post(f"/api/v1/schedules/{period}/approve", as_=f"approver-{unit}").status_code == 200
        published = api.post(f"/api/v1/schedules/{period}/publish", as_="supervisor")
        assert published.status_code == 200, published.text
        view = schedule(api, period)
        assert view["status"] == "published" and "joint_task_rate" in view["rates"]
        config = view["config"]
        per_enterprise = Counter(v["uscc"] for v in view["visits"] if v["onsite"])
        assert max(per_enterprise.values(), default=0) <= config["max_onsite_visits_per_month"]
        for visit in view["visits"]:
            for task in visit["tasks"]:
                if visit["onsite"]:
                    unit_visits[(visit["uscc"], task["unit_code"])] += 1
                item_inspections.update((visit["uscc"], code) for code in task["item_codes"])
        rates = view["rates"]
        onsite_tasks, joint_tasks = onsite_tasks + rates["onsite_tasks"], joint_tasks + rates["tasks_in_joint_visits"]
        onsite_visits, joint_visits = onsite_visits + rates["onsite_visits"], joint_visits + rates["joint_visits"]
    assert max(unit_visits.values()) <= config["unit_yearly_cap"]
    assert max(item_inspections.values()) <= 12  # the plan items' yearly cap
    assert not [v for (uscc, _), v in unit_visits.items() if uscc == USCC_W]  # whitelisted: no on-site visits
    # Every planned on-site inspection of the year happened: 2 per unit on A and B; A's were joint (SC-PLAN).
    assert unit_visits == {(USCC_A, "MKT"): 2, (USCC_A, "FIRE"): 2, (USCC_B, "MKT"): 2, (USCC_B, "FIRE"): 2}
    assert (onsite_tasks, joint_tasks, joint_visits) == (8, 4, 2) and onsite_visits == 6

"""Helpers for the plan tests (no tests here): plan items with roomy caps, annual plans, built months.

Plan items have a yearly cap of 12 so that a frequency-12 entry is due in every month: the tests then know
which month holds a task without reproducing the spreading hash. The world's enterprises: A (restaurant
H6210, above scale), B (chemicals C2614), W (whitelisted). Scenario SC-PLAN joins P-MKT and P-FIRE on H62.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.visits.rules import LOCAL_TZ
from schedules import working_days
from tests.support.api import Api
from tests.support.world import USCC_A, USCC_B, USCC_W

PLAN_ITEMS = [
    # code, unit, category, nonsite capable
    ("P-MKT", "MKT", "random_check", False),
    ("P-MKTN", "MKT", "random_check", True),
    ("P-ND", "MKT", "no_disturbance", True),
    ("P-FIRE", "FIRE", "key_supervision", False),
]


def add_plan_lists(api: Api) -> None:
    for code, unit, category, nonsite in PLAN_ITEMS:
        body = {
            "code": code,
            "name": f"{code} 计划检查事项",
            "unit_code": unit,
            "legal_basis": "《安全生产法》",
            "yearly_cap": 12,
            "category": category,
            "nonsite_capable": nonsite,
            "status": "published",
        }
        response = api.post("/api/v1/items", as_="admin", json=body)
        assert response.status_code == 201, response.text
    scenario = {
        "code": "SC-PLAN",
        "name": "餐饮场所计划联合检查",
        "lead_unit_code": "MKT",
        "item_codes": ["P-MKT", "P-FIRE"],
        "industry_codes": ["H62"],
        "status": "published",
    }
    response = api.post("/api/v1/scenarios", as_="admin", json=scenario)
    assert response.status_code == 201, response.text


def entry(items: list[str], usccs: list[str], frequency: int = 12, **extra: Any) -> dict[str, Any]:
    return {"item_codes": items, "usccs": usccs, "frequency": frequency, **extra}


MKT_ENTRIES = [
    entry(["P-MKT"], [USCC_A, USCC_B, USCC_W]),  # W is whitelisted: dropped (P-MKT cannot go non-site)
    entry(["P-ND"], [USCC_A], onsite=False),  # 无事不扰, planned non-site
    entry(["P-ND"], [USCC_B], kind="special"),  # 专项 on-site on a 无事不扰 item: redirected non-site
    entry(["P-MKTN"], [USCC_W]),  # whitelisted enterprise: redirected non-site
]
FIRE_ENTRIES = [entry(["P-FIRE"], [USCC_A, USCC_B])]


def put(api: Api, path: str, as_: str, json: Any) -> Any:
    return api.client.put(path, headers=api.headers(as_), json=json)


def create_plan(api: Api, unit: str, entries: list[dict[str, Any]], year: int = 2026) -> dict[str, Any]:
    response = api.post("/api/v1/annual-plans", as_=f"planner-{unit}", json={"year": year, "entries": entries})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def advance(api: Api, plan_id: int, unit: str, *steps: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for step in steps:
        as_ = f"approver-{unit}" if step == "approve" else f"planner-{unit}"
        response = api.post(f"/api/v1/annual-plans/{plan_id}/{step}", as_=as_)
        assert response.status_code == 200, response.text
        body = response.json()
    return body


def approved_plans(api: Api, year: int = 2026) -> None:
    """The plan lists plus approved plans of MKT and FIRE (the builder uses approved plans)."""
    add_plan_lists(api)
    for unit, entries in (("mkt", MKT_ENTRIES), ("fire", FIRE_ENTRIES)):
        plan = create_plan(api, unit, entries, year)
        advance(api, plan["id"], unit, "submit", "approve")


def build(api: Api, period: str, as_: str = "planner-mkt") -> dict[str, Any]:
    response = api.post(f"/api/v1/schedules/{period}/build", as_=as_)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def schedule(api: Api, period: str, as_: str = "planner-mkt", **params: Any) -> dict[str, Any]:
    response = api.get(f"/api/v1/schedules/{period}", as_=as_, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def visits_of(view: dict[str, Any], uscc: str) -> list[dict[str, Any]]:
    return [v for v in view["visits"] if v["uscc"] == uscc]


def publish(api: Api, period: str, units: tuple[str, ...] = ("mkt", "fire")) -> dict[str, Any]:
    for unit in units:
        response = api.post(f"/api/v1/schedules/{period}/approve", as_=f"approver-{unit}")
        assert response.status_code == 200, response.text
    response = api.post(f"/api/v1/schedules/{period}/publish", as_="supervisor")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def future_month() -> tuple[str, list[dt.date]]:
    """The next month and its working days (after tomorrow) that can still be filed."""
    today = dt.datetime.now(LOCAL_TZ).date()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    days = [d for d in working_days(year, month) if d > today + dt.timedelta(days=1)]
    return f"{year}-{month:02d}", days


def day_window(day: dt.date, start_hour: int = 9, end_hour: int = 17) -> tuple[str, str]:
    start = dt.datetime(day.year, day.month, day.day, start_hour, tzinfo=LOCAL_TZ)
    end = dt.datetime(day.year, day.month, day.day, end_hour, tzinfo=LOCAL_TZ)
    return start.isoformat(), end.isoformat()


__all__ = ["USCC_A", "USCC_B", "USCC_W"]

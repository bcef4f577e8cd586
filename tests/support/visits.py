"""Building visit requests for tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.visits.rules import LOCAL_TZ
from tests.support.api import Api
from tests.support.world import USCC_A


def window(days_ahead: int = 1, hour: int = 9, hours: int = 2) -> tuple[str, str]:
    day = dt.datetime.now(LOCAL_TZ).date() + dt.timedelta(days=days_ahead)
    start = dt.datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)
    return start.isoformat(), (start + dt.timedelta(hours=hours)).isoformat()


def visit_body(api: Api, **overrides: Any) -> dict[str, Any]:
    start, end = window()
    body: dict[str, Any] = {
        "uscc": USCC_A,
        "unit_codes": ["MKT"],
        "inspector_ids": [api.world.inspector_ids["MKT-C1"], api.world.inspector_ids["MKT-C2"]],
        "item_codes": ["MKT-001"],
        "window_start": start,
        "window_end": end,
        "origin": "planned",
    }
    body.update(overrides)
    return body


def file_visit(api: Api, as_: str = "planner-mkt", **overrides: Any) -> dict[str, Any]:
    response = api.post("/api/v1/visits", as_=as_, json=visit_body(api, **overrides))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def approved_visit(api: Api, **overrides: Any) -> dict[str, Any]:
    visit = file_visit(api, **overrides)
    approver = "approver-fire" if visit["lead_unit_code"] == "FIRE" else "approver-mkt"
    response = api.post(f"/api/v1/visits/{visit['id']}/approve", as_=approver)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]

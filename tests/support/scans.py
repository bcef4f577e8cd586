"""Scan-in helpers: a visit live now, the enterprise's code, one scan from near the enterprise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.support.api import Api
from tests.support.visits import file_visit
from tests.support.world import USCC_A

NEAR: dict[str, Any] = {
    "latitude": 36.6801,
    "longitude": 117.0601,
    "accuracy_m": 12.0,
}  # the world's enterprises sit at 36.68/117.06
FAR: dict[str, Any] = {"latitude": 36.78, "longitude": 117.16, "accuracy_m": 12.0}


def now_window(minutes_ahead: int = 1, hours: int = 3) -> dict[str, str]:
    start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes_ahead)
    return {"window_start": start.isoformat(), "window_end": (start + dt.timedelta(hours=hours)).isoformat()}


def live_visit(api: Api, **overrides: Any) -> dict[str, Any]:
    visit = file_visit(api, **{**now_window(), **overrides})
    assert api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt").status_code == 200
    return visit


def enterprise_code(api: Api, uscc: str = USCC_A, as_: str = "enterprise-a") -> str:
    response = api.get(f"/api/v1/enterprises/{uscc}/code", as_=as_)
    assert response.status_code == 200, response.text
    return response.json()["url"]  # type: ignore[no-any-return]


def scan(api: Api, content: str, event: str, as_: str = "inspector-mkt1", **extra: Any) -> Any:
    return api.post("/api/v1/scans", as_=as_, json={"content": content, "client_event_id": event, **NEAR, **extra})

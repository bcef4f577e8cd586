"""Set-up through the HTTP API of a running server: logins of the sample district's demo accounts and an
approved visit whose window covers the benchmark (filed by planner-u-d21, approved by approver-u-d21, naming
inspector-1 and inspector-2 of 市场监管 U-D21, at enterprise-1)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

DEMO_PASSWORD = "ruqi-demo"


def call(base_url: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    """One JSON request; raises with the problem+json body unless 2xx."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base_url}{path}", data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{method} {path} → {exc.code}: {exc.read().decode(errors='replace')}") from exc
    return json.loads(raw) if raw else None


def login(base_url: str, username: str) -> dict[str, Any]:
    result: dict[str, Any] = call(
        base_url, "POST", "/api/v1/auth/login", {"username": username, "password": DEMO_PASSWORD}
    )
    return result


@dataclass(frozen=True)
class VisitFixture:
    """An approved visit of enterprise-1 by inspector-1 and -2 (市场监管 U-D21) whose window covers now."""

    visit_id: int
    code_token: str  # the visit code (检查码), Base32
    code_url: str
    uscc: str
    enterprise_code_url: str  # what the inspector's phone scans (企业码)
    latitude: float | None
    longitude: float | None
    inspector_token: str  # bearer token of inspector-1


def approved_visit(base_url: str, hours: int = 8) -> VisitFixture:
    planner = login(base_url, "planner-u-d21")
    approver = login(base_url, "approver-u-d21")
    inspectors = [login(base_url, f"inspector-{n}") for n in (1, 2)]
    enterprise = login(base_url, "enterprise-1")
    unit = planner["unit_code"]
    items = call(
        base_url, "GET", f"/api/v1/items?unit_code={unit}&status=published&limit=500", None, planner["access_token"]
    )
    item = next(i for i in items["items"] if i["category"] != "no_disturbance")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=2)
    body = {
        "uscc": enterprise["uscc"],
        "unit_codes": [unit],
        "inspector_ids": [i["inspector_id"] for i in inspectors],
        "item_codes": [item["code"]],
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=hours)).isoformat(),
        # Unplanned (a complaint): a planned visit must come from a task of a published monthly schedule.
        "origin": "triggered",
        "trigger_type": "complaint",
        "trigger_reason": "群众投诉（基准测试）",
    }
    visit = call(base_url, "POST", "/api/v1/visits", body, planner["access_token"])
    call(base_url, "POST", f"/api/v1/visits/{visit['id']}/approve", None, approver["access_token"])
    token = inspectors[0]["access_token"]
    code = call(base_url, "GET", f"/api/v1/visits/{visit['id']}/code", None, token)
    uscc = enterprise["uscc"]
    ecode = call(base_url, "GET", f"/api/v1/enterprises/{uscc}/code", None, enterprise["access_token"])
    firm = call(base_url, "GET", f"/api/v1/enterprises/{uscc}", None, enterprise["access_token"])
    return VisitFixture(
        visit_id=visit["id"],
        code_token=code["token"],
        code_url=code["url"],
        uscc=uscc,
        enterprise_code_url=ecode["url"],
        latitude=firm.get("latitude"),
        longitude=firm.get("longitude"),
        inspector_token=token,
    )


def scan_body(fixture: VisitFixture) -> str:
    """POST /api/v1/scans body; wrk.lua replaces {id} with a unique client_event_id per request."""
    lat = fixture.latitude if fixture.latitude is not None else 36.68
    lon = fixture.longitude if fixture.longitude is not None else 117.12
    body = {
        "content": fixture.enterprise_code_url,
        "client_event_id": "{id}",
        "latitude": round(lat + 0.0003, 6),
        "longitude": round(lon - 0.0002, 6),
        "accuracy_m": 12.5,
    }
    return json.dumps(body, separators=(",", ":"))

"""Every page a person can reach, as they see it on a 360-px phone and on a desk screen: no horizontal scrolling
on the phone, no character drawn without a font, and a screenshot of each under ``var/screenshots/pages``
(``$RUQI_SCREENSHOTS/pages``): the landing page, the verify and enterprise-code pages, the public schedule
(published and not), a complaint's tracking page, the dashboard and each of its drill-downs, a supervision
document as printed, the phone app's first screen and the API documentation."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from api.clock import LOCAL_TZ
from tests.support.live_server import LiveServer
from tests.support.plans import FIRE_ENTRIES, MKT_ENTRIES, PLAN_ITEMS, future_month
from tests.support.seeing import horizontal_overflow, screenshot, tofu
from tests.support.world import PASSWORD, USCC_A, USCC_B

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}
BOTH = (PHONE, DESK)


def _local(server: LiveServer, url: str) -> str:
    """The server's own address (codes carry it upper-cased, as QR alphanumeric mode wants)."""
    return url.replace(server.base_url.upper(), server.base_url)


def _visit_code(server: LiveServer) -> tuple[int, str]:
    start = dt.datetime.now(LOCAL_TZ).replace(microsecond=0) + dt.timedelta(hours=1)
    body = {
        "uscc": USCC_A,
        "unit_codes": ["MKT"],
        "inspector_ids": [server.world.inspector_ids["MKT-C1"], server.world.inspector_ids["MKT-C2"]],
        "item_codes": ["MKT-001"],
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=2)).isoformat(),
        "origin": "triggered",
        "trigger_type": "complaint",
        "trigger_ref": "12345-0001",
        "trigger_reason": "投诉核查",
    }
    visit = server.call("POST", "/api/v1/visits", "planner-mkt", json=body)
    server.call("POST", f"/api/v1/visits/{visit['id']}/approve", "approver-mkt")
    url = server.call("GET", f"/api/v1/visits/{visit['id']}/code", "inspector-mkt1")["url"]
    return int(visit["id"]), _local(server, str(url))


def _published_month(server: LiveServer) -> str:
    """Next month's schedule built from the MKT and FIRE plans, approved and published (as in the plan tests)."""
    for code, unit, category, nonsite in PLAN_ITEMS:
        item: dict[str, Any] = {
            "code": code,
            "name": f"{code} 计划检查事项",
            "unit_code": unit,
            "legal_basis": "《安全生产法》",
        }
        item |= {"yearly_cap": 12, "category": category, "nonsite_capable": nonsite, "status": "published"}
        server.call("POST", "/api/v1/items", "admin", json=item)
    scenario: dict[str, Any] = {"code": "SC-PLAN", "name": "餐饮场所计划联合检查", "lead_unit_code": "MKT"}
    scenario |= {"item_codes": ["P-MKT", "P-FIRE"], "industry_codes": ["H62"], "status": "published"}
    server.call("POST", "/api/v1/scenarios", "admin", json=scenario)
    period, _ = future_month()
    for unit, entries in (("mkt", MKT_ENTRIES), ("fire", FIRE_ENTRIES)):
        year = int(period[:4])
        plan = server.call("POST", "/api/v1/annual-plans", f"planner-{unit}", json={"year": year, "entries": entries})
        server.call("POST", f"/api/v1/annual-plans/{plan['id']}/submit", f"planner-{unit}")
        server.call("POST", f"/api/v1/annual-plans/{plan['id']}/approve", f"approver-{unit}")
    server.call("POST", f"/api/v1/schedules/{period}/build", "planner-mkt")
    for unit in ("mkt", "fire"):
        server.call("POST", f"/api/v1/schedules/{period}/approve", f"approver-{unit}")
    server.call("POST", f"/api/v1/schedules/{period}/publish", "supervisor")
    return period


def _complaint(server: LiveServer, visit_url: str) -> tuple[int, str]:
    """A complaint from the verify page's code: its id and its tracking page."""
    token = visit_url.rsplit("/V/", 1)[1]
    body = {"token": token, "kind": "inspector_conduct", "description": "检查人员态度粗暴"}
    receipt = server.call("POST", "/api/v1/public/complaints", "enterprise-a", json=body | {"client_event_id": "c-1"})
    return int(receipt["id"]), f"/public/complaints/{receipt['tracking_code']}"


def _unfiled_scan(server: LiveServer) -> None:
    """An inspector scans an enterprise with no filed visit: refused, and listed for the supervisor."""
    code = server.call("GET", f"/api/v1/enterprises/{USCC_B}/code", "enterprise-b")["url"]
    body = {"content": code, "client_event_id": str(uuid.uuid4()), "latitude": 36.68, "longitude": 117.06}
    refused = server.http.post("/api/v1/scans", headers=server.login("inspector-mkt1"), json=body | {"accuracy_m": 15})
    assert refused.status_code == 403


def _supervision(server: LiveServer) -> tuple[int, int]:
    case = server.call(
        "POST",
        "/api/v1/supervision/cases",
        "supervisor",
        json={"source": "manual", "title": "未按规定扫码入企", "unit_code": "MKT"},
    )
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=15)).isoformat()
    document = {"kind": "opinion", "unit_code": "MKT", "title": "检查频次过多", "findings": "同一企业一个月内检查4次"}
    document |= {"requirements": "立即整改，合并检查", "response_due_at": due, "case_id": case["id"]}
    issued = server.call("POST", "/api/v1/supervision/documents", "supervisor", json=document)
    return int(case["id"]), int(issued["id"])


def _look(chromium: Any, url: str, name: str, viewport: dict[str, int], cookies: list[dict[str, Any]]) -> Any:
    context = chromium.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status < 500, url
    assert not response.headers.get("content-type", "").startswith(("application/json", "application/problem")), url
    shot = screenshot(page, f"pages/{name}-{viewport['width']}")
    assert shot.stat().st_size > 5_000
    if viewport["width"] == PHONE["width"]:
        assert horizontal_overflow(page) == 0, f"{name} scrolls sideways on a phone"
    assert tofu(page) == [], f"{name} draws characters without a font"
    return page


def _lines(page: Any, selector: str) -> int:
    """How many lines the first element's text takes."""
    return int(
        page.eval_on_selector(
            selector,
            "e => { const r = document.createRange(); r.selectNodeContents(e); return r.getClientRects().length; }",
        )
    )


def _dashboard_cookies(server: LiveServer, chromium: Any) -> list[dict[str, Any]]:
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{server.base_url}/dashboard/login")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.base_url}/dashboard*")
    cookies: list[dict[str, Any]] = context.cookies()
    context.close()
    return cookies


def test_every_page_reads_well_on_a_phone_and_a_desk(live_server: LiveServer, chromium: Any) -> None:
    base = live_server.base_url
    visit_id, visit_url = _visit_code(live_server)
    period = _published_month(live_server)
    complaint_id, tracking = _complaint(live_server, visit_url)
    enterprise_code = _local(
        live_server, live_server.call("GET", f"/api/v1/enterprises/{USCC_A}/code", "enterprise-a")["url"]
    )
    public = {
        "home": "/",
        "schedules": "/public/schedules",
        "schedule-published": f"/public/schedules/{period}",
        "schedule-unpublished": "/public/schedules/2020-01",
        "complaint-tracking": tracking,
        "complaint-tracking-unknown": "/public/complaints/AAAA-BBBB-CCCC-DDDD",
        "not-found": "/no-such-page",
        "verify": visit_url,
        "verify-forged": "/V/2KCG433UEBQSA5DPNNSW4",
        "enterprise-code": enterprise_code,
        "phone-app": "/app/",
        "dashboard-login": "/dashboard/login",
        "docs": "/schema/swagger",
    }
    for name, path in public.items():
        url = path if path.startswith("http") else base + path
        for viewport in BOTH:
            if name == "docs" and viewport is PHONE:
                continue  # Swagger UI is a desk tool
            page = _look(chromium, url, name, viewport, [])
            if name == "schedule-published" and viewport is DESK:
                # A table on a desk: the credit code and the date each on one line, not a character per line.
                assert page.locator("table.schedule tbody tr").count() > 0 and page.locator("thead").is_visible()
                assert _lines(page, "td.code-cell") == 1 and _lines(page, "td.when span") == 1
            if name == "schedule-published" and viewport is PHONE:
                assert not page.locator("thead").is_visible()  # cards on a phone
            page.context.close()

    _unfiled_scan(live_server)
    case_id, document_id = _supervision(live_server)
    cookies = _dashboard_cookies(live_server, chromium)
    dashboard = {
        "dashboard": "/dashboard",
        "dashboard-visits": f"/dashboard/visits?uscc={USCC_A}",
        "dashboard-visits-unit": "/dashboard/visits?unit_code=MKT",
        "dashboard-visit": f"/dashboard/visits/{visit_id}",
        "dashboard-unfiled": "/dashboard/unfiled-attempts",
        "dashboard-complaints": "/dashboard/complaints",
        "dashboard-complaint": f"/dashboard/complaints/{complaint_id}",
        "dashboard-acceptances": "/dashboard/acceptances",
        "dashboard-cases": "/dashboard/cases",
        "dashboard-case": f"/dashboard/cases/{case_id}",
        "dashboard-documents": "/dashboard/documents",
        "supervision-document": f"/dashboard/documents/{document_id}",
    }
    for name, path in dashboard.items():
        for viewport in BOTH:
            _look(chromium, base + path, name, viewport, cookies).context.close()

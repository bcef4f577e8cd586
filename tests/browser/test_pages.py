"""Every page as a person sees it, on a 360-px phone and on a desk screen: no horizontal scrolling on the phone,
no character drawn without a font, and a screenshot of each under ``var/screenshots/pages``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from api.clock import LOCAL_TZ
from tests.support.live_server import LiveServer
from tests.support.seeing import horizontal_overflow, screenshot, tofu
from tests.support.world import PASSWORD, USCC_A

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}


def _visit_code(server: LiveServer) -> str:
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
    return str(server.call("GET", f"/api/v1/visits/{visit['id']}/code", "inspector-mkt1")["url"])


def _look(chromium: Any, url: str, name: str, viewport: dict[str, int], cookies: list[dict[str, Any]]) -> None:
    context = chromium.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    try:
        response = page.goto(url, wait_until="networkidle")
        assert response is not None and response.status < 500, url
        shot = screenshot(page, f"pages/{name}-{viewport['width']}")
        assert shot.stat().st_size > 5_000
        if viewport["width"] == PHONE["width"]:
            assert horizontal_overflow(page) == 0, f"{name} scrolls sideways on a phone"
        assert tofu(page) == [], f"{name} draws characters without a font"
    finally:
        context.close()


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
    visit_url = _visit_code(live_server)
    public = {
        "home": "/",
        "schedules": "/public/schedules",
        "unpublished-month": "/public/schedules/2026-01",
        "not-found": "/no-such-page",
        "verify": visit_url.replace(base.upper(), base),
        "verify-forged": "/V/2KCG433UEBQSA5DPNNSW4",
        "dashboard-login": "/dashboard/login",
        "docs": "/schema/swagger",
    }
    for name, path in public.items():
        url = path if path.startswith("http") else base + path
        for viewport in (PHONE, DESK):
            if name == "docs" and viewport is PHONE:
                continue  # Swagger UI is a desk tool
            _look(chromium, url, name, viewport, [])
    cookies = _dashboard_cookies(live_server, chromium)
    for name, path in {"dashboard": "/dashboard", "dashboard-visits": f"/dashboard/visits?uscc={USCC_A}"}.items():
        for viewport in (PHONE, DESK):
            _look(chromium, base + path, name, viewport, cookies)

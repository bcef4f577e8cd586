"""The supervisor dashboard in headless Chromium: log in through the form, see the API's numbers, real SVG
charts, nothing fetched from elsewhere and no console errors."""

from __future__ import annotations

import asyncio
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_server import LiveServer
from tests.support.metrics_data import insert_history
from tests.support.world import PASSWORD

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


def _seed_history() -> None:
    """The back-dated history, written into the live server's database from a thread without an event loop
    (Playwright's sync API keeps one running in the test's thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(insert_history())).result()


def _page(chromium: Any, base_url: str) -> tuple[Any, Any, list[str], list[str]]:
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith((base_url, "data:")) else foreign.append(r.url))
    return context, page, errors, foreign


def _log_in(page: Any, base_url: str, username: str, target: str) -> None:
    page.goto(f"{base_url}{target}")
    assert page.url.startswith(f"{base_url}/dashboard/login?next=")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state("load")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _screenshot(page: Any, tmp_path: Path) -> Path:
    path = tmp_path / "dashboard.png"
    page.screenshot(path=str(path), full_page=True)
    keep = os.environ.get("RUQI_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path


def test_supervisor_dashboard_shows_the_api_numbers(live_server: LiveServer, chromium: Any, tmp_path: Path) -> None:
    _seed_history()
    base = live_server.base_url
    context, page, errors, foreign = _page(chromium, base)
    _log_in(page, base, "supervisor", "/dashboard?period=2025-07")
    assert page.url == f"{base}/dashboard?period=2025-07"
    assert page.locator("#period").get_attribute("data-period") == "2025-07"
    cookie = next(c for c in context.cookies() if c["name"] == "ruqi_dashboard")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"

    m = live_server.call("GET", "/api/v1/metrics?period=2025-07", "supervisor")

    def shown(key: str) -> str:
        return str(page.locator(f'[data-metric="{key}"]').first.inner_text()).strip()

    i, r, w = m["inspections"], m["rates"], m["warnings"]
    expected_text = {
        "inspections.total": str(i["total"]),
        "inspections.onsite": str(i["onsite"]),
        "inspections.nonsite": str(i["nonsite"]),
        "inspections.joint": str(i["joint"]),
        "rates.joint_rate": _pct(r["joint_rate"]),
        "rates.scan_rate": _pct(r["scan_rate"]),
        "rates.nonsite_share": _pct(r["nonsite_share"]),
        "rates.plan_execution_rate": "—",
        "warnings.frequency.day": str(w["frequency"]["day"]),
        "warnings.frequency.week": str(w["frequency"]["week"]),
        "warnings.caps_reached": str(len(w["caps_reached"])),
        "warnings.low_yield": str(len(w["low_yield"])),
        "warnings.emergency_overdue": str(len(w["emergency_overdue"])),
        "warnings.unfiled_attempts.count": str(w["unfiled_attempts"]["count"]),
        "warnings.backfilled_scans.count": str(w["backfilled_scans"]["count"]),
        "complaints.overdue": str(m["complaints"]["overdue"]),
        "ratings.count": str(m["ratings"]["count"]),
    }
    for unit in m["units"]:
        expected_text[f"units.{unit['unit_code']}.onsite"] = str(unit["onsite"])
        expected_text[f"units.{unit['unit_code']}.scan_rate"] = _pct(unit["scan_rate"])
    assert {key: shown(key) for key in expected_text} == expected_text
    assert (i["onsite"], i["total"], _pct(r["scan_rate"])) == (8, 10, "85.71%")  # the hand-made answers
    assert "233.3%" in shown("inspections.yoy_total.change_percent")

    for chart in ("#chart-monthly", "#chart-units"):
        svg = page.locator(f"{chart} svg")
        assert svg.count() == 1 and svg.is_visible()
        assert svg.evaluate("e => e.namespaceURI") == "http://www.w3.org/2000/svg"
        assert svg.bounding_box()["width"] > 800
        assert page.locator(f"{chart} svg rect.rect").count() > 0  # drawn bars
    assert "7月" in page.locator("#chart-monthly svg").inner_html()
    # Every label inside its chart: the unit names are not cut off at the left edge.
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('figure svg')].flatMap(svg => {
             const box = svg.getBoundingClientRect();
             return [...svg.querySelectorAll('text')]
               .filter(t => t.textContent.trim() && t.getBoundingClientRect().left < box.left - 0.5)
               .map(t => t.textContent);
           })"""
    )
    assert clipped == []
    assert page.locator("#unfiled-attempts tbody tr").count() == w["unfiled_attempts"]["count"]
    assert page.locator("#frequency-warnings tbody tr").count() == len(w["frequency_rows"])
    assert page.locator("#unfiled-list").get_attribute("href") == w["unfiled_attempts"]["list_link"].replace(
        "/api/v1/", "/dashboard/"
    )

    path = _screenshot(page, tmp_path)
    assert path.stat().st_size > 50_000
    assert errors == [] and foreign == []
    context.close()


def test_other_roles_see_a_403_page(live_server: LiveServer, chromium: Any) -> None:
    context, page, errors, foreign = _page(chromium, live_server.base_url)
    _log_in(page, live_server.base_url, "inspector-mkt1", "/dashboard")
    assert "403" in page.locator("#denied h1").inner_text()
    assert not [c for c in context.cookies() if c["name"] == "ruqi_dashboard"]
    assert foreign == [] and [e for e in errors if "403" not in e] == []
    context.close()


def test_unit_staff_land_on_their_units_documents(live_server: LiveServer, chromium: Any) -> None:
    context, page, errors, foreign = _page(chromium, live_server.base_url)
    _log_in(page, live_server.base_url, "planner-mkt", "/dashboard")
    assert page.url.endswith("/dashboard/documents")  # not the supervisor's dashboard
    page.goto(live_server.base_url + "/dashboard")
    assert "403" in page.locator("#denied h1").inner_text()
    assert page.locator("#denied a[href='/dashboard/documents']").count() == 1
    assert foreign == [] and [e for e in errors if "403" not in e] == []
    context.close()

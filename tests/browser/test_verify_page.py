"""The verification page on a 360-px phone in headless Chromium: green, red, live status, rating and complaint."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from api.visits.rules import LOCAL_TZ
from qr.codec import decode_token, encode_token
from tests.support.live_server import LiveServer
from tests.support.world import PASSWORD, USCC_A

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _visit_now(server: LiveServer) -> tuple[int, str]:
    """File and approve a visit whose window holds now, through the server's API; returns (id, token)."""
    start = dt.datetime.now(LOCAL_TZ).replace(microsecond=0) - dt.timedelta(minutes=2)
    body = {
        "uscc": USCC_A,
        "unit_codes": ["MKT"],
        "inspector_ids": [server.world.inspector_ids["MKT-C1"], server.world.inspector_ids["MKT-C2"]],
        "item_codes": ["MKT-001", "MKT-002"],
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=2)).isoformat(),
        # A planned inspection needs a task of a published monthly plan; a visit now is a referral (转办交办).
        "origin": "triggered",
        "trigger_type": "referral",
        "trigger_reason": "区政府转办的群众反映",
    }
    visit = server.call("POST", "/api/v1/visits", "planner-mkt", json=body)
    server.call("POST", f"/api/v1/visits/{visit['id']}/approve", "approver-mkt")
    code = server.call("GET", f"/api/v1/visits/{visit['id']}/code", "inspector-mkt1")
    assert code["url"].startswith(server.base_url.upper())
    return int(visit["id"]), str(code["token"])


def _phone_page(chromium: Any) -> tuple[Any, list[str]]:
    context = chromium.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def _rgb(page: Any, selector: str) -> tuple[int, int, int]:
    color = page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor")
    r, g, b = (int(x) for x in re.findall(r"\d+", color)[:3])
    return r, g, b


def _no_horizontal_scroll(page: Any) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_valid_code_is_green_with_inspectors_and_updates_live(
    live_server: LiveServer, chromium: Any, tmp_path: Path
) -> None:
    visit_id, token = _visit_now(live_server)
    page, errors = _phone_page(chromium)
    with page.expect_websocket() as opened:
        page.goto(f"{live_server.base_url}/V/{token}")
    socket = opened.value
    headline = page.locator("#headline")
    assert headline.inner_text() == "已备案 · 有效"
    r, g, b = _rgb(page, "#verdict")
    assert g > r + 40 and g > b + 40, (r, g, b)
    for text in ("张明", "执法证号 MKT-C1", "李华", "执法证号 MKT-C2", "《中华人民共和国食品安全法》第八十七条"):
        assert page.get_by_text(text).first.is_visible(), text
    assert page.locator("#rating").is_hidden() and page.get_by_text("投诉", exact=True).is_visible()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / "verify-valid-360.png"), full_page=True)

    # The inspector's phone checks in and out through the API; the open page follows over the websocket.
    enterprise_code = live_server.call("GET", f"/api/v1/enterprises/{USCC_A}/code", "admin")["url"]
    scan = {"content": enterprise_code, "client_event_id": uuid.uuid4().hex, "latitude": 36.68, "longitude": 117.06}
    live_server.call("POST", "/api/v1/scans", "inspector-mkt1", json=scan)
    status = page.locator("#visit-status")
    status.filter(has_text="检查人员已扫码签到").wait_for(timeout=10_000)
    checkout = {"client_event_id": uuid.uuid4().hex, "result": "no_issue"}
    live_server.call("POST", f"/api/v1/visits/{visit_id}/checkout", "inspector-mkt1", json=checkout)
    status.filter(has_text="检查已结束").wait_for(timeout=10_000)
    page.locator("#rating").wait_for(state="visible", timeout=10_000)
    assert not socket.is_closed()
    assert errors == []
    _no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / "verify-checked-out-360.png"), full_page=True)

    # Rating: 4 stars and a comment, posted as JSON with a fresh client event id.
    page.locator("label[for=star4]").click()
    page.locator("#rating-comment").fill("检查规范")
    # Only the inspected enterprise rates: the form logs in with its account first.
    page.locator("#rating-username").fill("enterprise-a")
    page.locator("#rating-password").fill(PASSWORD)
    with page.expect_request(
        lambda r: r.method == "POST" and r.url.endswith(f"/api/v1/public/visits/{token}/rating")
    ) as sent:
        page.locator("#rating-form button").click()
    body = json.loads(sent.value.post_data)
    assert sent.value.headers["authorization"].startswith("Bearer ")
    assert body["score"] == 4 and body["comment"] == "检查规范" and UUID.match(body["client_event_id"])
    page.locator("#rating-result").filter(has_text="谢谢，已收到").wait_for(timeout=10_000)
    page.locator("#rating").screenshot(path=str(tmp_path / "verify-rated-360.png"))
    page.context.close()


def test_altered_code_is_red_and_offers_a_complaint(live_server: LiveServer, chromium: Any, tmp_path: Path) -> None:
    _, token = _visit_now(live_server)
    raw = bytearray(decode_token(token))
    raw[-1] ^= 0x01
    forged = encode_token(bytes(raw))
    page, errors = _phone_page(chromium)
    page.goto(f"{live_server.base_url}/V/{forged}")
    assert page.locator("#headline").inner_text() == "未备案/无效"
    assert page.locator("#reason").inner_text() == "签名无效/被篡改"
    r, g, b = _rgb(page, "#verdict")
    assert r > g + 60 and r > b + 60, (r, g, b)
    assert page.get_by_text("张明").count() == 0
    _no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / "verify-altered-360.png"), full_page=True)
    assert errors == []

    page.get_by_text("投诉", exact=True).click()
    assert page.locator("#complaint-kind").input_value() == "unfiled_inspection"
    page.locator("#complaint-description").fill("检查人员出示的检查码显示无效")
    page.locator("#complaint-contact").fill("0531-12345678")
    _no_horizontal_scroll(page)
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/api/v1/public/complaints")) as sent:
        page.locator("#complaint-form button").click()
    body = json.loads(sent.value.post_data)
    assert body["token"] == forged and body["kind"] == "unfiled_inspection" and UUID.match(body["client_event_id"])
    assert body["description"] == "检查人员出示的检查码显示无效" and body["contact"] == "0531-12345678"
    page.locator("#complaint-result").filter(has_text=re.compile(".+")).wait_for(timeout=10_000)
    page.locator("#complaint").screenshot(path=str(tmp_path / "verify-complaint-360.png"))
    # The tracking code is shown once, with the way to follow the complaint: the complainant's only handle on it.
    reference = re.search(r"TS-\d+", page.locator("#complaint-result").inner_text())
    code = page.locator("#complaint-tracking strong").inner_text()
    assert reference and re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code), code
    _no_horizontal_scroll(page)
    page.locator("#complaint-tracking-link").click()
    page.wait_for_url(f"{live_server.base_url}/public/complaints/{code}")
    assert "投诉办理进度" in page.locator("h1").inner_text() and reference.group(0) in page.inner_text("main")
    _no_horizontal_scroll(page)
    assert errors == []
    page.context.close()


def test_enterprise_code_page_at_phone_width(live_server: LiveServer, chromium: Any, tmp_path: Path) -> None:
    url = live_server.call("GET", f"/api/v1/enterprises/{USCC_A}/code", "admin")["url"]
    page, errors = _phone_page(chromium)
    page.goto(f"{live_server.base_url}/E/{url.rsplit('/', 1)[1]}")
    assert page.locator("#headline").inner_text() == "这是企业码"
    assert page.locator("#reason").inner_text() == "供执法人员扫码签到，不是检查码"
    assert page.get_by_text("济南泉城餐饮有限公司（测试）").is_visible()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / "enterprise-code-360.png"), full_page=True)
    assert errors == []
    page.context.close()


def test_an_inspector_no_longer_valid_turns_the_page_red_and_is_named(
    live_server: LiveServer, chromium: Any, tmp_path: Path
) -> None:
    _, token = _visit_now(live_server)
    inspector_id = live_server.world.inspector_ids["MKT-C2"]
    live_server.call("PATCH", f"/api/v1/inspectors/{inspector_id}", "admin", json={"status": "suspended"})
    page, errors = _phone_page(chromium)
    page.goto(f"{live_server.base_url}/V/{token}")
    assert page.locator("#headline").inner_text() == "未备案/无效"
    r, g, b = _rgb(page, "#verdict")
    assert r > 150 and g < 100 and b < 100
    invalid = page.locator("#inspectors li.invalid")
    assert invalid.count() == 1 and "李华" in invalid.inner_text() and "执法证已暂停" in invalid.inner_text()
    assert "李华" in page.locator("#verdict").inner_text()
    assert (
        "不具备执法资格" in page.locator("#verdict").inner_text()
        and "已被取消" not in page.locator("#verdict").inner_text()
    )
    assert errors == []
    _no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / "verify-inspector-suspended-360.png"), full_page=True)
    page.context.close()

"""The phone app (/app/) in headless Chromium at 360 px: an inspector scanning with the camera, online and
offline; an enterprise verifying visit codes; installability. Screenshots go to var/screenshots/app/."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from api.visits.rules import LOCAL_TZ
from qr.codec import decode_token, encode_token
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _missing
from tests.support.live_server import LiveServer
from tests.support.phone import check_screen, launch, login, phone, tofu, wait_for_service_worker, y4m_of_png
from tests.support.world import PASSWORD, USCC_A, USCC_B

pytestmark = pytest.mark.browser

NEAR_A = {"latitude": 36.6801, "longitude": 117.0601, "accuracy": 12}


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    """One Playwright per module; each camera scene launches its own Chromium (the fake camera is per process)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed (pip extra for the browser tests)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as instance:
        yield instance


def _browser(playwright: Any, tmp_path: Path, png: bytes | None, name: str = "camera") -> Any:
    video = y4m_of_png(png, tmp_path / f"{name}.y4m") if png is not None else None
    return launch(playwright, CHROMIUM, CHROMIUM_ARGS, video)


ITEMS = ("MKT-001", "MKT-002")


def _visit_now(server: LiveServer, uscc: str = USCC_A, items: tuple[str, ...] = ITEMS) -> dict[str, Any]:
    start = dt.datetime.now(LOCAL_TZ).replace(microsecond=0) - dt.timedelta(minutes=2)
    body = {
        "uscc": uscc,
        "unit_codes": ["MKT"],
        "inspector_ids": [server.world.inspector_ids["MKT-C1"], server.world.inspector_ids["MKT-C2"]],
        "item_codes": list(items),
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=2)).isoformat(),
        # A planned inspection needs a task of a published monthly plan; a visit now is a referral (转办交办).
        "origin": "triggered",
        "trigger_type": "referral",
        "trigger_reason": "区政府转办的群众反映",
    }
    visit = server.call("POST", "/api/v1/visits", "planner-mkt", json=body)
    server.call("POST", f"/api/v1/visits/{visit['id']}/approve", "approver-mkt")
    return visit  # type: ignore[no-any-return]


def _png(server: LiveServer, path: str, as_: str) -> bytes:
    response = server.http.get(path, headers=server.login(as_))
    assert response.status_code == 200, response.text
    return response.content


def _enterprise_code_png(server: LiveServer, uscc: str) -> bytes:
    return _png(server, f"/api/v1/enterprises/{uscc}/code.png", "admin")


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, "JPEG", quality=85)
    return out.getvalue()


OFFLINE_LOADS = "Failed to load resource: net::ERR_"  # what Chromium logs for a fetch while offline


def _clean(page: Any, *expected: str) -> None:
    """No script errors, no failed loads but those the test caused, nothing from another host."""
    errors = [e for e in page.errors if not any(x in e for x in expected)]
    assert errors == [], errors
    assert page.foreign_requests == [], page.foreign_requests


def test_inspector_scans_the_enterprise_code_and_arrives(
    live_server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    visit = _visit_now(live_server)
    browser = _browser(playwright, tmp_path, _enterprise_code_png(live_server, USCC_A))
    try:
        with phone(browser, live_server.base_url, geolocation=NEAR_A) as page:
            page.goto("/app/")
            check_screen(page, "01-login")
            login(page, "inspector-mkt1", PASSWORD)
            card = page.locator(f"a[data-visit='{visit['id']}']")
            card.wait_for()
            assert "济南泉城餐饮有限公司（测试）" in card.inner_text() and "李华" in card.inner_text()
            card.locator(".address", has_text="地址：").wait_for()
            check_screen(page, "02-inspector-visits")
            card.click()
            page.get_by_role("heading", name="检查事项").wait_for()
            assert page.get_by_text("《中华人民共和国食品安全法》第八十七条").first.is_visible()
            check_screen(page, "03-inspector-visit")
            page.get_by_role("link", name="亮码（给企业扫）").click()
            page.wait_for_function("document.querySelector('#visit-code')?.naturalWidth > 0")
            check_screen(page, "04-inspector-visit-code")
            page.goto("/app/#/scan")
            page.locator("#start-camera").wait_for()
            check_screen(page, "05-inspector-scan")
            page.locator("#start-camera").click()
            page.locator("#headline").wait_for(timeout=20_000)
            assert page.locator("#headline").inner_text() == "签到成功"
            assert "距企业登记位置约" in page.locator("#reason").inner_text()
            check_screen(page, "06-inspector-arrival")
            _clean(page)
    finally:
        browser.close()
    scans = live_server.call("GET", f"/api/v1/visits/{visit['id']}/scans", "planner-mkt")
    assert [s["kind"] for s in scans] == ["arrival"] and scans[0]["accuracy_m"] == 12
    assert live_server.call("GET", f"/api/v1/visits/{visit['id']}", "planner-mkt")["status"] == "checked_in"


def test_an_unfiled_scan_shows_what_to_do(live_server: LiveServer, playwright: Any, tmp_path: Path) -> None:
    browser = _browser(playwright, tmp_path, _enterprise_code_png(live_server, USCC_B))
    try:
        with phone(browser, live_server.base_url, geolocation=NEAR_A) as page:
            login(page, "inspector-mkt1", PASSWORD)
            page.goto("/app/#/scan")
            page.locator("#start-camera").click()
            page.locator("#headline").wait_for(timeout=20_000)
            assert page.locator("#headline").inner_text() == "未备案"
            assert page.get_by_text("请勿入企检查").is_visible()
            check_screen(page, "07-inspector-unfiled")
            page.get_by_role("link", name="备案突发事件检查").click()
            page.locator("#em-uscc").wait_for()
            assert page.locator("#em-uscc").input_value() == USCC_B
            check_screen(page, "08-inspector-emergency")
            _clean(page, "status of 403")  # the unfiled scan
    finally:
        browser.close()
    attempts = live_server.call("GET", f"/api/v1/unfiled-attempts?uscc={USCC_B}", "supervisor")
    assert attempts["total"] == 1 and attempts["items"][0]["username"] == "inspector-mkt1"


def test_offline_scan_checkout_and_photo_sync_exactly_once(
    live_server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    visit = _visit_now(live_server)
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(_photo())
    browser = _browser(playwright, tmp_path, _enterprise_code_png(live_server, USCC_A))
    try:
        with phone(browser, live_server.base_url, geolocation=NEAR_A) as page:
            login(page, "inspector-mkt1", PASSWORD)
            page.locator(f"a[data-visit='{visit['id']}']").wait_for()
            wait_for_service_worker(page)
            page.reload()  # controlled by the worker now: the visit list is kept for offline use
            page.locator(f"a[data-visit='{visit['id']}']").wait_for()

            page.context.set_offline(True)
            page.reload()  # the app shell and the visits come from the service worker
            page.locator(f"a[data-visit='{visit['id']}']").wait_for()
            assert page.locator("#network").inner_text() == "离线"
            assert page.get_by_text("离线副本").first.is_visible()
            check_screen(page, "09-inspector-offline-visits")
            page.goto("/app/#/scan")
            page.locator("#start-camera").click()
            page.locator("#headline").wait_for(timeout=20_000)
            assert page.locator("#headline").inner_text() == "已保存，待联网补传"
            check_screen(page, "10-inspector-offline-scan")
            page.get_by_role("link", name="签退并记录结果").click()
            page.locator("#checkout-form").wait_for()
            page.locator("label.choice", has_text="责令整改").click()
            page.locator("#findings").fill("后厨消毒记录不全，责令三日内整改")
            page.locator("#photo-input").set_input_files(str(photo))
            page.locator("#photo-list img").wait_for()
            check_screen(page, "11-inspector-checkout")
            page.locator("#checkout-form button[type=submit]").click()
            page.locator("#outbox-list").wait_for()
            rows = page.locator("#outbox-list li")
            states = rows.evaluate_all("es => es.map(e => [e.dataset.kind, e.dataset.state])")
            assert sorted(states) == [["checkout", "pending"], ["photo", "pending"], ["scan", "pending"]]
            assert page.get_by_text("补传原因：现场无网络").is_visible()
            check_screen(page, "12-inspector-outbox-offline")

            page.context.set_offline(False)  # the 'online' event sends the outbox
            page.wait_for_function(
                "[...document.querySelectorAll('#outbox-list li')].every(e => e.dataset.state === 'done')",
                timeout=30_000,
            )
            check_screen(page, "13-inspector-outbox-synced")
            page.reload()  # another sync finds nothing left to send
            page.locator("#nav").wait_for()
            page.evaluate("import('/app/js/outbox.js').then(m => m.sync())")
            _clean(page, OFFLINE_LOADS)
    finally:
        browser.close()
    scans = live_server.call("GET", f"/api/v1/visits/{visit['id']}/scans", "planner-mkt")
    assert len(scans) == 1 and scans[0]["backfill"] is True and scans[0]["kind"] == "arrival"
    assert scans[0]["backfill_reason"].startswith("现场无网络")
    after = live_server.call("GET", f"/api/v1/visits/{visit['id']}", "planner-mkt")
    assert after["status"] == "checked_out" and after["result"] == "rectification"
    assert after["findings"] == "后厨消毒记录不全，责令三日内整改"
    evidence = live_server.call("GET", f"/api/v1/visits/{visit['id']}/evidence", "planner-mkt")
    assert [e["size"] for e in evidence] == [photo.stat().st_size]
    events = live_server.call("GET", f"/api/v1/audit/events?subject=visit:{visit['id']}&limit=100", "supervisor")
    kinds = [e["type"] for e in events["items"]]
    assert kinds.count("scan") == 1 and kinds.count("checkout") == 1 and kinds.count("visit_evidence") == 1


def _visit_code(server: LiveServer, visit_id: int) -> tuple[str, bytes]:
    code = server.call("GET", f"/api/v1/visits/{visit_id}/code", "inspector-mkt1")
    return str(code["token"]), _png(server, f"/api/v1/visits/{visit_id}/code.png", "inspector-mkt1")


def _qr_png(url: str) -> bytes:
    import qrcode

    out = io.BytesIO()
    qrcode.make(url, error_correction=qrcode.constants.ERROR_CORRECT_M).save(out)
    return out.getvalue()


def test_enterprise_verifies_a_valid_a_cancelled_and_a_forged_code(
    live_server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    valid = _visit_now(live_server)
    token, valid_png = _visit_code(live_server, valid["id"])
    cancelled = _visit_now(live_server, items=("MKT-001",))
    _, cancelled_png = _visit_code(live_server, cancelled["id"])
    live_server.call("POST", f"/api/v1/visits/{cancelled['id']}/cancel", "planner-mkt", json={"reason": "企业停产"})
    raw = bytearray(decode_token(token))
    raw[-1] ^= 0x01
    forged_url = f"{live_server.base_url.upper()}/V/{encode_token(bytes(raw))}"

    scenes = [
        ("valid", valid_png, False, "已备案 · 有效", ""),
        ("cancelled-offline", cancelled_png, True, "未备案/无效", "该检查已取消"),
        ("forged", _qr_png(forged_url), False, "未备案/无效", "签名无效/被篡改"),
        ("forged-offline", _qr_png(forged_url), True, "未备案/无效", "签名无效/被篡改"),
    ]
    for number, (name, png, offline, headline, reason) in enumerate(scenes, start=14):
        browser = _browser(playwright, tmp_path, png, name)
        try:
            with phone(browser, live_server.base_url) as page:
                login(page, "enterprise-a", PASSWORD)
                if number == 14:
                    check_screen(page, "14-enterprise-home")
                page.wait_for_function("import('/app/js/offline.js').then(m => m.cacheAsOf()).then(t => t !== null)")
                if offline:
                    page.context.set_offline(True)
                page.goto("/app/#/scan")
                page.locator("#start-camera").click()
                page.locator("#headline").wait_for(timeout=20_000)
                assert page.locator("#headline").inner_text() == headline, name
                if reason:
                    assert page.locator("#reason").inner_text() == reason, name
                if offline:
                    assert page.locator("#offline-verdict").is_visible()
                if name == "valid":
                    for text in ("张明", "执法证号 MKT-C1", "李华", "执法证号 MKT-C2"):
                        assert page.get_by_text(text).first.is_visible(), text
                check_screen(page, f"{number + 1}-enterprise-{name}")
                _clean(page, OFFLINE_LOADS)
        finally:
            browser.close()


def test_offline_verification_in_javascript_matches_the_python_client(
    live_server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    """The WebCrypto and the vendored @noble/ed25519 paths give the same verdicts on a real and a forged code."""
    visit = _visit_now(live_server)
    token, _ = _visit_code(live_server, visit["id"])
    raw = bytearray(decode_token(token))
    raw[-1] ^= 0x01
    forged = encode_token(bytes(raw))
    browser = _browser(playwright, tmp_path, None)
    try:
        with phone(browser, live_server.base_url) as page:
            login(page, "enterprise-a", PASSWORD)
            page.wait_for_function("import('/app/js/offline.js').then(m => m.cacheAsOf()).then(t => t !== null)")
            results = page.evaluate(
                """async ([token, forged, uscc]) => {
                  const offline = await import('/app/js/offline.js');
                  const ed = await import('/app/js/ed25519.js');
                  const out = {engine: await ed.engine()};
                  for (const force of [false, true]) {
                    for (const [name, code] of [['real', token], ['forged', forged], ['garbage', 'NOTACODE']]) {
                      const v = await offline.verifyOffline(`http://x/V/${code}`, {uscc, forceFallback: force});
                      const key = `${name}-${force ? 'noble' : 'default'}`;
                      out[key] = [v.outcome, v.valid, v.claims && v.claims.visitId];
                    }
                  }
                  const other = await offline.verifyOffline(`http://x/V/${token}`, {uscc: '91370112MA3C0002B0'});
                  out.mismatch = other.outcome;
                  return out;
                }""",
                [token, forged, USCC_A],
            )
            _clean(page)
    finally:
        browser.close()
    assert results["engine"] == "webcrypto"  # Debian's Chromium has Ed25519 in WebCrypto
    for engine in ("default", "noble"):
        assert results[f"real-{engine}"] == ["valid", True, visit["id"]]
        assert results[f"forged-{engine}"] == ["bad_signature", False, None]
        assert results[f"garbage-{engine}"] == ["malformed", False, None]
    assert results["mismatch"] == "enterprise_mismatch"


def test_enterprise_screens_rating_complaint_and_poster(
    live_server: LiveServer, playwright: Any, tmp_path: Path
) -> None:
    visit = _visit_now(live_server)
    code_url = live_server.call("GET", f"/api/v1/visits/{visit['id']}/code", "inspector-mkt1")["url"]
    enterprise_url = live_server.call("GET", f"/api/v1/enterprises/{USCC_A}/code", "admin")["url"]
    scan = {"content": enterprise_url, "client_event_id": "phone-test-scan", "latitude": 36.68, "longitude": 117.06}
    live_server.call("POST", "/api/v1/scans", "inspector-mkt1", json=scan)
    checkout = {"client_event_id": "phone-test-out", "result": "no_issue"}
    live_server.call("POST", f"/api/v1/visits/{visit['id']}/checkout", "inspector-mkt1", json=checkout)
    browser = _browser(playwright, tmp_path, None)
    try:
        with phone(browser, live_server.base_url) as page:
            login(page, "enterprise-a", PASSWORD)
            page.goto("/app/#/scan")  # no camera in this browser's use: the code typed in instead
            page.locator("summary", has_text="手动输入").click()
            page.locator("#scan-text").fill(code_url)
            page.locator("#scan-type-form button[type=submit]").click()
            page.locator("#headline").wait_for()
            assert page.locator("#headline").inner_text() == "已备案 · 有效"
            assert page.get_by_role("link", name="评价这次检查").is_visible()  # checked out: it may be rated
            page.goto("/app/#/e/upcoming")
            page.get_by_text("订阅到手机日历").wait_for()
            check_screen(page, "19-enterprise-upcoming")
            page.goto("/app/#/e/history")
            page.locator(f"li[data-visit='{visit['id']}']").wait_for()
            check_screen(page, "20-enterprise-history")
            page.locator(f"li[data-visit='{visit['id']}']").get_by_role("link", name="评价").click()
            page.locator("label.star", has_text="4分").click()
            page.locator("#rate-comment").fill("检查规范，用时短")
            check_screen(page, "21-enterprise-rate")
            page.locator("#rate-form button[type=submit]").click()
            page.locator(f"li[data-visit='{visit['id']}']").get_by_text("已评价").wait_for()
            page.goto("/app/#/e/complain")
            page.locator("#complaint-kind").select_option("too_frequent")
            page.locator("#complaint-description").fill("本月第三次检查")
            check_screen(page, "22-enterprise-complain")
            page.locator("#complaint-form button[type=submit]").click()
            page.get_by_text("本月第三次检查").wait_for()
            tracking_code = page.locator(".tracking a").first.inner_text()  # the receipt's code, kept on this phone
            followed = live_server.http.get(f"/api/v1/public/complaints/{tracking_code}")
            assert followed.status_code == 200 and followed.json()["status"] == "received", followed.text
            page.locator("details summary", has_text="处理进度").first.click()
            page.locator("ol.steps li").first.wait_for()
            check_screen(page, "23-enterprise-complaints")
            page.goto("/app/#/e/poster")
            page.wait_for_function("document.querySelector('#enterprise-code').naturalWidth > 0")
            check_screen(page, "24-enterprise-poster")
            page.goto("/app/#/outbox")
            page.locator("#outbox-list").wait_for()
            check_screen(page, "25-enterprise-outbox")
            _clean(page)
    finally:
        browser.close()
    ratings = live_server.call("GET", "/api/v1/ratings", "supervisor")["items"]
    assert [(r["visit_id"], r["score"], r["comment"]) for r in ratings if r["visit_id"] == visit["id"]] == [
        (visit["id"], 4, "检查规范，用时短")
    ]
    complaints = live_server.call("GET", "/api/v1/complaints", "supervisor")["items"]
    assert any(c["description"] == "本月第三次检查" and c["uscc"] == USCC_A for c in complaints)


def test_the_app_is_installable_and_works_offline(live_server: LiveServer, playwright: Any, tmp_path: Path) -> None:
    manifest = live_server.http.get("/app/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    data = manifest.json()
    assert data["start_url"] == "/app/" and data["scope"] == "/app/" and data["display"] == "standalone"
    assert data["lang"] == "zh-CN" and data["name"] == "扫码入企"
    sizes = {}
    for icon in data["icons"]:
        image = Image.open(io.BytesIO(live_server.http.get(f"/app/{icon['src']}").content))
        assert image.format == "PNG" and f"{image.width}x{image.height}" == icon["sizes"]
        sizes[icon["sizes"], icon.get("purpose", "any")] = True
    assert ("192x192", "any") in sizes and ("512x512", "any") in sizes and ("512x512", "maskable") in sizes
    browser = _browser(playwright, tmp_path, None)
    try:
        with phone(browser, live_server.base_url) as page:
            page.goto("/app/")
            wait_for_service_worker(page)
            worker = page.evaluate(
                "navigator.serviceWorker.ready.then(r => ({scope: r.scope, script: r.active.scriptURL}))"
            )
            assert worker == {"scope": f"{live_server.base_url}/app/", "script": f"{live_server.base_url}/app/sw.js"}
            manifest_link = page.evaluate("document.querySelector('link[rel=manifest]').href")
            assert manifest_link == f"{live_server.base_url}/app/manifest.webmanifest"
            page.context.set_offline(True)
            page.reload()
            page.locator("#login-form").wait_for()  # the shell, from the worker's cache
            assert page.locator("#network").inner_text() == "离线"
            assert tofu(page, "\ue000") == ["\ue000"]  # the tofu check itself sees a missing glyph
            _clean(page, OFFLINE_LOADS)
    finally:
        browser.close()

"""Scan-in with the enterprise code, unfiled rejection, idempotency, check-out, emergency and back-fill."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import time_machine
import zxingcpp
from litestar.testing import TestClient
from PIL import Image

from api.app import create_app
from api.settings import Settings
from tests.support.api import Api
from tests.support.scans import FAR, enterprise_code, live_visit, now_window, scan
from tests.support.visits import file_visit
from tests.support.world import USCC_A, USCC_B, World


def test_enterprise_code_png_decodes_and_is_private(api: Api) -> None:
    url = enterprise_code(api)
    assert "/E/" in url
    png = api.get(f"/api/v1/enterprises/{USCC_A}/code.png", as_="enterprise-a")
    assert [
        r.text
        for r in zxingcpp.read_barcodes(
            Image.open(io.BytesIO(png.content)), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    ] == [url]
    assert enterprise_code(api, as_="supervisor") == url  # static: the same code every time
    assert api.get(f"/api/v1/enterprises/{USCC_A}/code", as_="enterprise-b").status_code == 404
    assert api.get(f"/api/v1/enterprises/{USCC_A}/code", as_="inspector-mkt1").status_code == 404


def test_arrival_then_presence_and_idempotent_replay(api: Api) -> None:
    visit = live_visit(api)
    code = enterprise_code(api)
    first = scan(api, code, "evt-1")
    assert first.status_code == 201, first.text
    assert first.json()["kind"] == "arrival" and first.json()["visit_status"] == "checked_in"
    assert first.json()["far_from_enterprise"] is False and first.json()["distance_m"] < 50
    replay = scan(api, code, "evt-1")
    assert replay.status_code == 201 and replay.json() == first.json()
    changed = scan(api, code, "evt-1", latitude=36.7)
    assert changed.status_code == 409 and changed.json()["code"] == "idempotency_conflict"
    second = scan(api, code, "evt-2", as_="inspector-mkt2")
    assert second.json()["kind"] == "presence"
    scans = api.get(f"/api/v1/visits/{visit['id']}/scans", as_="planner-mkt").json()
    assert [s["kind"] for s in scans] == ["arrival", "presence"]


def test_far_position_is_flagged_not_blocked(api: Api) -> None:
    live_visit(api)
    response = scan(api, enterprise_code(api), "evt-far", **FAR, mock_location=True)
    assert response.status_code == 201
    assert response.json()["far_from_enterprise"] is True and response.json()["mock_location"] is True


def test_unfiled_scan_is_rejected_and_recorded_once(api: Api) -> None:
    live_visit(api)
    code = enterprise_code(api)
    refused = scan(api, code, "evt-x", as_="inspector-fire1")
    assert refused.status_code == 403 and refused.json()["code"] == "unfiled_visit"
    replay = scan(api, code, "evt-x", as_="inspector-fire1")
    assert replay.json()["attempt_id"] == refused.json()["attempt_id"]
    attempts = api.get("/api/v1/unfiled-attempts", as_="supervisor").json()
    assert attempts["total"] == 1
    assert attempts["items"][0]["username"] == "inspector-fire1" and attempts["items"][0]["uscc"] == USCC_A
    assert api.get("/api/v1/unfiled-attempts", as_="planner-mkt").status_code == 403
    other_enterprise = scan(api, enterprise_code(api, USCC_B, "enterprise-b"), "evt-y")
    assert other_enterprise.json()["code"] == "unfiled_visit"


def test_scan_before_approval_is_unfiled(api: Api) -> None:
    file_visit(api, **now_window())
    assert scan(api, enterprise_code(api), "evt-early").json()["code"] == "unfiled_visit"


@pytest.mark.parametrize("content", ["hello", "HTTPS://X/E/AAAA", "x" * 3000])
def test_garbage_or_visit_codes_are_not_enterprise_codes(api: Api, content: str) -> None:
    response = scan(api, content, "evt-g")
    assert response.status_code == 400
    assert response.json()["code"] in ("invalid_enterprise_code", "validation_error")


def test_a_visit_code_is_not_an_enterprise_code(api: Api) -> None:
    visit = live_visit(api)
    visit_url = api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").json()["url"]
    assert scan(api, visit_url, "evt-v").json()["code"] == "invalid_enterprise_code"


def test_check_out_after_check_in_only(api: Api) -> None:
    visit = live_visit(api)
    body = {"client_event_id": "out-1", "result": "rectification", "findings": "消防通道堵塞，责令整改"}
    early = api.post(f"/api/v1/visits/{visit['id']}/checkout", as_="inspector-mkt1", json=body)
    assert early.status_code == 422 and early.json()["code"] == "visit_not_checked_in"
    scan(api, enterprise_code(api), "evt-in")
    done = api.post(
        f"/api/v1/visits/{visit['id']}/checkout", as_="inspector-mkt1", json=dict(body, client_event_id="out-2")
    )
    assert done.status_code == 200 and done.json()["status"] == "checked_out"
    assert done.json()["result"] == "rectification"
    replay = api.post(
        f"/api/v1/visits/{visit['id']}/checkout", as_="inspector-mkt1", json=dict(body, client_event_id="out-2")
    )
    assert replay.status_code == 200
    other = api.post(
        f"/api/v1/visits/{visit['id']}/checkout", as_="inspector-fire1", json=dict(body, client_event_id="o3")
    )
    assert other.status_code == 404


def test_back_fill_within_ten_days_is_marked(api: Api) -> None:
    live_visit(api)
    now = dt.datetime.now(dt.UTC)
    late = scan(
        api,
        enterprise_code(api),
        "bf-0",
        backfill_reason="系统故障",
        device_time=(now - dt.timedelta(days=11)).isoformat(),
    )
    assert late.status_code == 422 and late.json()["code"] == "backfill_too_late"
    missing = scan(api, enterprise_code(api), "bf-1", backfill_reason="系统故障")
    assert missing.status_code == 400 and missing.json()["code"] == "backfill_needs_time"
    ok = scan(api, enterprise_code(api), "bf-2", backfill_reason="系统故障，补录", device_time=now.isoformat())
    assert ok.status_code == 201 and ok.json()["backfill"] is True


def test_emergency_visit_is_scanned_before_approval_and_approved_after(api: Api) -> None:
    now = dt.datetime.now(dt.UTC)
    visit = file_visit(
        api,
        as_="inspector-mkt1",
        origin="triggered",
        trigger_type="emergency",
        trigger_reason="证据可能灭失",
        window_start=(now - dt.timedelta(minutes=30)).isoformat(),
        window_end=(now + dt.timedelta(hours=2)).isoformat(),
    )
    assert scan(api, enterprise_code(api), "em-1").status_code == 201
    out = api.post(
        f"/api/v1/visits/{visit['id']}/checkout",
        as_="inspector-mkt1",
        json={"client_event_id": "em-out", "result": "case_opened"},
    )
    assert out.json()["status"] == "checked_out" and out.json()["approved_at"] is None
    approved = api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt").json()
    assert approved["status"] == "checked_out" and approved["approved_at"] is not None


@pytest.fixture
def strict_api(settings: Settings, world: World, backend: str) -> Iterator[Api]:
    app = create_app(dataclasses.replace(settings, emergency_approval_hours=0))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client=client, world=world, backend=backend)


def test_emergency_overdue_for_approval_is_flagged(strict_api: Api) -> None:
    api = strict_api
    now = dt.datetime.now(dt.UTC)
    visit = file_visit(
        api,
        as_="inspector-mkt1",
        origin="triggered",
        trigger_type="emergency",
        trigger_reason="突发",
        window_start=now.isoformat(),
        window_end=(now + dt.timedelta(hours=2)).isoformat(),
    )
    overdue = api.get("/api/v1/visits?emergency_overdue=true", as_="supervisor").json()
    assert [v["id"] for v in overdue["items"]] == [visit["id"]]
    assert overdue["items"][0]["emergency_overdue"] is True


@pytest.mark.parametrize("backend", ["postgres"])
def test_concurrent_duplicate_scans_make_one_record(api: Api) -> None:
    visit = live_visit(api)
    code = enterprise_code(api)
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: scan(api, code, "same-event"), range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(api.get(f"/api/v1/visits/{visit['id']}/scans", as_="supervisor").json()) == 1


@pytest.mark.parametrize("backend", ["postgres"])
def test_concurrent_first_scans_by_two_inspectors_make_one_arrival(api: Api) -> None:
    visit = live_visit(api)
    code = enterprise_code(api)
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(
            pool.map(lambda who: scan(api, code, f"first-{who}", as_=who), ["inspector-mkt1", "inspector-mkt2"])
        )
    assert sorted(r.json()["kind"] for r in responses) == ["arrival", "presence"]
    assert len(api.get(f"/api/v1/visits/{visit['id']}/scans", as_="supervisor").json()) == 2


def test_the_enterprise_prints_its_code_as_an_a4_poster(api: Api) -> None:
    url = enterprise_code(api)
    poster = api.get(f"/api/v1/enterprises/{USCC_A}/poster.png", as_="enterprise-a")
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(poster.content))
    assert image.size == (2480, 3508)
    small = image.convert("L").resize((827, 1169))
    found = zxingcpp.read_barcodes(small, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    assert [b.text for b in found] == [url]
    assert api.get(f"/api/v1/enterprises/{USCC_A}/poster.png", as_="supervisor").status_code == 200
    assert api.get(f"/api/v1/enterprises/{USCC_A}/poster.png", as_="enterprise-b").status_code == 404
    assert api.get(f"/api/v1/enterprises/{USCC_A}/poster.png", as_="inspector-mkt1").status_code == 404
    assert api.get(f"/api/v1/enterprises/{USCC_A}/poster.png").status_code == 401


def test_a_check_out_kept_offline_syncs_later_with_the_time_it_happened(
    api: Api, pinned_clock: time_machine.Traveller
) -> None:
    visit = live_visit(api)
    scan(api, enterprise_code(api), "evt-in")
    checked_in = dt.datetime.fromisoformat(
        api.get(f"/api/v1/visits/{visit['id']}", as_="inspector-mkt1").json()["checked_in_at"]
    )
    ended = checked_in + dt.timedelta(minutes=40)
    pinned_clock.shift(dt.timedelta(hours=3))  # the phone was offline; the outbox syncs three hours later

    def checkout(event: str, device_time: dt.datetime) -> Any:
        body = {"client_event_id": event, "result": "no_issue", "device_time": device_time.isoformat()}
        return api.post(f"/api/v1/visits/{visit['id']}/checkout", as_="inspector-mkt1", json=body)

    before = checkout("out-early", checked_in - dt.timedelta(minutes=10))
    assert before.status_code == 422 and before.json()["code"] == "checkout_before_checkin"
    ahead = checkout("out-ahead", dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert ahead.status_code == 400 and ahead.json()["code"] == "device_time_in_future"
    done = checkout("out-offline", ended)
    assert done.status_code == 200, done.text
    assert dt.datetime.fromisoformat(done.json()["checked_out_at"]) == ended
    trail = api.get("/api/v1/audit/events", as_="supervisor", params={"subject": f"visit:{visit['id']}"}).json()
    out = [e for e in trail["items"] if e["type"] == "checkout"][-1]
    assert dt.datetime.fromisoformat(out["payload"]["received_at"]) - ended > dt.timedelta(hours=2)

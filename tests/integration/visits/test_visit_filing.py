"""Filing (备案), approval, cancellation and re-scheduling through the API."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from tests.support.api import Api
from tests.support.visits import approved_visit, file_visit, visit_body, window
from tests.support.world import USCC_B, USCC_W


def refusal(api: Api, as_: str = "planner-mkt", **overrides: Any) -> dict[str, Any]:
    response = api.post("/api/v1/visits", as_=as_, json=visit_body(api, **overrides))
    assert response.status_code in (400, 403, 404, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()  # type: ignore[no-any-return]


def ids(api: Api, *certs: str) -> list[int]:
    return [api.world.inspector_ids[c] for c in certs]


def test_file_approve_and_fetch_a_code_that_decodes_to_the_url(api: Api) -> None:
    visit = file_visit(api)
    assert visit["status"] == "filed" and visit["catalogue_version"] > 0
    assert [i["cert_no"] for i in visit["inspectors"]] == ["MKT-C1", "MKT-C2"]
    assert api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").json()["code"] == "code_not_issued"

    approved = api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt").json()
    assert approved["status"] == "approved" and approved["approved_by"] == "approver-mkt"

    code = api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").json()
    assert code["url"].startswith("HTTP://127.0.0.1:8000/V/") and code["qr_version"] <= 11
    png = api.get(f"/api/v1/visits/{visit['id']}/code.png", as_="inspector-mkt1")
    assert png.headers["content-type"] == "image/png"
    decoded = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png.content)), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    assert [d.text for d in decoded] == [code["url"]]
    svg = api.get(f"/api/v1/visits/{visit['id']}/code.svg", as_="planner-mkt")
    assert svg.text.startswith("<svg")


def test_code_images_carry_an_etag_and_answer_304_to_a_phone_that_holds_them(api: Api) -> None:
    visit = approved_visit(api)
    for fmt in ("png", "svg"):
        path = f"/api/v1/visits/{visit['id']}/code.{fmt}"
        first = api.get(path, as_="inspector-mkt1")
        etag = first.headers["etag"]
        assert first.status_code == 200 and first.content and etag.startswith('"')
        headers = {**api.headers("inspector-mkt1"), "If-None-Match": f'"stale", W/{etag}'}
        again = api.client.get(path, headers=headers)
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        changed = api.client.get(path, headers={**api.headers("inspector-mkt1"), "If-None-Match": '"stale"'})
        assert changed.status_code == 200 and changed.content == first.content
        # the validator never lets anyone past the guards
        assert api.client.get(path, headers={"If-None-Match": etag}).status_code == 401
        other = {**api.headers("inspector-fire1"), "If-None-Match": etag}
        assert api.client.get(path, headers=other).status_code == 404
    png_etag = api.get(f"/api/v1/visits/{visit['id']}/code.png", as_="inspector-mkt1").headers["etag"]
    assert png_etag != api.get(f"/api/v1/visits/{visit['id']}/code.svg", as_="inspector-mkt1").headers["etag"]
    enterprise = api.get(f"/api/v1/enterprises/{visit['uscc']}/code.png", as_="enterprise-a")
    headers = {**api.headers("enterprise-a"), "If-None-Match": enterprise.headers["etag"]}
    assert api.client.get(f"/api/v1/enterprises/{visit['uscc']}/code.png", headers=headers).status_code == 304


def test_code_is_refused_to_others(api: Api) -> None:
    visit = approved_visit(api)
    assert api.get(f"/api/v1/visits/{visit['id']}/code.png", as_="inspector-fire1").status_code == 404
    assert api.get(f"/api/v1/visits/{visit['id']}/code", as_="enterprise-a").status_code == 403
    assert api.get(f"/api/v1/visits/{visit['id']}/code").status_code == 401


def test_only_the_lead_units_approver_approves(api: Api) -> None:
    visit = file_visit(api)
    assert api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-fire").status_code == 403
    assert api.post(f"/api/v1/visits/{visit['id']}/approve", as_="planner-mkt").status_code == 403
    assert api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt").status_code == 200
    again = api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt")
    assert again.status_code == 422 and again.json()["code"] == "already_approved"


def test_cancel_revokes_and_blocks_approval(api: Api) -> None:
    visit = approved_visit(api)
    assert api.post(f"/api/v1/visits/{visit['id']}/cancel", as_="planner-fire", json={"reason": "x"}).status_code == 403
    cancelled = api.post(f"/api/v1/visits/{visit['id']}/cancel", as_="planner-mkt", json={"reason": "企业停业"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").json()["code"] == "code_not_issued"
    again = api.post(f"/api/v1/visits/{visit['id']}/cancel", as_="planner-mkt", json={"reason": "x"})
    assert again.json()["code"] == "visit_not_cancellable"


def test_reschedule_needs_new_approval_and_a_new_code(api: Api) -> None:
    visit = approved_visit(api)
    old = api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").json()
    start, end = window(days_ahead=2)
    moved = api.post(
        f"/api/v1/visits/{visit['id']}/reschedule",
        as_="planner-mkt",
        json={"window_start": start, "window_end": end, "reason": "企业申请改期"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "filed" and moved.json()["approved_at"] is None
    api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt")
    new = api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").json()
    assert new["token"] != old["token"]


def test_joint_visit_with_a_scenario(api: Api) -> None:
    visit = file_visit(
        api,
        unit_codes=["MKT", "FIRE"],
        lead_unit_code="MKT",
        inspector_ids=ids(api, "MKT-C1", "FIRE-C1"),
        item_codes=["MKT-001", "FIRE-001"],
    )
    assert [u["code"] for u in visit["units"]] == ["FIRE", "MKT"]
    fire_view = api.get(f"/api/v1/visits/{visit['id']}", as_="planner-fire")
    assert fire_view.status_code == 200
    assert api.get(f"/api/v1/visits/{visit['id']}", as_="planner-mkt").status_code == 200
    assert api.get(f"/api/v1/visits/{visit['id']}", as_="enterprise-b").status_code == 404
    assert api.get(f"/api/v1/visits/{visit['id']}", as_="enterprise-a").json()["warnings"] == []


REFUSALS: list[tuple[str, dict[str, Any]]] = [
    ("too_few_inspectors", {"inspector_ids": "MKT-C1"}),
    ("inspector_auxiliary", {"inspector_ids": "MKT-C1,MKT-AUX"}),
    ("inspector_suspended", {"inspector_ids": "MKT-C1,MKT-SUS"}),
    ("certificate_not_valid", {"inspector_ids": "MKT-C1,MKT-EXP"}),
    ("inspector_not_in_visit_units", {"inspector_ids": "MKT-C1,FIRE-C1"}),
    ("item_not_published", {"item_codes": ["MKT-003"]}),
    ("item_not_of_visit_units", {"item_codes": ["FIRE-001"]}),
    ("no_disturbance_without_trigger", {"item_codes": ["MKT-ND"]}),
    ("whitelisted_without_trigger", {"uscc": USCC_W}),
    ("window_empty", {"window": (1, 9, 0)}),
    ("window_in_past", {"window": (-1, 9, 2)}),
    ("window_too_long", {"window": (1, 9, 30)}),
    ("unit_without_inspector", {"unit_codes": ["MKT", "FIRE"], "lead_unit_code": "MKT"}),
    ("lead_unit_required", {"unit_codes": ["MKT", "FIRE"], "inspector_ids": "MKT-C1,FIRE-C1"}),
    ("trigger_required", {"origin": "triggered"}),
    ("trigger_reason_required", {"origin": "triggered", "trigger_type": "complaint"}),
    ("planned_with_trigger", {"trigger_type": "complaint"}),
    ("plan_task_not_found", {"plan_task_id": 12345}),
    ("enterprise_not_found", {"uscc": "91350100M000100Y43"}),
    ("invalid_uscc", {"uscc": "91350100M000100Y44"}),
    ("service_visit_with_items", {"kind": "service", "service_type": "publicity"}),
    ("service_type_required", {"kind": "service", "item_codes": []}),
]


@pytest.mark.parametrize(("code", "change"), REFUSALS, ids=[c for c, _ in REFUSALS])
def test_each_refusal_has_its_own_code(api: Api, code: str, change: dict[str, Any]) -> None:
    change = dict(change)
    if isinstance(change.get("inspector_ids"), str):
        change["inspector_ids"] = ids(api, *change["inspector_ids"].split(","))
    if "window" in change:
        days, hour, hours = change.pop("window")
        start, end = window(days, hour, hours)
        change.update(window_start=start, window_end=end)
    body = refusal(api, **change)
    assert body["code"] == code, body
    assert body["detail"]


def test_trigger_must_be_allowed_by_the_library(api: Api) -> None:
    body = refusal(
        api, item_codes=["MKT-ND"], origin="triggered", trigger_type="enterprise_request", trigger_reason="企业申请"
    )
    assert body["code"] == "trigger_not_allowed_for_item"
    ok = api.post(
        "/api/v1/visits",
        as_="planner-mkt",
        json=visit_body(
            api,
            item_codes=["MKT-ND"],
            origin="triggered",
            trigger_type="complaint",
            trigger_ref="12345-投诉",
            trigger_reason="群众投诉",
        ),
    )
    assert ok.status_code == 201


def test_whitelisted_enterprise_with_a_trigger_is_allowed(api: Api) -> None:
    visit = file_visit(api, uscc=USCC_W, origin="triggered", trigger_type="referral", trigger_reason="上级转办")
    assert visit["origin"] == "triggered"


def test_caps_refuse_planned_and_warn_triggered(api: Api) -> None:
    # MKT-002 allows one inspection a year of the enterprise.
    file_visit(api, item_codes=["MKT-002"])
    start, end = window(days_ahead=3)
    refused = refusal(api, item_codes=["MKT-002"], window_start=start, window_end=end)
    assert refused["code"] == "item_cap_exceeded"
    warned = file_visit(
        api,
        item_codes=["MKT-002"],
        window_start=start,
        window_end=end,
        origin="triggered",
        trigger_type="complaint",
        trigger_reason="投诉",
    )
    assert "item_cap_exceeded" in [w["code"] for w in warned["warnings"]]


def test_unit_yearly_cap(api: Api) -> None:
    for days in (1, 8):
        start, end = window(days_ahead=days)
        file_visit(api, uscc=USCC_B, item_codes=["MKT-001"], window_start=start, window_end=end)
    start, end = window(days_ahead=15)
    refused = refusal(api, uscc=USCC_B, item_codes=["MKT-001"], window_start=start, window_end=end)
    assert refused["code"] in ("unit_cap_exceeded", "item_cap_exceeded")


def test_frequency_warning_counts_a_joint_visit_once(api: Api) -> None:
    file_visit(api, item_codes=["MKT-001"])
    start, end = window(days_ahead=1, hour=14)
    second = file_visit(
        api,
        as_="planner-fire",
        unit_codes=["FIRE"],
        inspector_ids=ids(api, "FIRE-C1", "FIRE-C2"),
        item_codes=["FIRE-002"],
        window_start=start,
        window_end=end,
    )
    assert [w["code"] for w in second["warnings"]] == ["enterprise_daily_limit"]
    listed = api.get(f"/api/v1/visits/{second['id']}", as_="supervisor").json()
    assert listed["warnings"][0]["code"] == "enterprise_daily_limit"


def test_emergency_may_be_filed_by_the_inspector_during_the_visit(api: Api) -> None:
    now = dt.datetime.now(dt.UTC)
    start, end = (now - dt.timedelta(hours=1)).isoformat(), (now + dt.timedelta(hours=3)).isoformat()
    visit = file_visit(
        api,
        as_="inspector-mkt1",
        origin="triggered",
        trigger_type="emergency",
        trigger_reason="发现违法行为，证据可能灭失",
        window_start=start,
        window_end=end,
    )
    assert visit["is_emergency"] and visit["approval_due_at"] is not None and not visit["emergency_overdue"]
    not_emergency = refusal(api, as_="inspector-mkt1")
    assert not_emergency["code"] == "not_your_unit"


def test_visit_keeps_the_catalogue_version_it_was_filed_under(api: Api) -> None:
    visit = file_visit(api)
    api.patch("/api/v1/items/MKT-002", as_="planner-mkt", json={"name": "改名", "reason": "更新"})
    assert (
        api.get(f"/api/v1/visits/{visit['id']}", as_="supervisor").json()["catalogue_version"]
        == visit["catalogue_version"]
    )
    newer = file_visit(api, uscc=USCC_B)
    assert newer["catalogue_version"] == visit["catalogue_version"] + 1


def test_bad_inputs_are_problems_not_500s(api: Api) -> None:
    naive = api.post("/api/v1/visits", as_="planner-mkt", json=visit_body(api, window_start="2030-01-01T09:00:00"))
    assert naive.status_code == 400 and naive.json()["field"] == "window_start"
    headers = {**api.headers("planner-mkt"), "content-type": "application/json"}
    assert api.client.post("/api/v1/visits", content=b"{", headers=headers).status_code == 400
    assert api.get("/api/v1/visits/999999", as_="supervisor").status_code == 404
    assert api.post("/api/v1/visits", as_="enterprise-a", json=visit_body(api)).status_code == 403


def test_vocabularies_accept_the_chinese_words_and_reads_return_code_and_word(api: Api) -> None:
    # A planner types 服务性活动 / 调研 / 计划内检查 as the README lists them; the visit keeps the codes.
    visit = file_visit(api, kind="服务性活动", service_type="调研", origin="计划内检查", item_codes=[])
    assert (visit["kind"], visit["service_type"], visit["origin"]) == ("service", "research", "planned")
    assert visit["labels"] == {
        "status": "已备案待批准",
        "kind": "服务性活动",
        "service_type": "调研",
        "origin": "计划内检查",
    }
    unknown = refusal(api, kind="服务性活动", service_type="喝茶", item_codes=[])
    assert unknown["code"] == "validation_error"


def test_a_refusal_is_chinese_by_default_and_english_on_request(api: Api) -> None:
    start, end = window(-1, 9, 2)
    body = visit_body(api, window_start=start, window_end=end)
    chinese = api.post("/api/v1/visits", as_="planner-mkt", json=body).json()
    english = api.client.post(
        "/api/v1/visits", json=body, headers={**api.headers("planner-mkt"), "Accept-Language": "en-US,en;q=0.9"}
    ).json()
    assert chinese["code"] == english["code"]
    assert chinese["detail"] == "时间段的开始时间已过；检查须在实施前报备。" and chinese["title"] == "不符合规定"
    assert english["detail"] == "The time window starts in the past; visits are filed before they happen."

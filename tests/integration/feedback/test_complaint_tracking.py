"""Complaint tracking: a code shown once, a public status page, feedback and 澄清保护 (实施办法第二十二条)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from models.visit_tables import Complaint
from tests.support.api import Api
from tests.support.supervision import advance, complain, problem, run_in_app
from tests.support.visits import approved_visit
from tests.support.world import PASSWORD

HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_the_tracking_code_is_shown_once_and_follows_the_complaint(api: Api) -> None:
    receipt = complain(api).json()
    code = receipt["tracking_code"]
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)
    assert receipt["tracking_url"].endswith(f"/public/complaints/{code}")
    stored = run_in_app(api, Complaint.select(Complaint.tracking_hash).where(Complaint.id == receipt["id"]).first())
    assert code not in str(stored) and len(stored["tracking_hash"]) == 64  # only the hash is kept
    detail = api.get(f"/api/v1/complaints/{receipt['id']}", as_="supervisor").json()
    assert code not in str(detail)  # never in a read
    # A retry with the same client event id gets the same answer (the phone may have lost the first).
    assert complain(api).json()["tracking_code"] == code
    assert complain(api, client_event_id="c-2").json()["tracking_code"] != code

    tracked = api.get(f"/api/v1/public/complaints/{code}").json()
    assert tracked["status"] == "received" and tracked["status_text"] == "已受理（立案）"
    assert tracked["result"] == "" and tracked["reference"] == receipt["reference"]
    assert "description" not in tracked and "contact" not in tracked
    # Typed by hand: lower case, no dashes, O for 0 — the same complaint.
    assert api.get(f"/public/complaints/{code.replace('-', '').lower()}").json()["reference"] == receipt["reference"]
    english = api.client.get(f"/api/v1/public/complaints/{code}", headers={"Accept-Language": "en"}).json()
    assert english["status_text"] == "Received (立案)"

    problem(api.get("/api/v1/public/complaints/AAAA-AAAA-AAAA-AAAA"), 404, "tracking_code_unknown")
    problem(api.get("/api/v1/public/complaints/not-a-code"), 404, "tracking_code_unknown")


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_the_browser_gets_a_chinese_page_without_outside_hosts(api: Api) -> None:
    code = complain(api).json()["tracking_code"]
    page = api.client.get(f"/public/complaints/{code}", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "投诉办理进度" in page.text and "已受理" in page.text and "检查人员态度粗暴" not in page.text
    assert 'name="viewport"' in page.text and "https://" not in page.text.replace("https://testserver", "")
    assert page.headers["cache-control"] == "no-store"
    missing = api.client.get("/public/complaints/AAAA-AAAA-AAAA-AAAA", headers=HTML)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_a_named_complainant_gets_the_result_and_an_untrue_complaint_clears_the_inspectors(api: Api) -> None:
    visit = approved_visit(api)
    token_response = api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1")
    receipt = complain(api, as_="enterprise-a", token=token_response.json()["token"]).json()
    complaint_id, code = receipt["id"], receipt["tracking_code"]
    advance(api, complaint_id, "verifying", note="调查人员：甲、乙")
    problem(advance(api, complaint_id, "determined"), 422, "finding_required")
    problem(advance(api, complaint_id, "verifying", finding="untrue"), 422, "invalid_transition")
    determined = advance(api, complaint_id, "determined", finding="untrue", note="执法记录仪显示执法规范").json()
    assert determined["finding"] == "untrue"
    cleared = {c["inspector_id"] for c in determined["cleared_inspectors"]}
    assert cleared == {api.world.inspector_ids["MKT-C1"], api.world.inspector_ids["MKT-C2"]}
    assert all(
        c["note"] == "执法记录仪显示执法规范" and c["cleared_by"] == "supervisor"
        for c in determined["cleared_inspectors"]
    )

    fed_back = advance(api, complaint_id, "feedback").json()
    assert fed_back["feedback_mode"] == "named" and fed_back["fed_back_at"] is not None
    assert fed_back["result_summary"] == "经核实，投诉反映的问题不属实。"
    assert api.get(f"/api/v1/public/complaints/{code}").json()["result"] == ""  # shown once closed
    advance(api, complaint_id, "archived", note="不属实，无需纠错")
    closed = api.get(f"/api/v1/public/complaints/{code}").json()
    assert closed["status"] == "archived" and closed["result"] == "经核实，投诉反映的问题不属实。"
    assert closed["fed_back"] is True and closed["closed_at"] is not None

    events = api.get(f"/api/v1/audit/events?subject=complaint:{complaint_id}", as_="supervisor").json()["items"]
    assert {"complaint.clearance", "complaint.fed_back"} <= {e["type"] for e in events}


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_an_anonymous_complaint_is_explained_in_the_supervisors_own_words(api: Api) -> None:
    receipt = complain(api).json()
    complaint_id = receipt["id"]
    advance(api, complaint_id, "verifying")
    advance(api, complaint_id, "determined", finding="substantiated")
    fed_back = advance(api, complaint_id, "feedback", result="已责令相关单位整改并加强教育。").json()
    assert fed_back["feedback_mode"] == "anonymous" and fed_back["cleared_inspectors"] == []
    advance(api, complaint_id, "rectified")
    advance(api, complaint_id, "archived")
    closed = api.get(f"/api/v1/public/complaints/{receipt['tracking_code']}").json()
    assert closed["result"] == "已责令相关单位整改并加强教育。" and closed["status_text"] == "已办结（归档）"


def test_the_tracking_page_shows_overdue_as_the_due_date_passes(api: Api, pinned_clock: time_machine.Traveller) -> None:
    receipt = complain(api).json()
    due = dt.datetime.fromisoformat(receipt["due_at"])
    received = dt.datetime.fromisoformat(
        api.get(f"/api/v1/public/complaints/{receipt['tracking_code']}").json()["received_at"]
    )
    assert due - received == dt.timedelta(days=30)
    assert api.get("/api/v1/complaints?overdue=true", as_="supervisor").json()["total"] == 0
    pinned_clock.shift(dt.timedelta(days=30, minutes=1))
    assert api.get("/api/v1/complaints?overdue=true", as_="supervisor").json()["total"] == 1


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_the_supervisors_complaint_list_shows_the_finding_and_the_feedback(api: Api) -> None:
    complaint_id = complain(api, contact="138****0000").json()["id"]
    advance(api, complaint_id, "verifying")
    advance(api, complaint_id, "determined", finding="no_evidence")
    advance(api, complaint_id, "feedback")
    login = {"username": "supervisor", "password": PASSWORD}
    assert api.client.post("/dashboard/login", data=login, follow_redirects=False).status_code == 303
    page = api.client.get("/dashboard/complaints").text
    assert "查无实据" in page and "已向投诉人反馈" in page

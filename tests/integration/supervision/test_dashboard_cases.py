"""The supervisor's dashboard shows the open and overdue 容错纠错 cases where a supervisor looks first."""

from __future__ import annotations

import datetime as dt

import time_machine

from tests.support.api import Api
from tests.support.cases import open_case
from tests.support.world import PASSWORD


def login(api: Api, username: str) -> None:
    response = api.client.post(
        "/dashboard/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def test_overdue_cases_are_on_the_dashboards_first_screen(api: Api, pinned_clock: time_machine.Traveller) -> None:
    late = open_case(api, title="未按规定扫码入企", inspector_ids=[api.world.inspector_ids["MKT-C1"]])
    pinned_clock.shift(dt.timedelta(days=10))
    fresh = open_case(api, title="检查频次过多")
    pinned_clock.shift(dt.timedelta(days=21))
    login(api, "supervisor")
    page = api.client.get("/dashboard")
    assert page.status_code == 200
    box = page.text.split('id="cases-box"', 1)[1].split("</section>", 1)[0]
    assert 'data-value="2"' in box and 'data-value="1"' in box  # two open, one overdue
    assert late["reference"] in box and fresh["reference"] not in box
    assert "决定超期" in box

    listing = api.client.get("/dashboard/cases?overdue=true")
    assert listing.status_code == 200 and late["reference"] in listing.text and fresh["reference"] not in listing.text
    everything = api.client.get("/dashboard/cases")
    assert late["reference"] in everything.text and fresh["reference"] in everything.text
    detail = api.client.get(f"/dashboard/cases/{late['id']}")
    assert detail.status_code == 200 and "未按规定扫码入企" in detail.text and "未听取" in detail.text
    assert "决定超期" in detail.text


def test_unit_staff_do_not_get_the_supervisors_pages(api: Api) -> None:
    case = open_case(api)
    for path in ("/dashboard/cases", f"/dashboard/cases/{case['id']}"):
        response = api.client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/dashboard/login")
    form = {"username": "planner-mkt", "password": PASSWORD, "next": f"/dashboard/cases/{case['id']}"}
    logged_in = api.client.post("/dashboard/login", data=form, follow_redirects=False)
    assert logged_in.status_code == 303 and logged_in.headers["location"] == "/dashboard/documents"
    for path in ("/dashboard", "/dashboard/cases", f"/dashboard/cases/{case['id']}", "/dashboard/visits"):
        denied = api.client.get(path, follow_redirects=False)
        assert denied.status_code == 403 and "无权访问" in denied.text and case["reference"] not in denied.text
        assert 'href="/dashboard/documents"' in denied.text  # the way to what they may read
    api.client.cookies.clear()
    inspector = api.client.post("/dashboard/login", data={"username": "inspector-mkt1", "password": PASSWORD})
    assert inspector.status_code == 403 and "/dashboard/documents" not in inspector.text


def test_a_unit_reads_the_documents_sent_to_it_in_the_browser_and_no_others(api: Api) -> None:
    mine = {"kind": "opinion", "unit_code": "MKT", "title": "检查频次过多，请说明", "response_due_at": _due(7)}
    theirs = {"kind": "opinion", "unit_code": "FIRE", "title": "消防检查未报备", "response_due_at": _due(7)}
    to_mkt = api.post("/api/v1/supervision/documents", as_="supervisor", json=mine).json()
    to_fire = api.post("/api/v1/supervision/documents", as_="supervisor", json=theirs).json()
    login(api, "approver-mkt")
    listing = api.client.get("/dashboard/documents")
    assert listing.status_code == 200 and to_mkt["number"] in listing.text and to_fire["number"] not in listing.text
    printable = api.client.get(f"/dashboard/documents/{to_mkt['id']}")
    assert printable.status_code == 200 and "检查频次过多，请说明" in printable.text
    other = api.client.get(f"/dashboard/documents/{to_fire['id']}")
    assert other.status_code == 404 and "消防检查未报备" not in other.text


def _due(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


def test_unanswered_documents_past_their_deadline_are_flagged(api: Api, pinned_clock: time_machine.Traveller) -> None:
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).isoformat()
    body = {"kind": "urging", "unit_code": "MKT", "title": "督办：整改频繁检查", "response_due_at": due}
    urging = api.post("/api/v1/supervision/documents", as_="supervisor", json=body).json()
    login(api, "supervisor")
    assert 'id="documents-overdue" data-value="0"' in api.client.get("/dashboard").text
    pinned_clock.shift(dt.timedelta(days=6))
    login(api, "supervisor")
    page = api.client.get("/dashboard").text
    assert 'id="documents-overdue" data-value="1"' in page and urging["number"] in page
    listing = api.client.get("/dashboard/documents?overdue=true")
    assert listing.status_code == 200 and urging["number"] in listing.text
    printable = api.client.get(f"/dashboard/documents/{urging['id']}")
    assert (
        printable.status_code == 200 and "行政执法监督督办通知" in printable.text and "已逾期未答复" in printable.text
    )

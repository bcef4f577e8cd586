"""执法监督 documents: 意见书/决定书/督办 with a response deadline the unit answers by, 约谈, 通报, and the
hand-over of a case to 纪检监察; printable pages in Chinese."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine

from tests.support.api import Api
from tests.support.cases import ok, open_case
from tests.support.supervision import problem

DOCS = "/api/v1/supervision/documents"
HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


def issue(api: Api, **fields: Any) -> Any:
    body = {"kind": "opinion", "unit_code": "MKT", "title": "检查频次过多", **fields}
    return api.post(DOCS, as_="supervisor", json=body)


def due(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_an_opinion_is_answered_by_the_unit_and_overdue_when_it_is_not(
    api: Api, pinned_clock: time_machine.Traveller
) -> None:
    problem(issue(api), 422, "response_due_required")
    problem(issue(api, response_due_at=due(-1)), 422, "response_due_past")
    opinion = ok(
        issue(api, findings="同一企业一个月内检查4次", requirements="立即整改，合并检查", response_due_at=due(15)), 201
    )
    assert re.fullmatch(r"监意〔2026〕\d+号", opinion["number"]) and opinion["kind_text"] == "行政执法监督意见书"
    decision = ok(issue(api, kind="decision", unit_code="FIRE", title="撤销违法检查", response_due_at=due(10)), 201)
    assert decision["number"].startswith("监决〔2026〕")

    assert [d["id"] for d in ok(api.get(DOCS, as_="planner-mkt"))["items"]] == [opinion["id"]]
    problem(api.get(f"{DOCS}/{decision['id']}", as_="planner-mkt"), 404, "document_not_found")
    problem(api.get(DOCS, as_="inspector-mkt1"), 403, "forbidden")
    problem(
        api.post(f"{DOCS}/{decision['id']}/response", as_="planner-mkt", json={"response": "x"}),
        404,
        "document_not_found",
    )

    pinned_clock.shift(dt.timedelta(days=11))
    overdue = ok(api.get(f"{DOCS}?overdue=true", as_="supervisor"))["items"]
    assert [d["id"] for d in overdue] == [decision["id"]] and overdue[0]["overdue"] is True
    answered = ok(
        api.post(f"{DOCS}/{opinion['id']}/response", as_="approver-mkt", json={"response": "已整改，合并为联合检查"})
    )
    assert answered["responded_by"] == "approver-mkt" and answered["overdue"] is False
    again = api.post(f"{DOCS}/{opinion['id']}/response", as_="planner-mkt", json={"response": "再答复"})
    problem(again, 422, "already_responded")
    events = api.get(f"/api/v1/audit/events?subject=document:{opinion['id']}", as_="supervisor").json()["items"]
    assert [e["type"] for e in events] == ["document.issued", "document.responded"]


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_interviews_circulars_and_a_hand_over_to_discipline_inspection(api: Api) -> None:
    problem(issue(api, kind="interview", recipient="市场监管局局长"), 422, "held_at_required")
    interview = ok(issue(api, kind="interview", recipient="市场监管局局长", held_at=due(0), findings="约谈纪要"), 201)
    assert interview["response_due_at"] is None and interview["overdue"] is False
    circular = ok(issue(api, kind="circular", recipient="全区各行政执法部门", findings="典型问题通报"), 201)
    problem(
        api.post(f"{DOCS}/{circular['id']}/response", as_="planner-mkt", json={"response": "x"}),
        422,
        "no_response_expected",
    )
    problem(issue(api, kind="discipline_referral", recipient="区纪委监委"), 422, "case_required")
    case = open_case(api, title="索要礼品")
    referral = ok(
        issue(api, kind="discipline_referral", recipient="区纪委监委", case_id=case["id"], findings="涉嫌违纪"), 201
    )
    assert referral["number"].startswith("监移〔2026〕")
    events = ok(api.get(f"/api/v1/supervision/cases/{case['id']}", as_="supervisor"))["events"]
    assert events[-1]["action"] == "doc.discipline_referral" and events[-1]["note"] == referral["number"]
    problem(issue(api, kind="circular", unit_code="NOPE"), 404, "unit_not_found")
    problem(
        api.post(DOCS, as_="planner-mkt", json={"kind": "circular", "unit_code": "MKT", "title": "x"}), 403, "forbidden"
    )


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_a_document_prints_as_a_chinese_page_without_outside_hosts(api: Api) -> None:
    opinion = ok(issue(api, findings="未按计划检查", requirements="限期整改", response_due_at=due(15)), 201)
    page = api.client.get(f"{DOCS}/{opinion['id']}", headers={**HTML, **api.headers("planner-mkt")})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "行政执法监督意见书" in text and opinion["number"] in text and "请于2026年06月25日前" in text
    assert 'name="viewport"' in text and "http://" not in text and "https://" not in text and "<script" not in text
    assert "max-width:800px" in text  # fluid below 800 px: readable on a 360 px phone
    as_json = api.get(f"{DOCS}/{opinion['id']}", as_="planner-mkt")
    assert as_json.headers["content-type"].startswith("application/json")

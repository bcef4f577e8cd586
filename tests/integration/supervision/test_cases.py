"""履职尽责容错纠错 cases (实施办法第十四条 to 第二十条): steps, people, grounds, deadlines and the unit's answers."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.support.api import Api
from tests.support.cases import CASES, act, determined, ok, open_case, verified
from tests.support.supervision import complain, problem
from tests.support.visits import approved_visit

DAY = dt.timedelta(days=1)


def mkt_people(api: Api) -> list[int]:
    return [api.world.inspector_ids["MKT-C1"], api.world.inspector_ids["MKT-C2"]]


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_a_case_from_a_complaint_goes_through_every_step(api: Api) -> None:
    visit = approved_visit(api)
    token = api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").json()["token"]
    complaint = complain(api, token=token).json()
    case = open_case(
        api, source="complaint", complaint_id=complaint["id"], unit_code=None, error_kind="no_scan", note="群众投诉"
    )
    assert case["reference"].startswith("RC-") and case["step"] == "opened" and case["unit_code"] == "MKT"
    assert case["visit_id"] == visit["id"] and {p["inspector_id"] for p in case["persons"]} == set(mkt_people(api))
    assert case["source_ref"] == complaint["reference"]
    opened_at = dt.datetime.fromisoformat(case["opened_at"])
    assert dt.datetime.fromisoformat(case["decision_due_at"]) == opened_at + 30 * DAY

    problem(act(api, case["id"], "advance", to="determined"), 422, "invalid_step")
    problem(act(api, case["id"], "advance", to="verifying"), 422, "investigators_required")
    problem(act(api, case["id"], "investigators", usernames=["supervisor", "planner-mkt"]), 422, "investigator_unknown")
    ok(act(api, case["id"], "investigators", usernames=["supervisor", "admin"]))
    ok(act(api, case["id"], "advance", to="verifying", note="调取执法记录仪"))
    problem(
        act(api, case["id"], "advance", to="determined", determination="exempted", grounds=["10.6"]),
        422,
        "statement_missing",
    )
    first, second = mkt_people(api)
    problem(act(api, case["id"], "statements", inspector_id=first), 422, "statement_required")
    ok(act(api, case["id"], "statements", inspector_id=first, statement="应急处置，来不及扫码"))
    ok(act(api, case["id"], "statements", inspector_id=second, waived=True))
    problem(act(api, case["id"], "advance", to="determined", grounds=["10.6"]), 422, "determination_required")
    problem(act(api, case["id"], "advance", to="determined", determination="exempted"), 422, "grounds_required")
    problem(
        act(api, case["id"], "advance", to="determined", determination="exempted", grounds=["12.1"]),
        422,
        "grounds_mismatch",
    )
    problem(
        act(api, case["id"], "advance", to="determined", determination="exempted", grounds=["10.11"]),
        422,
        "invalid_ground",
    )
    problem(
        act(api, case["id"], "advance", to="determined", determination="mitigated", grounds=["11.4"]),
        422,
        "invalid_ground",
    )
    case = ok(
        act(api, case["id"], "advance", to="determined", determination="exempted", grounds=["10.6"], note="突发事件")
    )
    assert (
        case["determination"] == "exempted" and case["grounds"] == ["10.6"] and case["grounds_text"] == ["第十条（六）"]
    )
    notice_due = dt.datetime.fromisoformat(case["deadlines"]["notice"])
    assert notice_due == dt.datetime.fromisoformat(case["determined_at"]) + 7 * DAY
    case = ok(act(api, case["id"], "advance", to="notified", note="已书面告知市场监管局及当事人"))
    problem(act(api, case["id"], "advance", to="archived"), 422, "note_required")
    case = ok(act(api, case["id"], "advance", to="archived", note="予以免责，不作为执法错误认定"))
    assert case["step"] == "archived" and case["archived_at"] and case["overdue"] == []
    assert [e["action"] for e in case["events"]] == [
        "opened",
        "investigators",
        "step",
        "statement",
        "statement",
        "step",
        "step",
        "step",
    ]
    assert {e["actor"] for e in case["events"]} == {"supervisor"}
    audit = api.get(f"/api/v1/audit/events?subject=case:{case['id']}", as_="supervisor").json()["items"]
    assert [e["type"] for e in audit].count("case.step") == 4 and "case.opened" in {e["type"] for e in audit}


def test_the_decision_is_due_in_30_days_extended_once_by_at_most_30(
    api: Api, pinned_clock: time_machine.Traveller
) -> None:
    case = open_case(api, inspector_ids=mkt_people(api))

    def overdue() -> list[int]:
        return [c["id"] for c in ok(api.get(f"{CASES}?overdue=true", as_="supervisor"))["items"]]

    pinned_clock.shift(29 * DAY)
    assert overdue() == []
    problem(
        act(api, case["id"], "extension", days=31, reason="情况复杂", approved_by="局长"), 422, "extension_too_long"
    )
    extended = ok(act(api, case["id"], "extension", days=20, reason="需委托鉴定", approved_by="局长"))
    assert extended["extension_days"] == 20 and extended["extension_approved_by"] == "局长"
    problem(act(api, case["id"], "extension", days=5, reason="再延", approved_by="局长"), 422, "extension_used")
    pinned_clock.shift(2 * DAY)  # day 31: within the extended 50 days
    assert overdue() == []
    pinned_clock.shift(20 * DAY)  # day 51
    assert overdue() == [case["id"]]
    late = ok(api.get(f"{CASES}/{case['id']}", as_="supervisor"))
    assert late["overdue"] == ["decision"] and late["overdue_text"] == ["决定超期（立案之日起30日，第十七条）"]


def test_an_extension_is_approved_before_the_30_days_run_out(api: Api, pinned_clock: time_machine.Traveller) -> None:
    case = open_case(api)
    pinned_clock.shift(31 * DAY)
    problem(act(api, case["id"], "extension", days=10, reason="迟了", approved_by="局长"), 422, "extension_late")


def test_notice_within_7_days_and_review_within_15_then_decided_within_30(
    api: Api, pinned_clock: time_machine.Traveller
) -> None:
    case = open_case(api, inspector_ids=mkt_people(api))
    determined(api, case["id"], "fulfilled", ["9.1"])
    pinned_clock.shift(8 * DAY)
    assert ok(api.get(f"{CASES}/{case['id']}", as_="supervisor"))["overdue"] == ["notice"]
    ok(act(api, case["id"], "advance", to="notified"))
    pinned_clock.shift(16 * DAY)
    problem(act(api, case["id"], "review", as_="planner-mkt", reason="不服"), 422, "review_window_closed")

    other = open_case(api, inspector_ids=mkt_people(api))
    determined(api, other["id"], "not_tolerated", ["12.3"])
    ok(act(api, other["id"], "advance", to="notified"))
    problem(act(api, other["id"], "review", as_="planner-fire", reason="不服"), 404, "case_not_found")
    problem(act(api, other["id"], "review", as_="inspector-mkt1", reason="不服"), 403, "forbidden")
    reviewed = ok(act(api, other["id"], "review", as_="approver-mkt", reason="已按程序公示，不应认定"))
    assert reviewed["review_requested_at"] and "review_decision" in reviewed["deadlines"]
    problem(act(api, other["id"], "review", as_="approver-mkt", reason="再申请"), 422, "review_already_requested")
    problem(act(api, other["id"], "advance", to="correcting"), 422, "correction_terms_required")
    pinned_clock.shift(31 * DAY)
    assert ok(api.get(f"{CASES}/{other['id']}", as_="supervisor"))["overdue"] == ["review_decision"]
    revised = ok(
        act(
            api,
            other["id"],
            "review-decision",
            outcome="revised",
            note="复核改为从轻",
            determination="mitigated",
            grounds=["11.1"],
        )
    )
    assert (
        revised["determination"] == "mitigated" and revised["review_outcome"] == "revised" and revised["overdue"] == []
    )


def test_a_repeat_after_exemption_is_not_tolerated_and_corrected_by_a_deadline(
    api: Api, pinned_clock: time_machine.Traveller
) -> None:
    first_person = mkt_people(api)[:1]
    earlier = open_case(api, inspector_ids=first_person, error_kind="no_scan")
    determined(api, earlier["id"], "exempted", ["10.6"])

    again = open_case(api, inspector_ids=first_person, error_kind="no_scan", title="再次未扫码入企")
    verified(api, again["id"])
    problem(
        act(api, again["id"], "advance", to="determined", determination="exempted", grounds=["10.6"]),
        422,
        "repeat_after_exemption",
    )
    problem(
        act(api, again["id"], "advance", to="determined", determination="mitigated", grounds=["11.1"]),
        422,
        "repeat_after_exemption",
    )
    case = ok(act(api, again["id"], "advance", to="determined", determination="not_tolerated", grounds=["12.5"]))
    assert case["grounds_text"] == ["第十二条（五）"]
    ok(act(api, again["id"], "advance", to="notified"))
    problem(act(api, again["id"], "advance", to="archived", note="结案"), 422, "correction_required")
    due = (dt.datetime.now(dt.UTC) + 10 * DAY).isoformat()
    case = ok(
        act(api, again["id"], "advance", to="correcting", requirements="全员培训扫码入企规定", correction_due_at=due)
    )
    assert case["correction_requirements"] == "全员培训扫码入企规定"

    problem(
        act(api, again["id"], "correction-extension", as_="planner-fire", days=10, reason="x"), 404, "case_not_found"
    )
    ok(act(api, again["id"], "correction-extension", as_="planner-mkt", days=10, reason="培训排期在月底"))
    problem(
        act(api, again["id"], "correction-extension", as_="planner-mkt", days=5, reason="再延"),
        422,
        "correction_extension_closed",
    )
    granted = ok(act(api, again["id"], "correction-extension-decision", approve=True, note="同意"))
    assert granted["correction_extension_days"] == 10
    pinned_clock.shift(15 * DAY)
    assert ok(api.get(f"{CASES}/{again['id']}", as_="planner-mkt"))["overdue"] == []
    pinned_clock.shift(6 * DAY)
    assert ok(api.get(f"{CASES}/{again['id']}", as_="planner-mkt"))["overdue"] == ["correction"]
    problem(act(api, again["id"], "advance", to="archived"), 422, "correction_not_completed")
    ok(act(api, again["id"], "correction-report", as_="approver-mkt", report="已完成培训，附签到表"))
    archived = ok(act(api, again["id"], "advance", to="archived", note="整改完成"))
    assert archived["step"] == "archived" and archived["overdue"] == []


def test_a_case_handed_to_the_unit_is_handled_in_30_days_and_reported_in_7(
    api: Api, pinned_clock: time_machine.Traveller
) -> None:
    case = open_case(api, inspector_ids=mkt_people(api))
    problem(act(api, case["id"], "unit-report", as_="planner-mkt", result="x"), 422, "not_handed_over")
    handed = ok(act(api, case["id"], "hand-over", note="移交市场监管局自行调查"))
    assert "unit_handling" in handed["deadlines"]
    pinned_clock.shift(31 * DAY)
    assert ok(api.get(f"{CASES}/{case['id']}", as_="supervisor"))["overdue"] == ["decision", "unit_handling"]
    pinned_clock.shift(7 * DAY)
    assert "unit_report" in ok(api.get(f"{CASES}/{case['id']}", as_="supervisor"))["overdue"]
    listed = ok(api.get(CASES, as_="planner-mkt"))
    assert [c["id"] for c in listed["items"]] == [case["id"]]
    assert ok(api.get(CASES, as_="planner-fire"))["total"] == 0
    problem(api.get(CASES, as_="inspector-mkt1"), 403, "forbidden")
    reported = ok(act(api, case["id"], "unit-report", as_="planner-mkt", result="已自查，属程序瑕疵"))
    assert reported["unit_result"] == "已自查，属程序瑕疵" and "unit_report" not in reported["overdue"]
    ok(act(api, case["id"], "advance", to="verifying"))  # the unit investigated: no investigators needed
    case = ok(act(api, case["id"], "advance", to="determined", determination="mitigated", grounds=["10.4", "11.2"]))
    assert case["grounds_text"] == ["第十条（四）", "第十一条（二）"]


def test_cases_open_from_every_source_and_bad_input_is_a_problem(api: Api) -> None:
    for source in ("referral_12345", "metric_warning", "manual"):
        assert open_case(api, source=source, source_ref="12345-0001")["source"] == source
    problem(api.post(CASES, as_="supervisor", json={"source": "manual", "title": "x"}), 422, "unit_required")
    problem(api.post(CASES, as_="supervisor", json={"source": "complaint", "title": "x"}), 422, "complaint_required")
    bad = {"source": "unfiled_attempt", "title": "x", "source_ref": "999999"}
    problem(api.post(CASES, as_="supervisor", json=bad), 404, "unfiled_attempt_not_found")
    problem(
        api.post(CASES, as_="supervisor", json={"source": "manual", "title": "x", "unit_code": "NOPE"}),
        404,
        "unit_not_found",
    )
    problem(
        api.post(CASES, as_="planner-mkt", json={"source": "manual", "title": "x", "unit_code": "MKT"}),
        403,
        "forbidden",
    )
    with_file = {"source": "manual", "title": "x", "unit_code": "MKT", "attachments": ["a" * 64]}
    problem(api.post(CASES, as_="supervisor", json=with_file), 422, "attachment_unknown")
    problem(api.get(f"{CASES}/999999", as_="supervisor"), 404, "case_not_found")

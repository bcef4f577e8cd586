"""The 容错纠错 rules of the 实施办法, as pure functions: deadlines, steps, grounds, the repeat rule, documents."""

from __future__ import annotations

import datetime as dt

import pytest

from api.errors import RuleViolation
from api.feedback import tracking
from api.supervision import rules
from api.visits.rules import empty_run
from models.enums import CaseDetermination, CaseStep, DocumentKind

OPENED = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def facts(**changes: object) -> rules.CaseFacts:
    return rules.CaseFacts(**{"step": CaseStep.verifying, "opened_at": OPENED, **changes})  # type: ignore[arg-type]


def test_the_decision_is_due_30_days_after_opening_plus_the_extension() -> None:
    assert rules.deadlines(facts())["decision"] == OPENED + 30 * DAY
    assert rules.deadlines(facts(extension_days=30))["decision"] == OPENED + 60 * DAY
    assert rules.overdue(facts(), OPENED + 30 * DAY) == []
    assert rules.overdue(facts(), OPENED + 30 * DAY + dt.timedelta(seconds=1)) == ["decision"]
    assert rules.overdue(facts(step=CaseStep.archived), OPENED + 400 * DAY) == []


def test_notice_unit_handling_review_and_correction_deadlines() -> None:
    decided = OPENED + 10 * DAY
    f = facts(step=CaseStep.determined, determined_at=decided)
    assert rules.overdue(f, decided + 7 * DAY) == [] and rules.overdue(f, decided + 8 * DAY) == ["notice"]
    handed = facts(handed_to_unit_at=OPENED)
    assert rules.overdue(handed, OPENED + 29 * DAY) == []
    assert rules.overdue(handed, OPENED + 31 * DAY) == ["decision", "unit_handling"]
    assert rules.overdue(handed, OPENED + 38 * DAY) == ["decision", "unit_handling", "unit_report"]
    early = facts(handed_to_unit_at=OPENED, unit_handled_at=OPENED + 5 * DAY)
    assert rules.deadlines(early)["unit_report"] == OPENED + 12 * DAY
    notified = facts(step=CaseStep.notified, determined_at=decided, notified_at=decided)
    assert rules.deadlines(notified)["review_request"] == decided + 15 * DAY
    reviewed = facts(step=CaseStep.notified, determined_at=decided, notified_at=decided, review_requested_at=decided)
    assert rules.overdue(reviewed, decided + 31 * DAY) == ["review_decision"]
    due = OPENED + 40 * DAY
    correcting = facts(step=CaseStep.correcting, determined_at=decided, notified_at=decided, correction_due_at=due)
    assert rules.overdue(correcting, due + DAY) == ["correction"]
    assert rules.overdue(facts(**{**correcting.__dict__, "correction_extension_days": 5}), due + DAY) == []


def test_one_extension_of_at_most_30_days_before_the_deadline() -> None:
    rules.check_extension(facts(), 30, OPENED + 29 * DAY)
    for case, days, now, code in [
        (facts(extension_days=10), 5, OPENED, "extension_used"),
        (facts(), 31, OPENED, "extension_too_long"),
        (facts(), 0, OPENED, "extension_too_long"),
        (facts(), 10, OPENED + 31 * DAY, "extension_late"),
        (facts(step=CaseStep.determined), 10, OPENED, "extension_late"),
    ]:
        with pytest.raises(RuleViolation) as refused:
            rules.check_extension(case, days, now)
        assert refused.value.code == code


def test_steps_follow_the_procedure() -> None:
    rules.check_step(CaseStep.opened, CaseStep.verifying)
    rules.check_step(CaseStep.notified, CaseStep.archived)
    with pytest.raises(RuleViolation) as refused:
        rules.check_step(CaseStep.opened, CaseStep.determined)
    assert refused.value.code == "invalid_step" and refused.value.extra["allowed"] == ["verifying"]


def test_grounds_are_items_of_articles_9_to_12_and_fit_the_determination() -> None:
    assert rules.parse_grounds(["10.4", "11.1", "10.4"]) == [(10, 4), (11, 1)]
    for bad in ("9.10", "11.4", "12.8", "13.1", "x", "10.0"):
        with pytest.raises(RuleViolation):
            rules.parse_grounds([bad])
    rules.check_determination(CaseDetermination.mitigated, [(10, 4), (11, 1)], False)
    rules.check_determination(CaseDetermination.not_tolerated, [(12, 5)], True)
    with pytest.raises(RuleViolation) as mismatch:
        rules.check_determination(CaseDetermination.fulfilled, [(10, 1)], False)
    assert mismatch.value.code == "grounds_mismatch"
    for tolerated in (CaseDetermination.exempted, CaseDetermination.mitigated):
        with pytest.raises(RuleViolation) as repeat:
            rules.check_determination(tolerated, [(10, 1)], True)
        assert repeat.value.code == "repeat_after_exemption"
    assert rules.ground_label(12, 5) == "第十二条（五）" and rules.ground_label(10, 10) == "第十条（十）"


def test_review_is_requested_within_15_days_of_the_notice() -> None:
    notified = facts(step=CaseStep.notified, notified_at=OPENED)
    rules.check_review_request(notified, OPENED + 15 * DAY)
    with pytest.raises(RuleViolation) as late:
        rules.check_review_request(notified, OPENED + 15 * DAY + dt.timedelta(seconds=1))
    assert late.value.code == "review_window_closed"
    with pytest.raises(RuleViolation) as early:
        rules.check_review_request(facts(), OPENED)
    assert early.value.code == "review_not_open"


def test_documents_numbers_and_deadlines() -> None:
    assert (
        rules.document_number(DocumentKind.opinion, dt.datetime(2026, 12, 31, 17, tzinfo=dt.UTC), 7)
        == "监意〔2027〕7号"
    )
    assert rules.document_overdue(DocumentKind.urging, OPENED, None, OPENED + DAY)
    assert not rules.document_overdue(DocumentKind.circular, OPENED, None, OPENED + DAY)
    assert not rules.document_overdue(DocumentKind.decision, OPENED, OPENED, OPENED + DAY)
    with pytest.raises(RuleViolation):
        rules.check_document(DocumentKind.decision, None, None, None, OPENED)


def test_empty_run_counts_the_trailing_no_issue_results() -> None:
    assert empty_run(["no_issue", "rectification", "no_issue", None, "no_issue"]) == 2
    assert empty_run(["no_issue"] * 3) == 3 and empty_run([]) == 0 and empty_run(["case_opened"]) == 0


def test_tracking_codes_are_random_and_read_back_as_typed() -> None:
    code = tracking.new_code()
    assert tracking.normalize(code.lower().replace("-", " ")) == code
    assert tracking.normalize("OOOO-IIII-LLLL-0000") == "0000-1111-1111-0000"
    assert tracking.normalize("ABC") is None and tracking.normalize("UUUU-UUUU-UUUU-UUUU") is None
    assert len({tracking.new_code() for _ in range(200)}) == 200

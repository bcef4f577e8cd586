"""The 容错纠错 procedure as pure rules: steps, deadlines and the grounds of a determination.

Every number is the 《历城区行政执法履职尽责容错纠错实施办法（试行）》's (seeds/003):

- 第十四条: 立案 → 核实 → 认定 → 反馈 → 纠错 → 归档 (a case found without fault skips 纠错).
- 第十五条: a case handed to the unit itself is handled within 30 days and its result reported within 7 more.
- 第十六条: at least two investigators; the persons' 陈述申辩 is heard.
- 第十七条: a decision within 30 days of 立案; one extension approved by the head, at most 30 days; notice to the
  unit and persons within 7 days of the decision.
- 第九条 (履职尽责), 第十条 (从轻、减轻或免责), 第十一条 (从轻或减轻), 第十二条 (不予容错): the grounds;
  第十二条(五): a repeat of the same error after 容错免责 is not tolerated again.
- 第十九条: 复核 requested within 15 days of the decision reaching the party, decided within 30 days.
- 第二十条: 纠错 sets requirements and a deadline; the party may ask for a longer one.

Pure: no Litestar, no Piccolo.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from api.clock import LOCAL_TZ
from api.errors import RuleViolation
from api.i18n import Text, tr
from models.enums import CaseDetermination, CaseStep, DocumentKind

DAY = dt.timedelta(days=1)
DECISION_DAYS = 30
MAX_EXTENSION_DAYS = 30
NOTICE_DAYS = 7
UNIT_HANDLING_DAYS = 30
UNIT_REPORT_DAYS = 7
REVIEW_REQUEST_DAYS = 15
REVIEW_DECISION_DAYS = 30
MIN_INVESTIGATORS = 2

# Article → how many numbered items (款项) it has.
ARTICLE_ITEMS = {9: 9, 10: 10, 11: 3, 12: 7}
ALLOWED_ARTICLES: dict[CaseDetermination, frozenset[int]] = {
    CaseDetermination.fulfilled: frozenset({9}),
    CaseDetermination.exempted: frozenset({10}),
    CaseDetermination.mitigated: frozenset({10, 11}),
    CaseDetermination.not_tolerated: frozenset({12}),
}
TOLERATED = frozenset({CaseDetermination.exempted, CaseDetermination.mitigated})
REPEAT_GROUND = "12.5"

NEXT_STEP: dict[CaseStep, tuple[CaseStep, ...]] = {
    CaseStep.opened: (CaseStep.verifying,),
    CaseStep.verifying: (CaseStep.determined,),
    CaseStep.determined: (CaseStep.notified,),
    CaseStep.notified: (CaseStep.correcting, CaseStep.archived),
    CaseStep.correcting: (CaseStep.archived,),
    CaseStep.archived: (),
}

_GROUND = re.compile(r"^(9|10|11|12)\.([1-9]|10)$")
_NUMERALS = "一二三四五六七八九十"
_ARTICLE_NAMES = {9: "第九条", 10: "第十条", 11: "第十一条", 12: "第十二条"}


@dataclass(frozen=True)
class CaseFacts:
    step: CaseStep
    opened_at: dt.datetime
    extension_days: int = 0
    determined_at: dt.datetime | None = None
    notified_at: dt.datetime | None = None
    handed_to_unit_at: dt.datetime | None = None
    unit_handled_at: dt.datetime | None = None
    unit_reported_at: dt.datetime | None = None
    review_requested_at: dt.datetime | None = None
    review_decided_at: dt.datetime | None = None
    correction_due_at: dt.datetime | None = None
    correction_extension_days: int = 0
    correction_completed_at: dt.datetime | None = None


def decision_due(opened_at: dt.datetime, extension_days: int) -> dt.datetime:
    return opened_at + (DECISION_DAYS + extension_days) * DAY


def deadlines(f: CaseFacts) -> dict[str, dt.datetime]:
    """Every deadline the case has now, by name."""
    due = {"decision": decision_due(f.opened_at, f.extension_days)}
    if f.determined_at is not None:
        due["notice"] = f.determined_at + NOTICE_DAYS * DAY
    if f.handed_to_unit_at is not None:
        due["unit_handling"] = f.handed_to_unit_at + UNIT_HANDLING_DAYS * DAY
        handled = f.unit_handled_at or due["unit_handling"]
        due["unit_report"] = handled + UNIT_REPORT_DAYS * DAY
    if f.notified_at is not None and f.review_requested_at is None:
        due["review_request"] = f.notified_at + REVIEW_REQUEST_DAYS * DAY
    if f.review_requested_at is not None:
        due["review_decision"] = f.review_requested_at + REVIEW_DECISION_DAYS * DAY
    if f.correction_due_at is not None:
        due["correction"] = f.correction_due_at + f.correction_extension_days * DAY
    return due


def overdue(f: CaseFacts, now: dt.datetime) -> list[str]:
    """The steps late at ``now``: what the supervisor must chase (an archived case is never late)."""
    if f.step == CaseStep.archived:
        return []
    due = deadlines(f)
    late = []
    if f.determined_at is None and now > due["decision"]:
        late.append("decision")
    if f.determined_at is not None and f.notified_at is None and now > due["notice"]:
        late.append("notice")
    if "unit_handling" in due and f.unit_reported_at is None:
        if f.unit_handled_at is None and now > due["unit_handling"]:
            late.append("unit_handling")
        if now > due["unit_report"]:
            late.append("unit_report")
    if "review_decision" in due and f.review_decided_at is None and now > due["review_decision"]:
        late.append("review_decision")
    if "correction" in due and f.correction_completed_at is None and now > due["correction"]:
        late.append("correction")
    return late


def check_step(current: CaseStep, to: CaseStep) -> None:
    allowed = NEXT_STEP[current]
    if to not in allowed:
        raise RuleViolation(
            tr(
                "A case at {current} cannot move to {to}; next: {allowed}.",
                current=current.value,
                to=to.value,
                allowed=[s.value for s in allowed] or ["-"],
            ),
            code="invalid_step",
            field="to",
            allowed=[s.value for s in allowed],
        )


def check_extension(f: CaseFacts, days: int, now: dt.datetime) -> None:
    """第十七条: one extension, at most 30 days, approved before the decision is due and before 认定."""
    if f.extension_days:
        raise RuleViolation(tr("The decision deadline was extended once already."), code="extension_used")
    if f.step not in (CaseStep.opened, CaseStep.verifying):
        raise RuleViolation(tr("Only a case not yet determined can have its deadline extended."), code="extension_late")
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise RuleViolation(
            tr("An extension is 1 to {max} days.", max=MAX_EXTENSION_DAYS), code="extension_too_long", field="days"
        )
    if now > decision_due(f.opened_at, 0):
        raise RuleViolation(
            tr("The 30-day decision deadline has passed: an extension is approved before it."),
            code="extension_late",
        )


def check_review_request(f: CaseFacts, now: dt.datetime) -> None:
    """第十九条: 复核 within 15 days of the decision reaching the party."""
    if f.notified_at is None:
        raise RuleViolation(tr("A review is requested after the decision was notified."), code="review_not_open")
    if f.review_requested_at is not None:
        raise RuleViolation(tr("A review was requested already."), code="review_already_requested")
    if now > f.notified_at + REVIEW_REQUEST_DAYS * DAY:
        raise RuleViolation(
            tr("A review is requested within {days} days of the decision.", days=REVIEW_REQUEST_DAYS),
            code="review_window_closed",
        )


def parse_grounds(grounds: Iterable[str]) -> list[tuple[int, int]]:
    """``["10.4", "11.1"]`` → ``[(10, 4), (11, 1)]``; refuses what the 实施办法 does not have."""
    parsed = []
    for ground in grounds:
        match = _GROUND.fullmatch(ground.strip())
        if match is None or int(match[2]) > ARTICLE_ITEMS[int(match[1])]:
            raise RuleViolation(
                tr("Ground {ground} is not an item of 第九条 to 第十二条 (write e.g. 10.4).", ground=ground),
                code="invalid_ground",
                field="grounds",
            )
        parsed.append((int(match[1]), int(match[2])))
    return sorted(set(parsed))


def ground_label(article: int, item: int) -> str:
    return f"{_ARTICLE_NAMES[article]}（{_NUMERALS[item - 1] if item <= 10 else item}）"


def check_determination(
    determination: CaseDetermination, grounds: list[tuple[int, int]], repeats_exempted_error: bool
) -> None:
    """The grounds must be of the determination's articles; a repeat after 容错免责 is not tolerated again."""
    if not grounds:
        raise RuleViolation(
            tr("认定 cites at least one ground of the 实施办法 (第九条 to 第十二条)."),
            code="grounds_required",
            field="grounds",
        )
    articles = ALLOWED_ARTICLES[determination]
    wrong = [ground_label(a, i) for a, i in grounds if a not in articles]
    if wrong:
        raise RuleViolation(
            tr(
                "Grounds {grounds} do not support the determination {determination}.",
                grounds=wrong,
                determination=determination.value,
            ),
            code="grounds_mismatch",
            field="grounds",
        )
    if repeats_exempted_error and determination in TOLERATED:
        raise RuleViolation(
            tr(
                "The same error was tolerated before for a person of this case: 第十二条（五） rules out "
                "容错 again; determine not_tolerated citing 12.5."
            ),
            code="repeat_after_exemption",
            field="determination",
        )


def overdue_words(code: str) -> Text:
    return OVERDUE_WORDS[code]


OVERDUE_WORDS: dict[str, Text] = {
    "decision": tr("Decision overdue (30 days from 立案, 第十七条)"),
    "notice": tr("Notice overdue (7 days from the decision, 第十七条)"),
    "unit_handling": tr("Unit handling overdue (30 days from hand-over, 第十五条)"),
    "unit_report": tr("Unit report overdue (7 days after handling, 第十五条)"),
    "review_decision": tr("Review decision overdue (30 days from the request, 第十九条)"),
    "correction": tr("Correction overdue (第二十条)"),
}


# -- 执法监督 documents ---------------------------------------------------------------------------------------------
RESPONSE_KINDS = frozenset({DocumentKind.opinion, DocumentKind.decision, DocumentKind.urging})
"""Documents the unit must answer by their ``response_due_at`` (意见书, 决定书, 督办)."""

DOCUMENT_PREFIX = {
    DocumentKind.opinion: "监意",
    DocumentKind.decision: "监决",
    DocumentKind.interview: "监谈",
    DocumentKind.circular: "监通",
    DocumentKind.urging: "监督",
    DocumentKind.discipline_referral: "监移",
}
DOCUMENT_TITLES = {
    DocumentKind.opinion: "行政执法监督意见书",
    DocumentKind.decision: "行政执法监督决定书",
    DocumentKind.interview: "约谈记录",
    DocumentKind.circular: "行政执法监督通报",
    DocumentKind.urging: "行政执法监督督办通知",
    DocumentKind.discipline_referral: "问题线索移送函（纪检监察）",
}


def document_number(kind: DocumentKind, issued_at: dt.datetime, document_id: int) -> str:
    """文号, e.g. 监意〔2026〕12号 (the year in Beijing time; the number is the document's id, never reused)."""
    return f"{DOCUMENT_PREFIX[kind]}〔{issued_at.astimezone(LOCAL_TZ).year}〕{document_id}号"


def document_overdue(
    kind: DocumentKind, due: dt.datetime | None, responded_at: dt.datetime | None, now: dt.datetime
) -> bool:
    return kind in RESPONSE_KINDS and due is not None and responded_at is None and now > due


def check_document(
    kind: DocumentKind,
    response_due_at: dt.datetime | None,
    held_at: dt.datetime | None,
    case_id: int | None,
    now: dt.datetime,
) -> None:
    if kind in RESPONSE_KINDS:
        if response_due_at is None:
            raise RuleViolation(
                tr("意见书, 决定书 and 督办 set a response deadline."),
                code="response_due_required",
                field="response_due_at",
            )
        if response_due_at <= now:
            raise RuleViolation(
                tr("The response deadline lies in the future."), code="response_due_past", field="response_due_at"
            )
    if kind == DocumentKind.interview and held_at is None:
        raise RuleViolation(tr("A 约谈 record says when it was held."), code="held_at_required", field="held_at")
    if kind == DocumentKind.discipline_referral and case_id is None:
        raise RuleViolation(
            tr("A hand-over to 纪检监察 names the case it comes from."), code="case_required", field="case_id"
        )

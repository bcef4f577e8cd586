"""Filing rules for a visit (备案), as pure functions over plain facts.

``check_filing`` raises ``FilingRefused`` with the first rule broken (each rule its own code) and
returns the warnings a lawful filing still carries (frequency, caps passed by triggered visits).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from api.clock import LOCAL_TZ as LOCAL_TZ  # the one definition is api.clock's; older imports name it here
from api.errors import RuleViolation
from api.i18n import Text, tr
from api.policies import FilingPolicy
from models.enums import (
    InspectorStatus,
    ItemCategory,
    ListStatus,
    VisitKind,
    VisitOrigin,
    VisitResult,
    VisitTrigger,
)


class FilingRefused(RuleViolation):
    code = "filing_refused"


@dataclass(frozen=True)
class InspectorFact:
    id: int
    name: str
    cert_no: str | None
    unit_id: int
    status: str
    is_auxiliary: bool
    valid_from: dt.date | None
    valid_to: dt.date | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> InspectorFact:
        """From an ``inspector`` table row (``unit`` is the unit id)."""
        return cls(
            id=row["id"],
            name=row["name"],
            cert_no=row["cert_no"],
            unit_id=row["unit"],
            status=row["status"],
            is_auxiliary=row["is_auxiliary"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
        )


@dataclass(frozen=True)
class ItemFact:
    code: str
    unit_id: int
    status: str
    category: str
    yearly_cap: int


@dataclass(frozen=True)
class VisitDraft:
    uscc: str
    enterprise_whitelisted: bool
    unit_ids: tuple[int, ...]
    lead_unit_id: int
    kind: VisitKind
    origin: VisitOrigin
    trigger: VisitTrigger | None
    window_start: dt.datetime
    window_end: dt.datetime
    inspectors: tuple[InspectorFact, ...]
    items: tuple[ItemFact, ...]
    # 无事不扰 library: item code -> the triggers that allow an on-site visit.
    library_triggers: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def is_emergency(self) -> bool:
        return self.trigger == VisitTrigger.emergency


@dataclass(frozen=True)
class EnterpriseHistory:
    """Non-cancelled enforcement visits to the enterprise, this visit excluded."""

    item_counts: dict[str, int] = field(default_factory=dict)  # this year, per item code
    unit_counts: dict[int, int] = field(default_factory=dict)  # this year, per unit id
    same_day: int = 0
    same_week: int = 0
    same_month: int = 0
    # This year, per unit id: the run of consecutive ``no_issue`` results at the end of its checked-out visits.
    empty_runs: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FilingWarning:
    code: str
    detail: str | Text


def _refuse(message: str | Text, code: str, field: str | None = None) -> FilingRefused:
    return FilingRefused(message, code=code, field=field)


def check_window(draft: VisitDraft, policy: FilingPolicy, now: dt.datetime) -> None:
    if draft.window_end <= draft.window_start:
        raise _refuse(tr("The time window is empty: it must end after it starts."), "window_empty", "window_end")
    if draft.window_end - draft.window_start > policy.max_window:
        hours = policy.max_window.total_seconds() / 3600
        raise _refuse(
            tr("The time window is longer than the maximum of {hours:g} h.", hours=hours),
            "window_too_long",
            "window_end",
        )
    earliest = now - (policy.emergency_filing_allowance if draft.is_emergency else policy.past_tolerance)
    if draft.window_start < earliest:
        raise _refuse(
            tr("The time window starts in the past; visits are filed before they happen."),
            "window_in_past",
            "window_start",
        )


def check_people(draft: VisitDraft, policy: FilingPolicy) -> None:
    units = set(draft.unit_ids)
    if draft.lead_unit_id not in units:
        raise _refuse(tr("The lead unit must be one of the visit's units."), "lead_unit_not_in_visit", "lead_unit_code")
    minimum = policy.min_inspectors if draft.kind == VisitKind.enforcement else 1
    if len({i.id for i in draft.inspectors}) < minimum:
        raise _refuse(
            tr("A visit needs at least {minimum} inspectors.", minimum=minimum), "too_few_inspectors", "inspector_ids"
        )
    for person in draft.inspectors:
        if person.unit_id not in units:
            raise _refuse(
                tr("{name} belongs to none of the visit's units.", name=person.name),
                "inspector_not_in_visit_units",
                "inspector_ids",
            )
        if draft.kind != VisitKind.enforcement:
            continue
        if person.is_auxiliary or not person.cert_no:
            raise _refuse(
                tr("{name} is auxiliary staff (辅助人员) and may not inspect.", name=person.name),
                "inspector_auxiliary",
                "inspector_ids",
            )
        if person.status == InspectorStatus.suspended:
            raise _refuse(
                tr("{name}'s 执法证 {cert_no} is suspended.", name=person.name, cert_no=person.cert_no),
                "inspector_suspended",
                "inspector_ids",
            )
        if person.status == InspectorStatus.revoked:
            raise _refuse(
                tr("{name}'s 执法证 {cert_no} is revoked.", name=person.name, cert_no=person.cert_no),
                "inspector_revoked",
                "inspector_ids",
            )
        first = draft.window_start.astimezone(LOCAL_TZ).date()
        last = draft.window_end.astimezone(LOCAL_TZ).date()
        if not (person.valid_from and person.valid_to and person.valid_from <= first and last <= person.valid_to):
            raise _refuse(
                tr(
                    "{name}'s 执法证 {cert_no} is not valid for the whole window (valid {valid_from} – {valid_to}).",
                    name=person.name,
                    cert_no=person.cert_no,
                    valid_from=person.valid_from,
                    valid_to=person.valid_to,
                ),
                "certificate_not_valid",
                "inspector_ids",
            )
    if draft.kind == VisitKind.enforcement:
        staffed = {p.unit_id for p in draft.inspectors}
        missing = sorted(units - staffed)
        if missing:
            raise _refuse(
                tr("Every unit of a joint visit brings inspectors of its own."),
                "unit_without_inspector",
                "inspector_ids",
            )


def check_items(draft: VisitDraft) -> None:
    if draft.kind == VisitKind.service:
        if draft.items:
            raise _refuse(
                tr("A service visit (服务/宣传/调研/观摩/督导) carries no inspection items."),
                "service_visit_with_items",
                "item_codes",
            )
        return
    if not draft.items:
        raise _refuse(tr("An inspection names at least one item of the list."), "no_items", "item_codes")
    units = set(draft.unit_ids)
    for item in draft.items:
        if item.status != ListStatus.published:
            raise _refuse(
                tr("Item {code} is not published; only listed items may be inspected.", code=item.code),
                "item_not_published",
                "item_codes",
            )
        if item.unit_id not in units:
            raise _refuse(
                tr("Item {code} belongs to none of the visit's units.", code=item.code),
                "item_not_of_visit_units",
                "item_codes",
            )
    if draft.origin == VisitOrigin.triggered:
        for item in draft.items:
            allowed = draft.library_triggers.get(item.code)
            if allowed is not None and draft.trigger != VisitTrigger.emergency and draft.trigger not in allowed:
                raise _refuse(
                    tr(
                        "Item {code} is in the 无事不扰 library; a {trigger} does not allow an on-site visit "
                        "(allowed: {allowed}).",
                        code=item.code,
                        trigger=draft.trigger,
                        allowed=sorted(allowed),
                    ),
                    "trigger_not_allowed_for_item",
                    "trigger_type",
                )
        return
    for item in draft.items:
        if item.category == ItemCategory.no_disturbance or item.code in draft.library_triggers:
            raise _refuse(
                tr("Item {code} is in the 无事不扰 library: an on-site visit needs a trigger.", code=item.code),
                "no_disturbance_without_trigger",
                "item_codes",
            )
    if draft.enterprise_whitelisted:
        raise _refuse(
            tr("The enterprise is on the 无事不扰 whitelist: an on-site visit needs a trigger."),
            "whitelisted_without_trigger",
            "origin",
        )


def check_caps(draft: VisitDraft, history: EnterpriseHistory, policy: FilingPolicy) -> list[FilingWarning]:
    """Yearly caps: planned visits are refused, triggered ones are counted and warned about."""
    if draft.kind != VisitKind.enforcement:
        return []
    breaches: list[tuple[str, Text]] = []
    for item in draft.items:
        used = history.item_counts.get(item.code, 0)
        if used + 1 > item.yearly_cap:
            breaches.append(
                (
                    "item_cap_exceeded",
                    tr(
                        "Item {code} allows {cap} inspection(s) a year of this enterprise; {used} already filed.",
                        code=item.code,
                        cap=item.yearly_cap,
                        used=used,
                    ),
                )
            )
    for unit_id in draft.unit_ids:
        used = history.unit_counts.get(unit_id, 0)
        if used + 1 > policy.unit_yearly_cap:
            breaches.append(
                (
                    "unit_cap_exceeded",
                    tr(
                        "Unit {unit_id} may inspect this enterprise {cap} time(s) a year; {used} already filed.",
                        unit_id=unit_id,
                        cap=policy.unit_yearly_cap,
                        used=used,
                    ),
                )
            )
    if breaches and draft.origin == VisitOrigin.planned:
        code, message = breaches[0]
        raise _refuse(message, code, "item_codes" if code == "item_cap_exceeded" else "unit_codes")
    return [FilingWarning(code, message) for code, message in breaches]


def frequency_warnings(history: EnterpriseHistory, policy: FilingPolicy) -> list[FilingWarning]:
    """Across all units, a joint visit counting once (Chengdu: >1 a day, >2 a week, >3 a month)."""
    warnings = []
    day, week, month = history.same_day + 1, history.same_week + 1, history.same_month + 1
    if day > policy.max_per_day:
        message = tr(
            "This would be visit {count} to the enterprise this day (limit {limit}).",
            count=day,
            limit=policy.max_per_day,
        )
        warnings.append(FilingWarning("enterprise_daily_limit", message))
    if week > policy.max_per_week:
        message = tr(
            "This would be visit {count} to the enterprise this week (limit {limit}).",
            count=week,
            limit=policy.max_per_week,
        )
        warnings.append(FilingWarning("enterprise_weekly_limit", message))
    if month > policy.max_per_month:
        message = tr(
            "This would be visit {count} to the enterprise this month (limit {limit}).",
            count=month,
            limit=policy.max_per_month,
        )
        warnings.append(FilingWarning("enterprise_monthly_limit", message))
    return warnings


def check_filing(
    draft: VisitDraft, history: EnterpriseHistory, policy: FilingPolicy, now: dt.datetime
) -> list[FilingWarning]:
    check_window(draft, policy, now)
    check_people(draft, policy)
    check_items(draft)
    empty = check_empty_visits(draft, history, policy)
    return empty + check_caps(draft, history, policy) + frequency_warnings(history, policy)


def empty_run(results: Sequence[str | None]) -> int:
    """How many ``no_issue`` results end the sequence (oldest first; visits without a result are skipped)."""
    run = 0
    for result in results:
        if result is None:
            continue
        run = run + 1 if result == VisitResult.no_issue else 0
    return run


def check_empty_visits(draft: VisitDraft, history: EnterpriseHistory, policy: FilingPolicy) -> list[FilingWarning]:
    """Empty-visit blocking (Chengdu): N consecutive ``no_issue`` visits by a unit to the enterprise this year
    refuse the unit's next planned visit there; a triggered visit passes with a warning."""
    limit = policy.empty_visit_limit
    if draft.kind != VisitKind.enforcement or limit <= 0:
        return []
    breached = [u for u in draft.unit_ids if history.empty_runs.get(u, 0) >= limit]
    if not breached:
        return []
    run = history.empty_runs[breached[0]]
    message = tr(
        "The unit's last {run} visits to this enterprise this year found no issue (limit {limit}): "
        "its next planned visit there is refused; only a triggered visit may go.",
        run=run,
        limit=limit,
    )
    if draft.origin == VisitOrigin.planned:
        raise FilingRefused(message, code="empty_visits_blocked", field="unit_codes", unit_ids=breached, run=run)
    return [FilingWarning("empty_visits_run", message)]


def certificate_problem(person: InspectorFact, day: dt.date) -> str | None:
    """Why the person may not act as an inspector on ``day`` (local date), or None: the check made at approval,
    verification, scan-in and check-out, so a 执法证 suspended, revoked or expired after filing counts at once."""
    if person.is_auxiliary or not person.cert_no:
        return "inspector_auxiliary"
    if person.status == InspectorStatus.suspended:
        return "inspector_suspended"
    if person.status == InspectorStatus.revoked:
        return "inspector_revoked"
    if not (person.valid_from and person.valid_to and person.valid_from <= day <= person.valid_to):
        return "certificate_not_valid"
    return None

"""The sentences that tell a planner why each task, visit and overflow is what it is.

They are messages (``api.i18n.tr``), not text: stored as data and read in the planner's language, with
units named (``api.i18n.unit``) rather than numbered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from api.i18n import Joined, Message, Text, tr, unit
from schedules.model import BuildConfig, ScenarioInfo, Task
from schedules.spread import TaskDraft


def task_from_draft(year: int, month: int, draft: TaskDraft, note: Message) -> Task:
    """Freeze an admitted draft; its explanation names every source, then any rule notes, then ``note``.

    Source details are clauses ("plan entry E1 of unit 7 (…)"); notes are whole sentences.
    """
    sources = tr("From {sources}.", sources=Joined([source.detail for source in draft.sources], "clauses"))
    return Task(
        year=year,
        month=month,
        uscc=draft.uscc,
        unit_id=draft.unit_id,
        item_codes=tuple(sorted(draft.item_codes)),
        onsite=draft.onsite,
        sources=tuple(draft.sources),
        explanation=Joined([sources, *draft.notes, note]),
    )


def units_list(unit_ids: Sequence[int]) -> Joined:
    return Joined([unit(unit_id) for unit_id in unit_ids], "list")


def lead_note(scenario: ScenarioInfo, lead: int) -> Text:
    """How the joint visit's lead was chosen (``matching.lead_unit``)."""
    if lead == scenario.lead_unit_id:
        return tr("led by {lead}, the scenario's lead unit", lead=unit(lead))
    return tr(
        "led by {lead}: scenario {scenario}'s lead, {scenario_lead}, has no task here, so the unit with the "
        "most items leads (the smallest unit id on ties)",
        lead=unit(lead),
        scenario=scenario.code,
        scenario_lead=unit(scenario.lead_unit_id),
    )


def matching_note(scenario: ScenarioInfo | None, unit_ids: Sequence[int], alone: bool, lead: int) -> Text:
    """Why a task is in the visit it is in (for an own visit among others, see ``own_visit_note``)."""
    if scenario is not None:
        return tr(
            "Joint visit under scenario {scenario} ({lead_note}) with {units}.",
            scenario=scenario.code,
            lead_note=lead_note(scenario, lead),
            units=units_list(unit_ids),
        )
    if alone:
        return tr("Own visit: the only on-site task on this enterprise this month.")
    return tr("Own visit.")


def group_label(unit_ids: Sequence[int]) -> Text:
    if len(unit_ids) > 1:
        return tr("the joint visit of {units}", units=units_list(unit_ids))
    return tr("the visit of {unit}", unit=unit(unit_ids[0]))


def own_visit_note(obstacles: Sequence[tuple[Sequence[int], Message]]) -> Text:
    """An own visit beside other visits of the month: why it joins none of them (one reason per visit)."""
    reasons = Joined(
        [tr("not with {group}: {why}", group=group_label(units), why=why) for units, why in obstacles], "clauses"
    )
    return tr("Own visit ({reasons}).", reasons=reasons)


def overflow_reason(
    year: int, month: int, config: BuildConfig, used: int, kept: Sequence[tuple[Sequence[int], Message]]
) -> Text:
    """Why a task moves on: the monthly limit, and for each visit kept, why it could not join it."""
    limit = config.max_onsite_visits_per_month
    if used >= limit:
        return tr(
            "the enterprise already has {used} on-site visit(s) in {period} (limit {limit} a month)",
            used=used,
            period=f"{year}-{month:02d}",
            limit=limit,
        )
    taken = Joined([tr("{group} ({why})", group=group_label(units), why=why) for units, why in kept], "clauses")
    if used:
        return tr(
            "the enterprise may have {limit} on-site visit(s) a month ({used} already this month), taken by: {taken}",
            limit=limit,
            used=used,
            taken=taken,
        )
    return tr("the enterprise may have {limit} on-site visit(s) a month, taken by: {taken}", limit=limit, taken=taken)


def visit_explanation(
    scenario: ScenarioInfo | None,
    unit_ids: Sequence[int],
    lead: int,
    start: dt.date,
    end: dt.date,
    *,
    onsite: bool,
    quiet_exempt: bool,
    config: BuildConfig,
) -> Text:
    window: Message = start.isoformat()
    if end != start:
        window = tr("{start} to {end}", start=start.isoformat(), end=end.isoformat())
    if not onsite:
        what = tr("Non-site inspection by {unit}", unit=unit(unit_ids[0]))
    elif scenario is not None:
        what = tr(
            "Joint visit of {units} under scenario {scenario}, led by {lead}",
            units=units_list(unit_ids),
            scenario=scenario.code,
            lead=unit(lead),
        )
    else:
        what = tr("Visit by {unit}", unit=unit(unit_ids[0]))
    if config.quiet_days and onsite:
        if quiet_exempt:
            return tr("{what}; window {window} on working days (quiet days allowed: exempt).", what=what, window=window)
        return tr("{what}; window {window} on working days (outside the quiet days).", what=what, window=window)
    return tr("{what}; window {window} on working days.", what=what, window=window)

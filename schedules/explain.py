"""The sentences that tell a planner why each task, visit and overflow is what it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from schedules.model import BuildConfig, ScenarioInfo, Task
from schedules.spread import TaskDraft


def task_from_draft(year: int, month: int, draft: TaskDraft, note: str) -> Task:
    """Freeze an admitted draft; its explanation names every source, then any rule notes, then ``note``.

    Source details are clauses ("plan entry E1 of unit 7 (…)"); notes are whole sentences.
    """
    sources = "From " + "; ".join(source.detail for source in draft.sources) + "."
    explanation = " ".join([sources, *draft.notes, note]) if draft.notes else f"{sources} {note}"
    return Task(
        year=year,
        month=month,
        uscc=draft.uscc,
        unit_id=draft.unit_id,
        item_codes=tuple(sorted(draft.item_codes)),
        onsite=draft.onsite,
        sources=tuple(draft.sources),
        explanation=explanation,
    )


def lead_note(scenario: ScenarioInfo, lead: int) -> str:
    """How the joint visit's lead was chosen (``matching.lead_unit``)."""
    if lead == scenario.lead_unit_id:
        return f"lead unit {lead}, the scenario's lead"
    return (
        f"lead unit {lead}: scenario {scenario.code}'s lead unit {scenario.lead_unit_id} has no task here, "
        "so the unit with the most items leads (smallest unit id on ties)"
    )


def matching_note(scenario: ScenarioInfo | None, unit_ids: Sequence[int], alone: bool, lead: int) -> str:
    """Why a task is in the visit it is in (for an own visit among others, see ``own_visit_note``)."""
    if scenario is not None:
        units = ", ".join(str(u) for u in unit_ids)
        return f"Joint visit under scenario {scenario.code} ({lead_note(scenario, lead)}) with units {units}."
    if alone:
        return "Own visit: the only on-site task on this enterprise this month."
    return "Own visit."


def group_label(unit_ids: Sequence[int]) -> str:
    if len(unit_ids) > 1:
        return f"the joint visit of units {'+'.join(str(unit) for unit in unit_ids)}"
    return f"unit {unit_ids[0]}'s visit"


def own_visit_note(obstacles: Sequence[tuple[Sequence[int], str]]) -> str:
    """An own visit beside other visits of the month: why it joins none of them (one reason per visit)."""
    reasons = "; ".join(f"not with {group_label(units)}: {why}" for units, why in obstacles)
    return f"Own visit ({reasons})."


def overflow_reason(
    year: int, month: int, config: BuildConfig, used: int, kept: Sequence[tuple[Sequence[int], str]]
) -> str:
    """Why a task moves on: the monthly limit, and for each visit kept, why it could not join it."""
    limit = config.max_onsite_visits_per_month
    if used >= limit:
        return f"the enterprise already has {used} on-site visit(s) in {year}-{month:02d} (limit {limit} a month)"
    taken = "; ".join(f"{group_label(units)} ({why})" for units, why in kept)
    already = f" ({used} already this month)" if used else ""
    return f"the enterprise may have {limit} on-site visit(s) a month{already}, taken by: {taken}"


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
) -> str:
    window = f"{start.isoformat()}" + (f" to {end.isoformat()}" if end != start else "")
    if not onsite:
        what = f"Non-site inspection by unit {unit_ids[0]}"
    elif scenario is not None:
        units = ", ".join(str(u) for u in unit_ids)
        what = f"Joint visit of units {units} under scenario {scenario.code}, led by unit {lead}"
    else:
        what = f"Visit by unit {unit_ids[0]}"
    if config.quiet_days and onsite:
        quiet = "quiet days allowed: exempt" if quiet_exempt else "outside the quiet days"
        return f"{what}; window {window} on working days ({quiet})."
    return f"{what}; window {window} on working days."

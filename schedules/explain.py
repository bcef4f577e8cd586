"""The sentences that tell a planner why each task, visit and overflow is what it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from schedules.matching import Grouping
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


def matching_note(scenario: ScenarioInfo | None, unit_ids: Sequence[int], alone: bool) -> str:
    """Why a task is in the visit it is in."""
    if scenario is not None:
        units = ", ".join(str(u) for u in unit_ids)
        return f"Joint visit under scenario {scenario.code} (lead unit {scenario.lead_unit_id}) with units {units}."
    if alone:
        return "Own visit: the only on-site task on this enterprise this month."
    return "Own visit: no published scenario for the enterprise's industry covers it with the other units' tasks."


def overflow_reason(
    year: int, month: int, config: BuildConfig, used: int, grouping: Grouping, onsite: Sequence[TaskDraft]
) -> str:
    limit = config.max_onsite_visits_per_month
    if used >= limit:
        return f"the enterprise already has {used} on-site visit(s) in {year}-{month:02d} (limit {limit} a month)"
    kept = [
        f"joint visit of units {'+'.join(str(onsite[i].unit_id) for i in group.members)}"
        if len(group.members) > 1
        else f"visit by unit {onsite[group.members[0]].unit_id}"
        for group in grouping.groups
    ]
    already = f" ({used} already this month)" if used else ""
    return (
        f"the enterprise may have {limit} on-site visit(s) a month{already}, taken by: {', '.join(kept)}; "
        "no published scenario for its industry covers this task together with them"
    )


def visit_explanation(
    scenario: ScenarioInfo | None,
    unit_ids: Sequence[int],
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
        what = f"Joint visit of units {units} under scenario {scenario.code}, led by unit {scenario.lead_unit_id}"
    else:
        what = f"Visit by unit {unit_ids[0]}"
    if config.quiet_days and onsite:
        quiet = "quiet days allowed: exempt" if quiet_exempt else "outside the quiet days"
        return f"{what}; window {window} on working days ({quiet})."
    return f"{what}; window {window} on working days."

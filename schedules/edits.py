"""A planner's edits before approval, as pure functions on visits (move, split, unmerge, merge, cancel).

Each edit returns new visits and never checks a rule itself: apply it, swap the visits in the month's
list with ``replace_visits``, then re-validate with ``validation.validate_edit(before, after, ...)`` and
refuse the edit when it reports anything. Tasks are found by unit, since a visit holds at most one
task per unit.

Leads follow ``matching.lead_unit``: a merge under a scenario is led by the scenario's lead unit when it
takes part, else by the unit with the most items (then the smallest id). A part of a visit (split,
unmerge, cancel) keeps its lead while that unit is still in it — which is what the rule gives, as only
tasks were removed — and otherwise passes the lead by the same fallback; a part of one task is led by
its unit and has no scenario.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import replace

from api.i18n import Text, tr
from schedules.matching import TaskKey, lead_unit
from schedules.model import ScenarioInfo, Task, Visit


def move_visit(visit: Visit, start: dt.date, end: dt.date | None = None) -> Visit:
    """The visit with a new window (``end`` defaults to ``start``)."""
    end = end or start
    explanation = tr("Moved by the planner to {start}–{end}.", start=start.isoformat(), end=end.isoformat())
    return replace(visit, window_start=start, window_end=end, explanation=explanation)


def split_visit(visit: Visit, parts: Sequence[Collection[int]]) -> tuple[Visit, ...]:
    """One visit per part (a collection of unit ids); units not named stay in a last part.

    A part of one task becomes that unit's own visit; a part of several keeps the scenario and its lead
    (or passes it on by the lead rule when the lead was split away), which validation then checks.
    """
    remaining = {task.unit_id for task in visit.tasks} - {unit for part in parts for unit in part}
    groups = [[t for t in visit.tasks if t.unit_id in part] for part in [*parts, remaining]]
    return tuple(_part(visit, tasks, tr("Split by the planner")) for tasks in groups if tasks)


def unmerge_task(visit: Visit, unit_id: int) -> tuple[Visit, Visit]:
    """Take one unit's task out of a joint visit: (the rest of the visit, the task's own visit)."""
    own = [task for task in visit.tasks if task.unit_id == unit_id]
    rest = [task for task in visit.tasks if task.unit_id != unit_id]
    if not own or not rest:
        raise ValueError(f"unit {unit_id} is not one of several units of the visit")
    return _part(visit, rest, tr("Unmerged by the planner")), _part(visit, own, tr("Unmerged by the planner"))


def merge_visits(visits: Sequence[Visit], scenario: ScenarioInfo | None) -> Visit:
    """One visit carrying every task of ``visits`` (same enterprise), under ``scenario``, at the first window."""
    if not visits:
        raise ValueError("nothing to merge")
    first = min(visits, key=lambda v: v.window_start)
    tasks = tuple(sorted((task for visit in visits for task in visit.tasks), key=lambda t: t.unit_id))
    lead = lead_unit(scenario, _keys(tasks))
    code = scenario.code if scenario is not None else None
    explanation = (
        tr("Merged by the planner under scenario {scenario}.", scenario=code) if code else tr("Merged by the planner.")
    )
    return replace(first, tasks=tasks, lead_unit_id=lead, scenario_code=code, explanation=explanation)


def cancel_task(visit: Visit, unit_id: int) -> Visit | None:
    """The visit without that unit's task; ``None`` when nothing is left to visit for."""
    rest = [task for task in visit.tasks if task.unit_id != unit_id]
    return _part(visit, rest, tr("Task cancelled by the planner")) if rest else None


def replace_visits(schedule: Sequence[Visit], old: Sequence[Visit], new: Sequence[Visit]) -> tuple[Visit, ...]:
    """The month's visits with ``old`` taken out (each once) and ``new`` appended."""
    result = list(schedule)
    for visit in old:
        result.remove(visit)
    return (*result, *new)


def _keys(tasks: Sequence[Task]) -> list[TaskKey]:
    return [TaskKey(task.unit_id, frozenset(task.item_codes)) for task in tasks]


def _part(visit: Visit, tasks: Sequence[Task], why: Text) -> Visit:
    if len(tasks) == 1:
        return replace(visit, tasks=tuple(tasks), lead_unit_id=tasks[0].unit_id, scenario_code=None, explanation=why)
    units = {task.unit_id for task in tasks}
    lead = visit.lead_unit_id if visit.lead_unit_id in units else lead_unit(None, _keys(tasks))
    return replace(visit, tasks=tuple(tasks), lead_unit_id=lead, explanation=why)

"""Joint matching (撮合/拼团): grouping one enterprise's on-site tasks of a month into as few visits as possible.

**Covers.** A scenario ``s`` covers a task (unit ``u``, items ``I``) when ``u`` is in ``s.unit_ids`` and
every item of ``I`` is in ``s.item_codes`` — a task with one item outside the scenario cannot join it.
A group of two or more tasks may form one joint visit when a single scenario that applies to the
enterprise's industry (``ScenarioInfo.applies_to``: industry code prefix) covers every task of the group.
The scenario's lead unit need not take part: two units' tasks that a published scenario covers are
merged even when its lead unit has no task on the enterprise that month. A single task is always a
visit of its own, led by its unit, with no scenario.

**Which scenario, which lead.** When several scenarios cover a group, the one whose lead unit takes part
is named (smallest code among them), else the smallest code. The visit's lead (``Group.lead_unit_id``,
then ``Visit.lead_unit_id``; filing needs the lead among the visit's units) is ``lead_unit``: the
scenario's lead unit when it takes part; otherwise the participating unit with the most items in the
visit, then the smallest unit id. Validation (``validation``) and the planner's edits (``edits``) apply
the same rule, so a visit's lead is always one of its units and is the same whoever computes it.

**Optimal grouping.** The minimum number of visits is a minimum set partition of the tasks into
coverable groups. For ``n <= EXACT_LIMIT`` tasks it is solved exactly by dynamic programming over
subsets: ``cost[mask] = min over coverable g containing mask's lowest task of cost[mask - g] + 1``.
Only the coverable groups (submasks of each scenario's covered set) are tried, so the work is
``O(2^n * groups)`` with at most ``O(3^n)``; for the usual ``n <= 6`` it is microseconds. Ties are broken
by fewer single-task visits (more tasks in joint visits), then by the first group in a fixed order
(larger groups first, then by task index): the same tasks in the same order give the same result.
Above the limit a greedy fallback repeatedly takes the scenario covering the most remaining tasks
(smallest code on ties); it is not guaranteed optimal.

**Monthly limit.** ``match_within_limit`` keeps at most ``max_visits`` visits: when the tasks need more,
it keeps the subset of tasks with the largest total weight (then fewer visits, fewer singles) that fits,
and reports the rest as overflow. ``must_keep`` tasks (triggered work) are never overflowed; when they
alone need more visits than allowed, only visits that carry at least one of them are formed, as few as
they need, and other tasks may ride along in them.

**Why not joint.** ``joint_obstacle`` names the first reason no scenario carries a task together with
other tasks, in this order: no published scenario applies to the industry; no scenario for the industry
includes the task's unit; items of the task are outside every such scenario; the scenarios that cover
the task include another task's unit but not its items, or not its unit at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from api.i18n import Text, tr, unit
from schedules.model import ScenarioInfo

EXACT_LIMIT = 12
_INFINITE = (1 << 30, 1 << 30)


@dataclass(frozen=True, slots=True)
class TaskKey:
    """What matching needs to know of a task."""

    unit_id: int
    item_codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Group:
    members: tuple[int, ...]  # indices into the task list given
    scenario: ScenarioInfo | None
    lead_unit_id: int


@dataclass(frozen=True, slots=True)
class Grouping:
    groups: tuple[Group, ...]
    overflow: tuple[int, ...]
    exact: bool = True


def covers_task(scenario: ScenarioInfo, task: TaskKey) -> bool:
    return task.unit_id in scenario.unit_ids and task.item_codes <= scenario.item_codes


def covers_group(scenario: ScenarioInfo, tasks: Sequence[TaskKey]) -> bool:
    """The scenario may carry these tasks (two or more) as one joint visit; industry is checked apart."""
    return len(tasks) >= 2 and all(covers_task(scenario, task) for task in tasks)


def lead_unit(scenario: ScenarioInfo | None, tasks: Sequence[TaskKey]) -> int:
    """The visit's lead: the scenario's lead unit when it takes part, else most items, then smallest unit id."""
    items: dict[int, int] = {}
    for task in tasks:
        items[task.unit_id] = items.get(task.unit_id, 0) + len(task.item_codes)
    if not items:
        raise ValueError("a visit needs at least one task")
    if scenario is not None and scenario.lead_unit_id in items:
        return scenario.lead_unit_id
    return min(items, key=lambda unit: (-items[unit], unit))


def joint_obstacle(
    task: TaskKey, partners: Sequence[TaskKey], applicable: Sequence[ScenarioInfo], industry_code: str
) -> Text | None:
    """Why no published scenario carries ``task`` together with all ``partners`` (``None``: one does).

    ``applicable``: the published scenarios that apply to the enterprise's industry, sorted by code
    (``ScenarioIndex.applicable``). See the module docstring for the order of the checks.
    """
    if not applicable:
        return tr("no published scenario applies to industry {industry}", industry=industry_code)
    with_unit = [s for s in applicable if task.unit_id in s.unit_ids]
    if not with_unit:
        return tr(
            "no scenario for industry {industry} includes {unit}", industry=industry_code, unit=unit(task.unit_id)
        )
    covering = [s for s in with_unit if covers_task(s, task)]
    if not covering:
        first = with_unit[0]
        outside = sorted(task.item_codes - first.item_codes)
        if len(with_unit) > 1:
            return tr(
                "the item(s) {items} of {unit} are outside scenario {scenario} (nor any of {others} other "
                "scenario(s) with {unit})",
                items=outside,
                unit=unit(task.unit_id),
                scenario=first.code,
                others=len(with_unit) - 1,
            )
        return tr(
            "the item(s) {items} of {unit} are outside scenario {scenario}",
            items=outside,
            unit=unit(task.unit_id),
            scenario=first.code,
        )
    if any(all(covers_task(s, partner) for partner in partners) for s in covering):
        return None
    first = covering[0]
    partner = next(p for p in partners if not covers_task(first, p))
    if partner.unit_id not in first.unit_ids:
        why = tr(
            "scenario {scenario} covers the task of {unit} but not {partner}, which is not one of its units",
            scenario=first.code,
            unit=unit(task.unit_id),
            partner=unit(partner.unit_id),
        )
    else:
        why = tr(
            "scenario {scenario} covers the task of {unit} but the item(s) {items} of {partner} are outside it",
            scenario=first.code,
            unit=unit(task.unit_id),
            items=sorted(partner.item_codes - first.item_codes),
            partner=unit(partner.unit_id),
        )
    if len(covering) > 1:
        return tr("{why} (nor does any of {others} other scenario(s) covering it)", why=why, others=len(covering) - 1)
    return why


class ScenarioIndex:
    """Scenarios applicable to each industry code, sorted by code, cached per code."""

    def __init__(self, scenarios: Sequence[ScenarioInfo]) -> None:
        self.scenarios = tuple(sorted(scenarios, key=lambda s: s.code))
        self.by_code = {scenario.code: scenario for scenario in self.scenarios}
        self._cache: dict[str, tuple[ScenarioInfo, ...]] = {}

    def applicable(self, industry_code: str) -> tuple[ScenarioInfo, ...]:
        found = self._cache.get(industry_code)
        if found is None:
            found = self._cache[industry_code] = tuple(s for s in self.scenarios if s.applies_to(industry_code))
        return found


def coverable_groups(tasks: Sequence[TaskKey], scenarios: Sequence[ScenarioInfo]) -> dict[int, ScenarioInfo]:
    """Every bitmask of two or more tasks that one scenario covers, with the scenario to name for it.

    That is the smallest-code scenario whose lead unit is in the group, else the smallest-code one.
    """
    found: dict[int, ScenarioInfo] = {}
    led: set[int] = set()  # groups whose named scenario's lead takes part
    for scenario in sorted(scenarios, key=lambda s: s.code):
        covered = lead = 0
        for index, task in enumerate(tasks):
            if covers_task(scenario, task):
                covered |= 1 << index
                if task.unit_id == scenario.lead_unit_id:
                    lead |= 1 << index
        if not covered & (covered - 1):
            continue
        subset = covered
        while subset:
            if subset & (subset - 1):
                if subset not in found:
                    found[subset] = scenario
                    if subset & lead:
                        led.add(subset)
                elif subset & lead and subset not in led:
                    found[subset] = scenario
                    led.add(subset)
            subset = (subset - 1) & covered
    return found


def _partition_costs(size: int, groups: list[int]) -> tuple[list[tuple[int, int]], list[int]]:
    """DP over all subsets: (visits, single-task visits) of the best partition, and its first group."""
    by_lowest: list[list[int]] = [[] for _ in range(size)]
    for group in sorted(groups, key=lambda g: (-g.bit_count(), g)):
        by_lowest[(group & -group).bit_length() - 1].append(group)
    cost = [_INFINITE] * (1 << size)
    choice = [0] * (1 << size)
    cost[0] = (0, 0)
    for mask in range(1, 1 << size):
        best, pick = _INFINITE, 0
        for group in by_lowest[(mask & -mask).bit_length() - 1]:
            if group & mask == group:
                visits, singles = cost[mask ^ group]
                candidate = (visits + 1, singles + (group.bit_count() == 1))
                if candidate < best:
                    best, pick = candidate, group
        cost[mask], choice[mask] = best, pick
    return cost, choice


def _groups_of(mask: int, choice: list[int], tasks: Sequence[TaskKey], found: dict[int, ScenarioInfo]) -> list[Group]:
    groups = []
    while mask:
        group = choice[mask]
        groups.append(_group(group, tasks, found.get(group)))
        mask ^= group
    return groups


def _group(mask: int, tasks: Sequence[TaskKey], scenario: ScenarioInfo | None) -> Group:
    members = tuple(i for i in range(len(tasks)) if mask >> i & 1)
    return Group(members, scenario, lead_unit(scenario, [tasks[i] for i in members]))


def match_tasks(tasks: Sequence[TaskKey], scenarios: Sequence[ScenarioInfo]) -> Grouping:
    """The minimal grouping of all the tasks (scenarios already filtered to the enterprise's industry)."""
    return match_within_limit(tasks, scenarios, max_visits=len(tasks))


def match_within_limit(
    tasks: Sequence[TaskKey],
    scenarios: Sequence[ScenarioInfo],
    max_visits: int,
    must_keep: frozenset[int] = frozenset(),
    weights: Sequence[int] | None = None,
) -> Grouping:
    """Group the tasks into at most ``max_visits`` visits (see the module docstring); the rest overflow."""
    size = len(tasks)
    weights = list(weights) if weights is not None else [1] * size
    if size == 0:
        return Grouping((), ())
    if size == 1:
        keep = max_visits >= 1 or 0 in must_keep
        return Grouping((_group(1, tasks, None),), ()) if keep else Grouping((), (0,))
    if size > EXACT_LIMIT:
        return _greedy(tasks, scenarios, max_visits, must_keep, weights)
    found = coverable_groups(tasks, scenarios)
    singles = [1 << i for i in range(size)]
    cost, choice = _partition_costs(size, singles + list(found))
    full = (1 << size) - 1
    must = sum(1 << i for i in must_keep)
    if cost[full][0] <= max_visits:
        chosen = full
    elif cost[must][0] <= max_visits:
        chosen = _best_subset(size, must, cost, weights, max_visits)
    else:
        # Triggered work alone needs more visits than allowed: form only visits that carry some of it.
        cost, choice = _partition_costs(size, [g for g in singles + list(found) if g & must])
        chosen = _best_subset(size, must, cost, weights, cost[must][0])
    groups = _groups_of(chosen, choice, tasks, found)
    overflow = tuple(i for i in range(size) if not chosen >> i & 1)
    return Grouping(tuple(sorted(groups, key=lambda g: g.members)), overflow)


def _best_subset(size: int, must: int, cost: list[tuple[int, int]], weights: Sequence[int], limit: int) -> int:
    """The subset containing ``must`` of largest weight, then fewest visits and singles, within ``limit``."""
    weight = [0] * (1 << size)
    best_key, best_mask = (-1, 0, 0), must
    for mask in range(1, 1 << size):
        low = mask & -mask
        weight[mask] = weight[mask ^ low] + weights[low.bit_length() - 1]
        if mask & must != must or cost[mask][0] > limit:
            continue
        key = (weight[mask], -cost[mask][0], -cost[mask][1])
        if key > best_key:
            best_key, best_mask = key, mask
    return best_mask


def _greedy(
    tasks: Sequence[TaskKey],
    scenarios: Sequence[ScenarioInfo],
    max_visits: int,
    must_keep: frozenset[int],
    weights: Sequence[int],
) -> Grouping:
    """Above ``EXACT_LIMIT``: largest covered group first; not guaranteed optimal."""
    remaining = set(range(len(tasks)))
    groups: list[Group] = []
    while True:
        best: tuple[int, ...] = ()
        best_scenario: ScenarioInfo | None = None
        for scenario in sorted(scenarios, key=lambda s: s.code):
            members = tuple(i for i in sorted(remaining) if covers_task(scenario, tasks[i]))
            if len(members) > len(best) and covers_group(scenario, [tasks[i] for i in members]):
                best, best_scenario = members, scenario
        if best_scenario is None:
            break
        groups.append(Group(best, best_scenario, lead_unit(best_scenario, [tasks[i] for i in best])))
        remaining -= set(best)
    groups += [Group((i,), None, tasks[i].unit_id) for i in sorted(remaining)]

    def priority(group: Group) -> tuple[bool, int, int]:
        return (not must_keep & set(group.members), -sum(weights[i] for i in group.members), group.members[0])

    kept: list[Group] = []
    for group in sorted(groups, key=priority):
        if must_keep & set(group.members) or len(kept) < max_visits:
            kept.append(group)
    overflow = sorted(set(range(len(tasks))) - {i for group in kept for i in group.members})
    return Grouping(tuple(sorted(kept, key=lambda g: g.members)), tuple(overflow), exact=False)

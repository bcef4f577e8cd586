"""Joint matching is optimal: compared with brute force over every set partition of small random cases."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from schedules.matching import EXACT_LIMIT, Grouping, TaskKey, lead_unit, match_tasks, match_within_limit
from schedules.model import ScenarioInfo

UNITS = range(1, 6)
ITEMS = [f"I{n}" for n in range(8)]


def _partitions(elements: Sequence[int]) -> Iterator[list[list[int]]]:
    if not elements:
        yield []
        return
    first, rest = elements[0], elements[1:]
    for partition in _partitions(rest):
        yield [[first], *partition]
        for index in range(len(partition)):
            yield [*partition[:index], [first, *partition[index]], *partition[index + 1 :]]


def _covered(block: Sequence[TaskKey], scenario: ScenarioInfo) -> bool:
    """Reference definition, written apart from the code under test: the lead unit need not take part."""
    return all(t.unit_id in scenario.unit_ids and set(t.item_codes) <= scenario.item_codes for t in block)


def _expected_lead(block: Sequence[TaskKey], scenario: ScenarioInfo) -> int:
    """Reference lead rule: the scenario's lead when it takes part, else most items (per unit), smallest id."""
    items: dict[int, int] = {}
    for task in block:
        items[task.unit_id] = items.get(task.unit_id, 0) + len(task.item_codes)
    if scenario.lead_unit_id in items:
        return scenario.lead_unit_id
    most = max(items.values())
    return min(unit for unit, count in items.items() if count == most)


def _allowed(block: Sequence[TaskKey], scenarios: Sequence[ScenarioInfo]) -> bool:
    return len(block) == 1 or any(_covered(block, scenario) for scenario in scenarios)


def _brute_minimum(tasks: Sequence[TaskKey], scenarios: Sequence[ScenarioInfo]) -> int:
    return min(
        len(partition)
        for partition in _partitions(list(range(len(tasks))))
        if all(_allowed([tasks[i] for i in block], scenarios) for block in partition)
    )


def _assert_valid(grouping: Grouping, tasks: Sequence[TaskKey], scenarios: Sequence[ScenarioInfo]) -> None:
    placed = sorted([i for group in grouping.groups for i in group.members] + list(grouping.overflow))
    assert placed == list(range(len(tasks)))  # every task exactly once
    for group in grouping.groups:
        block = [tasks[i] for i in group.members]
        if len(block) == 1:
            assert group.scenario is None
            continue
        assert group.scenario is not None and group.scenario in scenarios
        assert _covered(block, group.scenario)
        assert group.lead_unit_id == _expected_lead(block, group.scenario)
        led = [s for s in scenarios if _covered(block, s) and s.lead_unit_id in {t.unit_id for t in block}]
        assert group.scenario == min(led or [s for s in scenarios if _covered(block, s)], key=lambda s: s.code)


task_strategy = st.builds(
    TaskKey,
    st.sampled_from(UNITS),
    st.frozensets(st.sampled_from(ITEMS), min_size=1, max_size=2),
)
scenario_strategy = st.builds(
    lambda n, lead, units, items: ScenarioInfo(f"S{n}", lead, frozenset(items), frozenset({lead, *units})),
    st.integers(0, 99),
    st.sampled_from(UNITS),
    st.frozensets(st.sampled_from(UNITS), max_size=4),
    st.frozensets(st.sampled_from(ITEMS), min_size=1, max_size=7),
)


@settings(max_examples=300, deadline=None)
@given(tasks=st.lists(task_strategy, min_size=1, max_size=7), scenarios=st.lists(scenario_strategy, max_size=5))
def test_grouping_is_minimal_like_brute_force(tasks: list[TaskKey], scenarios: list[ScenarioInfo]) -> None:
    grouping = match_tasks(tasks, scenarios)
    _assert_valid(grouping, tasks, scenarios)
    assert not grouping.overflow
    assert len(grouping.groups) == _brute_minimum(tasks, scenarios)
    assert match_tasks(tasks, scenarios) == grouping  # deterministic


@settings(max_examples=200, deadline=None)
@given(
    tasks=st.lists(task_strategy, min_size=1, max_size=6),
    scenarios=st.lists(scenario_strategy, max_size=4),
    limit=st.integers(0, 3),
    weights=st.lists(st.sampled_from([1, 100, 10_000]), min_size=6, max_size=6),
)
def test_limit_keeps_the_heaviest_feasible_subset(
    tasks: list[TaskKey], scenarios: list[ScenarioInfo], limit: int, weights: list[int]
) -> None:
    weights = weights[: len(tasks)]
    grouping = match_within_limit(tasks, scenarios, limit, weights=weights)
    _assert_valid(grouping, tasks, scenarios)
    assert len(grouping.groups) <= limit
    kept = sum(weights[i] for group in grouping.groups for i in group.members)
    best = 0
    for mask in range(1 << len(tasks)):
        subset = [tasks[i] for i in range(len(tasks)) if mask >> i & 1]
        if not subset or _brute_minimum(subset, scenarios) <= limit:
            best = max(best, sum(weights[i] for i in range(len(tasks)) if mask >> i & 1))
    assert kept == best


def test_a_task_with_an_item_outside_the_scenario_cannot_join() -> None:
    scenario = ScenarioInfo("S1", 1, frozenset({"A1", "B1"}), frozenset({1, 2}))
    inside = [TaskKey(1, frozenset({"A1"})), TaskKey(2, frozenset({"B1"}))]
    assert len(match_tasks(inside, [scenario]).groups) == 1
    outside = [TaskKey(1, frozenset({"A1"})), TaskKey(2, frozenset({"B1", "B2"}))]
    assert len(match_tasks(outside, [scenario]).groups) == 2


def test_a_scenario_merges_its_units_even_without_its_lead_unit() -> None:
    # Behaviour change: the lead unit used to be required in the group, so these stayed two visits.
    scenario = ScenarioInfo("S1", 3, frozenset({"A1", "B1", "B2", "C1"}), frozenset({1, 2, 3}))
    tasks = [TaskKey(1, frozenset({"A1"})), TaskKey(2, frozenset({"B1", "B2"}))]
    [group] = match_tasks(tasks, [scenario]).groups
    assert group.members == (0, 1) and group.scenario == scenario and group.lead_unit_id == 2  # most items
    grouping = match_tasks([*tasks, TaskKey(3, frozenset({"C1"}))], [scenario])
    assert len(grouping.groups) == 1 and grouping.groups[0].lead_unit_id == 3  # the scenario's lead takes part


def test_the_lead_rule_breaks_ties_by_the_smallest_unit_id() -> None:
    scenario = ScenarioInfo("S1", 9, frozenset({"A", "B", "C"}), frozenset({4, 7, 9}))
    assert lead_unit(scenario, [TaskKey(7, frozenset({"A"})), TaskKey(4, frozenset({"B"}))]) == 4
    assert lead_unit(scenario, [TaskKey(7, frozenset({"A", "C"})), TaskKey(4, frozenset({"B"}))]) == 7
    assert lead_unit(scenario, [TaskKey(7, frozenset({"A", "C"})), TaskKey(9, frozenset({"B"}))]) == 9
    assert lead_unit(None, [TaskKey(5, frozenset({"A"}))]) == 5


def test_a_scenario_whose_lead_takes_part_is_named_before_a_smaller_code() -> None:
    without_lead = ScenarioInfo("S0", 3, frozenset({"A", "B"}), frozenset({1, 2, 3}))
    with_lead = ScenarioInfo("S5", 2, frozenset({"A", "B"}), frozenset({1, 2}))
    tasks = [TaskKey(1, frozenset({"A"})), TaskKey(2, frozenset({"B"}))]
    [group] = match_tasks(tasks, [without_lead, with_lead]).groups
    assert group.scenario == with_lead and group.lead_unit_id == 2


def test_ties_prefer_more_tasks_in_joint_visits_and_the_smallest_scenario_code() -> None:
    big = ScenarioInfo("S2", 1, frozenset({"A", "B", "C"}), frozenset({1, 2, 3}))
    pair = ScenarioInfo("S1", 4, frozenset({"C", "D"}), frozenset({3, 4}))
    twin = ScenarioInfo("S0", 4, frozenset({"C", "D"}), frozenset({3, 4}))
    tasks = [
        TaskKey(1, frozenset({"A"})),
        TaskKey(2, frozenset({"B"})),
        TaskKey(3, frozenset({"C"})),
        TaskKey(4, frozenset({"D"})),
    ]
    grouping = match_tasks(tasks, [big, pair, twin])
    # {1,2,3}+{4} and {1,2}+{3,4} both need two visits; the second leaves no task alone.
    assert [group.members for group in grouping.groups] == [(0, 1), (2, 3)]
    assert grouping.groups[1].scenario == twin


def test_triggered_tasks_are_never_overflowed() -> None:
    tasks = [TaskKey(1, frozenset({"A"})), TaskKey(2, frozenset({"B"})), TaskKey(3, frozenset({"C"}))]
    grouping = match_within_limit(tasks, [], max_visits=1, must_keep=frozenset({1, 2}), weights=[1, 1, 1])
    assert sorted(i for group in grouping.groups for i in group.members) == [1, 2]
    assert grouping.overflow == (0,)
    none_allowed = match_within_limit(tasks, [], max_visits=0, must_keep=frozenset({2}))
    assert [group.members for group in none_allowed.groups] == [(2,)]


def test_greedy_fallback_above_the_exact_limit_is_still_valid() -> None:
    size = EXACT_LIMIT + 3
    tasks = [TaskKey(unit, frozenset({f"I{unit}"})) for unit in range(1, size + 1)]
    scenarios = [
        ScenarioInfo("S1", 1, frozenset(f"I{u}" for u in range(1, 8)), frozenset(range(1, 8))),
        ScenarioInfo("S2", 8, frozenset(f"I{u}" for u in range(8, 12)), frozenset(range(8, 12))),
    ]
    grouping = match_tasks(tasks, scenarios)
    assert not grouping.exact
    _assert_valid(grouping, tasks, scenarios)
    assert len(grouping.groups) == 2 + (size - 11)

"""Property test: a year built month by month never exceeds a cap, whatever the (small, random) inputs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedules.builder import build_month, carry_over
from schedules.model import (
    BuildConfig,
    EnterpriseInfo,
    ExtraTask,
    History,
    ItemInfo,
    PlanEntry,
    PlanKind,
    ScenarioInfo,
    SourceKind,
    TargetSelector,
)
from schedules.validation import validate_schedule

UNITS = [1, 2, 3]
CATEGORIES = ["random_check", "key_supervision", "no_disturbance"]


@dataclass(frozen=True)
class World:
    items: list[ItemInfo]
    enterprises: list[EnterpriseInfo]
    entries: list[PlanEntry]
    scenarios: list[ScenarioInfo]
    config: BuildConfig
    history: History
    specials: list[ExtraTask]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    items = [
        ItemInfo(
            f"I{unit}{n}",
            unit,
            draw(st.integers(1, 3)),
            draw(st.sampled_from(CATEGORIES)),
            draw(st.booleans()),
        )
        for unit in UNITS
        for n in range(draw(st.integers(1, 3)))
    ]
    codes = [item.code for item in items]
    enterprises = [
        EnterpriseInfo(
            f"9137010000000{n:04d}X", draw(st.sampled_from(["C2614", "H6210"])), whitelisted=draw(st.booleans())
        )
        for n in range(draw(st.integers(1, 4)))
    ]
    usccs = [e.uscc for e in enterprises]
    entries = [
        PlanEntry(
            draw(st.sampled_from(UNITS)),
            f"P{n}",
            tuple(draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3))),
            draw(
                st.sampled_from(
                    [TargetSelector(), TargetSelector(industry_prefixes=("C",)), TargetSelector(usccs=tuple(usccs[:1]))]
                )
            ),
            draw(st.integers(1, 12)),
            draw(st.sampled_from(list(PlanKind))),
            draw(st.booleans()),
        )
        for n in range(draw(st.integers(1, 6)))
    ]
    scenarios = [
        ScenarioInfo(
            f"S{n}", draw(st.sampled_from(UNITS)), frozenset(draw(st.lists(st.sampled_from(codes)))), frozenset(UNITS)
        )
        for n in range(draw(st.integers(0, 2)))
    ]
    config = BuildConfig(unit_yearly_cap=draw(st.integers(1, 3)), max_onsite_visits_per_month=draw(st.integers(1, 2)))
    unit_visits = {(u, unit): draw(st.integers(0, config.unit_yearly_cap)) for u in usccs for unit in UNITS}
    item_counts = {(u, item.code): draw(st.integers(0, item.yearly_cap)) for u in usccs for item in items}
    specials = [
        ExtraTask(f"X{n}", draw(st.sampled_from(usccs)), item.unit_id, (item.code,), SourceKind.special)
        for n, item in enumerate(draw(st.lists(st.sampled_from(items), max_size=3)))
    ]
    return World(items, enterprises, entries, scenarios, config, History(unit_visits, item_counts, {}), specials)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds())
def test_a_year_never_exceeds_a_cap(world: World) -> None:
    items, enterprises, config, scenarios = world.items, world.enterprises, world.config, world.scenarios
    unit_visits, item_counts = Counter(world.history.unit_visits), Counter(world.history.item_inspections)
    by_month: Counter[tuple[str, int]] = Counter()
    whitelisted = {e.uscc for e in enterprises if e.whitelisted}
    categories = {item.code: item.category for item in items}
    carried: list[ExtraTask] = []
    for month in range(1, 13):
        history = History(dict(unit_visits), dict(item_counts), dict(by_month))
        extra = carried + (world.specials if month == 3 else [])
        result = build_month(2026, month, world.entries, enterprises, items, scenarios, history, extra, config)
        violations = validate_schedule(
            2026,
            month,
            result.visits,
            enterprises=enterprises,
            items=items,
            scenarios=scenarios,
            history=history,
            config=config,
        )
        assert violations == []
        for visit in result.visits:
            if visit.onsite:
                by_month[(visit.uscc, month)] += 1
                assert visit.uscc not in whitelisted
            for task in visit.tasks:
                if visit.onsite:
                    unit_visits[(task.uscc, task.unit_id)] += 1
                    assert all(categories[code] != "no_disturbance" for code in task.item_codes)
                for code in task.item_codes:
                    item_counts[(task.uscc, code)] += 1
        carried = carry_over(result.overflow)
    assert all(count <= config.unit_yearly_cap for count in unit_visits.values())
    caps = {item.code: item.yearly_cap for item in items}
    assert all(count <= caps[code] for (_, code), count in item_counts.items())
    assert all(count <= config.max_onsite_visits_per_month for count in by_month.values())

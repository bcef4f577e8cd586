"""A planner's edits are re-validated against the builder's rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import chinese_calendar

from schedules.builder import build_month
from schedules.calendar import working_days
from schedules.edits import cancel_task, merge_visits, move_visit, replace_visits, split_visit, unmerge_task
from schedules.model import (
    BuildConfig,
    EnterpriseInfo,
    History,
    ItemInfo,
    PlanEntry,
    ScenarioInfo,
    TargetSelector,
    Visit,
)
from schedules.validation import Violation, validate_edit, validate_schedule

E1, E3 = "91370100000000001X", "91370100000000003X"
ENTERPRISES = [EnterpriseInfo(E1, "C2614"), EnterpriseInfo(E3, "H6210")]
ITEMS = [ItemInfo("A1", 1, 3), ItemInfo("B1", 2, 3), ItemInfo("C1", 3, 3), ItemInfo("D1", 4, 3)]
TRIO = ScenarioInfo("S2", 1, frozenset({"A1", "B1", "C1"}), frozenset({1, 2, 3}), ("C26",))
SCENARIOS = [TRIO]
CONFIG = BuildConfig(unit_yearly_cap=3, quiet_days=frozenset(range(1, 6)))


def _entries(uscc: str, units: dict[int, str]) -> list[PlanEntry]:
    return [PlanEntry(unit, f"P{unit}", (code,), TargetSelector(usccs=(uscc,)), 12) for unit, code in units.items()]


def _schedule(entries: list[PlanEntry], config: BuildConfig = CONFIG) -> tuple[Visit, ...]:
    return build_month(2026, 10, entries, ENTERPRISES, ITEMS, SCENARIOS, History(), [], config).visits


def _new_violations(
    before: tuple[Visit, ...], after: tuple[Visit, ...], config: BuildConfig = CONFIG
) -> list[Violation]:
    return validate_edit(
        2026,
        10,
        before,
        after,
        enterprises=ENTERPRISES,
        items=ITEMS,
        scenarios=SCENARIOS,
        history=History(),
        config=config,
    )


def _codes(violations: list[Violation]) -> set[str]:
    return {violation.code for violation in violations}


def test_the_builders_schedule_is_valid() -> None:
    visits = _schedule(_entries(E1, {1: "A1", 2: "B1", 3: "C1"}))
    violations = validate_schedule(
        2026, 10, visits, enterprises=ENTERPRISES, items=ITEMS, scenarios=SCENARIOS, history=History(), config=CONFIG
    )
    assert violations == []
    assert [visit.scenario_code for visit in visits] == ["S2"]


def test_a_move_into_a_holiday_or_a_quiet_day_is_reported() -> None:
    before = _schedule(_entries(E1, {1: "A1", 2: "B1"}))
    [visit] = before
    assert not chinese_calendar.is_workday(dt.date(2026, 10, 7))
    [violation] = _new_violations(before, (move_visit(visit, dt.date(2026, 10, 7)),))
    assert violation.code == "window_not_working_day" and "National Day" in str(violation.message)
    on_first = _new_violations(before, (move_visit(visit, dt.date(2026, 10, 1)),))
    assert _codes(on_first) == {"window_not_working_day", "window_on_quiet_day"}  # CONFIG's quiet days are 1–5
    weekend = next(d for d in (dt.date(2026, 10, day) for day in range(8, 32)) if not chinese_calendar.is_workday(d))
    assert _codes(_new_violations(before, (move_visit(visit, weekend),))) == {"window_not_working_day"}
    assert _codes(_new_violations(before, (move_visit(visit, dt.date(2026, 11, 2)),))) == {"window_outside_month"}


def test_a_move_onto_a_make_up_working_day_is_fine() -> None:
    before = _schedule(_entries(E1, {1: "A1", 2: "B1"}))
    make_up = [d for d in working_days(2026, 10) if d.weekday() >= 5 and d.day > 5]
    for day in make_up:
        assert _new_violations(before, (move_visit(before[0], day),)) == []


def test_a_quiet_day_is_reported_for_planned_visits() -> None:
    config = BuildConfig(unit_yearly_cap=3, quiet_days=frozenset(range(1, 16)))
    before = _schedule(_entries(E1, {1: "A1"}), config)
    quiet = next(d for d in working_days(2026, 10) if d.day <= 15)
    assert _codes(_new_violations(before, (move_visit(before[0], quiet),), config)) == {"window_on_quiet_day"}


def test_a_merge_without_a_covering_scenario_is_reported() -> None:
    loose = BuildConfig(unit_yearly_cap=3, max_onsite_visits_per_month=3)
    before = _schedule(_entries(E1, {1: "A1", 4: "D1"}), loose)  # D1 is in no scenario
    assert len(before) == 2
    assert _codes(_new_violations(before, (merge_visits(before, None),), loose)) == {"joint_without_scenario"}
    assert _codes(_new_violations(before, (merge_visits(before, TRIO),), loose)) == {"scenario_does_not_cover"}
    elsewhere = _schedule(_entries(E3, {1: "A1", 2: "B1"}), loose)  # TRIO is for industry C26, E3 is H62
    assert _codes(_new_violations(elsewhere, (merge_visits(elsewhere, TRIO),), loose)) == {"scenario_not_applicable"}


def test_unmerge_and_split_are_checked_against_the_monthly_limit() -> None:
    before = _schedule(_entries(E1, {1: "A1", 2: "B1", 3: "C1"}))
    [visit] = before
    rest, own = unmerge_task(visit, 3)
    assert rest.scenario_code == "S2" and own.scenario_code is None and own.lead_unit_id == 3
    assert _codes(_new_violations(before, (rest, own))) == {"monthly_visit_limit"}
    parts = split_visit(visit, [[1], [2]])
    assert [part.unit_ids for part in parts] == [(1,), (2,), (3,)]
    assert _codes(_new_violations(before, parts)) == {"monthly_visit_limit"}
    roomy = BuildConfig(unit_yearly_cap=3, max_onsite_visits_per_month=3)
    assert _new_violations(before, parts, roomy) == []


def test_cancelling_the_lead_units_task_hands_the_lead_on_and_cancelling_all_is_fine() -> None:
    # Behaviour change: a scenario no longer needs its lead unit in the visit, so this is no violation.
    before = _schedule(_entries(E1, {1: "A1", 2: "B1", 3: "C1"}))
    [visit] = before
    without_lead = cancel_task(visit, 1)
    assert without_lead is not None and without_lead.lead_unit_id == 2 and without_lead.scenario_code == "S2"
    assert _new_violations(before, (without_lead,)) == []
    misled = replace(without_lead, lead_unit_id=3)
    assert _codes(_new_violations(before, (misled,))) == {"lead_unit_mismatch"}
    gone = replace(without_lead, lead_unit_id=1)
    assert _codes(_new_violations(before, (gone,))) == {"lead_unit_not_in_visit"}
    without_other = cancel_task(visit, 3)
    assert without_other is not None and _new_violations(before, (without_other,)) == []
    only = _schedule(_entries(E1, {1: "A1"}))
    assert cancel_task(only[0], 1) is None
    assert _new_violations(only, replace_visits(only, only, [])) == []


def test_an_added_visit_over_the_caps_is_reported() -> None:
    tight = BuildConfig(unit_yearly_cap=1, max_onsite_visits_per_month=2)
    before = _schedule(_entries(E1, {1: "A1"}), tight)
    again = move_visit(before[0], working_days(2026, 10)[-1])
    assert _codes(_new_violations(before, (*before, again), tight)) == {"unit_cap_exceeded"}

"""The monthly builder: determinism, joint visits, overflow, exclusions, calendar and quiet days."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

import chinese_calendar

from schedules.builder import build_month, carry_over
from schedules.calendar import supported_years, working_days
from schedules.model import (
    BuildConfig,
    BuildResult,
    EnterpriseInfo,
    ExtraTask,
    History,
    ItemInfo,
    PlanEntry,
    ScenarioInfo,
    SourceKind,
    TargetSelector,
)
from schedules.validation import validate_schedule

E1, E2, E3 = "91370100000000001X", "91370100000000002X", "91370100000000003X"
ENTERPRISES = [
    EnterpriseInfo(E1, "C2614", "high", above_scale=True),
    EnterpriseInfo(E2, "C2614", "low", whitelisted=True),
    EnterpriseInfo(E3, "H6210", "medium"),
]
ITEMS = [
    ItemInfo("A1", 1, 12),
    ItemInfo("K1", 1, 12, category="key_supervision"),
    ItemInfo("B1", 2, 12),
    ItemInfo("ND", 2, 12, category="no_disturbance", nonsite_capable=True),
    ItemInfo("C1", 3, 12),
    ItemInfo("NX", 3, 12, category="no_disturbance"),
]
SCENARIOS = [ScenarioInfo("S1", 1, frozenset({"A1", "B1"}), frozenset({1, 2}), ("C26",))]
LOOSE = BuildConfig(unit_yearly_cap=12)  # caps out of the way: every month-12 entry is due every month


def _entry(unit: int, entry_id: str, items: Sequence[str], usccs: Sequence[str], frequency: int = 12) -> PlanEntry:
    return PlanEntry(unit, entry_id, tuple(items), TargetSelector(usccs=tuple(usccs)), frequency)


def _build(
    entries: Sequence[PlanEntry],
    month: int = 10,
    config: BuildConfig = LOOSE,
    history: History | None = None,
    extra: Sequence[ExtraTask] = (),
    enterprises: Sequence[EnterpriseInfo] = ENTERPRISES,
    items: Sequence[ItemInfo] = ITEMS,
    year: int = 2026,
) -> BuildResult:
    history = history or History()
    result = build_month(year, month, entries, enterprises, items, SCENARIOS, history, extra, config)
    violations = validate_schedule(
        year,
        month,
        result.visits,
        enterprises=enterprises,
        items=items,
        scenarios=SCENARIOS,
        history=history,
        config=config,
    )
    assert violations == []  # the builder's output always passes its own rules
    return result


JOINT = [_entry(1, "P-A1", ["A1"], [E1]), _entry(2, "P-B1", ["B1"], [E1])]


def test_same_inputs_give_the_same_schedule_whatever_their_order() -> None:
    entries = [*JOINT, _entry(3, "P-C1", ["C1"], [E1, E3]), _entry(1, "P-K1", ["K1"], [E3], 5)]
    first = _build(entries)
    assert _build(entries) == first
    shuffled = list(entries)
    random.Random(7).shuffle(shuffled)
    assert build_month(2026, 10, shuffled, ENTERPRISES[::-1], ITEMS[::-1], SCENARIOS, History(), [], LOOSE) == first


def test_tasks_of_two_units_merge_under_a_scenario_led_by_its_lead_unit() -> None:
    result = _build(JOINT)
    [visit] = result.visits
    assert visit.is_joint and visit.scenario_code == "S1" and visit.lead_unit_id == 1 and visit.unit_ids == (1, 2)
    for task in visit.tasks:
        assert "S1" in str(task.explanation) and task.sources[0].ref in str(task.explanation)
    assert result.joint_task_rate == 1.0 and result.joint_visit_rate == 1.0


def test_no_scenario_for_the_industry_means_separate_tasks_and_overflow() -> None:
    entries = [_entry(1, "P-A1", ["A1"], [E3]), _entry(2, "P-B1", ["B1"], [E3])]  # S1 is for C26 only
    result = _build(entries)
    assert len(result.visits) == 1 and not result.visits[0].is_joint
    [moved] = result.overflow
    assert (moved.to_year, moved.to_month) == (2026, 11)
    assert str(moved.task.explanation).count("Moved to 2026-11") == 1 and "no published scenario" in str(moved.reason)


def test_overflow_moves_to_the_next_month_and_is_placed_first_there() -> None:
    entries = [*JOINT, _entry(3, "P-C1", ["C1"], [E1])]
    october = _build(entries)
    assert [v.unit_ids for v in october.visits] == [(1, 2)]  # the joint visit keeps more tasks
    [moved] = october.overflow
    assert moved.task.unit_id == 3 and "Moved to 2026-11" in str(moved.task.explanation)
    november = _build(entries, month=11, extra=carry_over(october.overflow))
    assert [v.unit_ids for v in november.visits] == [(3,)]  # carried-over work outranks new routine work
    assert "carried-over task" in str(november.visits[0].tasks[0].explanation)
    assert {o.task.unit_id for o in november.overflow} == {1, 2}
    december = _build(entries, month=12)
    assert {(o.to_year, o.to_month) for o in december.overflow} == {(2026 + 1, 1)}


def test_visits_already_this_month_count_against_the_limit() -> None:
    history = History(onsite_visits_by_month={(E1, 10): 1})
    result = _build(JOINT, history=history)
    assert not result.visits and len(result.overflow) == 2
    assert "already has 1 on-site visit(s)" in str(result.overflow[0].reason)


def test_whitelisted_enterprise_gets_no_planned_onsite_task() -> None:
    result = _build([_entry(2, "P-B", ["B1", "ND"], [E2])])
    assert all(not visit.onsite for visit in result.visits)
    [nonsite] = result.visits
    assert nonsite.tasks[0].item_codes == ("ND",) and "redirected to non-site" in str(nonsite.tasks[0].explanation)
    [dropped] = result.dropped
    assert dropped.item_codes == ("B1",) and "whitelisted" in str(dropped.reason)


def test_triggered_work_may_visit_a_whitelisted_enterprise() -> None:
    trigger = ExtraTask("T1", E2, 1, ("A1",), SourceKind.triggered, note="complaint 12345")
    [visit] = _build([], extra=[trigger]).visits
    assert visit.onsite and visit.tasks[0].triggered and "complaint 12345" in str(visit.tasks[0].explanation)


def test_triggered_work_is_kept_beyond_the_monthly_limit_and_routine_work_waits() -> None:
    triggers = [ExtraTask(f"T{unit}", E3, unit, (code,), SourceKind.triggered) for unit, code in [(1, "A1"), (2, "B1")]]
    result = _build([_entry(3, "P-C1", ["C1"], [E3])], extra=triggers)
    assert [visit.unit_ids for visit in result.visits] == [(1,), (2,)]  # no scenario for H62: two visits
    assert [moved.task.unit_id for moved in result.overflow] == [3]


def test_no_disturbance_items_get_no_routine_onsite_inspection() -> None:
    result = _build([_entry(2, "P-B", ["B1", "ND"], [E1]), _entry(3, "P-C", ["NX"], [E1])])
    onsite_items = {code for visit in result.visits if visit.onsite for t in visit.tasks for code in t.item_codes}
    assert onsite_items == {"B1"}
    assert {code for visit in result.visits if not visit.onsite for t in visit.tasks for code in t.item_codes} == {"ND"}
    assert [d.item_codes for d in result.dropped] == [("NX",)] and "无事不扰" in str(result.dropped[0].reason)


def _many(count: int, items: Sequence[str] = ("A1",)) -> tuple[list[EnterpriseInfo], list[PlanEntry]]:
    enterprises = [EnterpriseInfo(f"9137010000000{n:04d}X", "H6210") for n in range(count)]
    return enterprises, [PlanEntry(1, "P-all", tuple(items), TargetSelector(industry_prefixes=("H",)), 12)]


def test_october_2026_windows_skip_national_day_and_use_make_up_days() -> None:
    enterprises, entries = _many(60)
    result = _build(entries, enterprises=enterprises)
    starts = {visit.window_start for visit in result.visits}
    assert len(result.visits) == 60
    assert not any(dt.date(2026, 10, 1) <= day <= dt.date(2026, 10, 7) for day in starts)
    assert starts == set(working_days(2026, 10))  # more visits than days: every working day is used
    make_up = [d for d in working_days(2026, 10) if d.weekday() >= 5]
    assert make_up == [d for d in make_up if chinese_calendar.is_workday(d)]
    assert all(day in starts for day in make_up)  # 调休 Saturdays/Sundays of the library get windows


def test_quiet_days_keep_planned_visits_out_unless_exempt() -> None:
    enterprises, entries = _many(40)
    exempt_entries = [PlanEntry(1, "P-key", ("K1",), TargetSelector(industry_prefixes=("H",)), 12)]
    config = BuildConfig(
        unit_yearly_cap=12, quiet_days=frozenset(range(1, 16)), quiet_exempt_categories=frozenset({"key_supervision"})
    )
    plain = _build(entries, config=config, enterprises=enterprises)
    assert all(visit.window_start.day > 15 for visit in plain.visits)
    exempt = _build(exempt_entries, config=config, enterprises=enterprises)
    assert any(visit.window_start.day <= 15 for visit in exempt.visits)


def test_a_visit_with_no_allowed_day_moves_to_the_next_month() -> None:
    everything_quiet = BuildConfig(unit_yearly_cap=12, quiet_days=frozenset(range(1, 32)))
    trigger = ExtraTask("T1", E3, 2, ("B1",), SourceKind.triggered)
    result = _build([_entry(1, "P-A1", ["A1"], [E1])], config=everything_quiet, extra=[trigger])
    assert [visit.uscc for visit in result.visits] == [E3]  # triggered work may use quiet days
    [moved] = result.overflow
    assert moved.task.uscc == E1 and "quiet days" in str(moved.reason)


def test_a_window_spans_the_configured_number_of_allowed_days() -> None:
    enterprises, entries = _many(3)
    result = _build(entries, enterprises=enterprises, config=BuildConfig(unit_yearly_cap=12, window_days=3))
    days = working_days(2026, 10)
    for visit in result.visits:
        start = days.index(visit.window_start)
        assert visit.window_end == days[min(start + 2, len(days) - 1)]


def test_unit_and_item_caps_count_the_history() -> None:
    entries = [_entry(1, "P-A1", ["A1"], [E1, E3]), _entry(3, "P-C1", ["C1"], [E3])]
    items = [ItemInfo("A1", 1, 12), ItemInfo("C1", 3, 1)]
    history = History(unit_visits={(E1, 1): 2}, item_inspections={(E3, "C1"): 1})
    result = _build(entries, history=history, items=items, config=BuildConfig())
    assert [(v.uscc, v.unit_ids) for v in result.visits] == [(E3, (1,))]
    reasons = sorted(str(d.reason) for d in result.dropped)
    assert "item C1 has used its yearly cap" in reasons[0] and "unit 1 has used its yearly cap" in reasons[1]


def test_january_2027_builds_on_the_provisional_calendar() -> None:
    year = supported_years().stop  # 2027 with chinese-calendar 1.11: not published yet
    result = _build(JOINT, month=1, year=year)
    assert result.calendar_provisional
    [visit] = result.visits
    assert visit.window_start in working_days(year, 1) and visit.window_start != dt.date(year, 1, 1)

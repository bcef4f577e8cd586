"""Joint matching as users expect it: a scenario merges its units without its lead unit, and every unmerged
pair's explanation names the real reason."""

from __future__ import annotations

from collections.abc import Sequence

from api.i18n import render_stored
from api.plans.words import message_store
from schedules.builder import build_month
from schedules.edits import merge_visits
from schedules.model import (
    BuildConfig,
    BuildResult,
    EnterpriseInfo,
    History,
    ItemInfo,
    PlanEntry,
    ScenarioInfo,
    TargetSelector,
    Visit,
)
from schedules.validation import validate_edit, validate_schedule

C26, H62 = "91370100000000001X", "91370100000000003X"
ENTERPRISES = [EnterpriseInfo(C26, "C2614"), EnterpriseInfo(H62, "H6210")]
ITEMS = [
    ItemInfo("A1", 1, 12),
    ItemInfo("B1", 2, 12),
    ItemInfo("B2", 2, 12),
    ItemInfo("B3", 2, 12),
    ItemInfo("C1", 3, 12),
    ItemInfo("D1", 4, 12),
]
# Led by unit 3 (e.g. the market regulator), carrying units 1 and 2 as well; for industry C26 only.
KITCHEN = ScenarioInfo("S1", 3, frozenset({"A1", "B1", "B2", "C1"}), frozenset({1, 2, 3}), ("C26",))
LOOSE = BuildConfig(unit_yearly_cap=12, max_onsite_visits_per_month=3)


def _entries(uscc: str, units: dict[int, Sequence[str]]) -> list[PlanEntry]:
    return [PlanEntry(u, f"P{u}", tuple(codes), TargetSelector(usccs=(uscc,)), 12) for u, codes in units.items()]


def _build(entries: list[PlanEntry], config: BuildConfig = LOOSE, history: History | None = None) -> BuildResult:
    history = history or History()
    result = build_month(2026, 10, entries, ENTERPRISES, ITEMS, [KITCHEN], history, [], config)
    violations = validate_schedule(
        2026,
        10,
        result.visits,
        enterprises=ENTERPRISES,
        items=ITEMS,
        scenarios=[KITCHEN],
        history=history,
        config=config,
    )
    assert violations == []
    return result


def _notes(visits: Sequence[Visit]) -> dict[int, str]:
    return {task.unit_id: str(task.explanation) for visit in visits for task in visit.tasks}


def test_two_units_merge_under_a_scenario_whose_lead_unit_has_no_task_there() -> None:
    result = _build(_entries(C26, {1: ["A1"], 2: ["B1", "B2"]}))
    [visit] = result.visits
    assert visit.is_joint and visit.scenario_code == "S1" and visit.unit_ids == (1, 2)
    assert visit.lead_unit_id == 2  # the scenario's lead (3) is absent: the unit with the most items leads
    assert "led by unit 2" in str(visit.explanation)
    for note in _notes(result.visits).values():
        assert "scenario S1 (led by unit 2: scenario S1's lead, unit 3, has no task here" in note
    assert result.joint_task_rate == 1.0


def test_the_scenarios_lead_unit_leads_when_it_takes_part() -> None:
    [visit] = _build(_entries(C26, {1: ["A1"], 2: ["B1", "B2"], 3: ["C1"]})).visits
    assert visit.unit_ids == (1, 2, 3) and visit.lead_unit_id == 3
    assert "(led by unit 3, the scenario's lead unit)" in str(visit.tasks[0].explanation)


def test_equal_items_without_the_lead_unit_go_to_the_smallest_unit_id() -> None:
    [visit] = _build(_entries(C26, {2: ["B1"], 1: ["A1"]})).visits
    assert visit.lead_unit_id == 1


def test_no_scenario_for_the_industry_is_named_as_the_reason() -> None:
    notes = _notes(_build(_entries(H62, {1: ["A1"], 2: ["B1"]})).visits)
    assert notes[1].endswith(
        "Own visit (not with the visit of unit 2: no published scenario applies to industry H6210)."
    )
    assert notes[2].endswith(
        "Own visit (not with the visit of unit 1: no published scenario applies to industry H6210)."
    )


def test_a_scenario_covering_one_unit_but_not_the_other_is_named() -> None:
    notes = _notes(_build(_entries(C26, {1: ["A1"], 4: ["D1"]})).visits)
    assert (
        "not with the visit of unit 4: scenario S1 covers the task of unit 1 but not unit 4, "
        "which is not one of its units" in (notes[1])
    )
    assert "not with the visit of unit 1: no scenario for industry C2614 includes unit 4" in notes[4]


def test_an_item_outside_the_scenario_is_named() -> None:
    notes = _notes(_build(_entries(C26, {1: ["A1"], 2: ["B1", "B3"]})).visits)
    assert "scenario S1 covers the task of unit 1 but the item(s) B3 of unit 2 are outside it" in notes[1]
    assert "the item(s) B3 of unit 2 are outside scenario S1" in notes[2]


def test_the_monthly_limit_is_named_with_the_reason_the_task_could_not_join() -> None:
    result = _build(_entries(H62, {1: ["A1"], 2: ["B1"]}), BuildConfig(unit_yearly_cap=12))
    [moved] = result.overflow
    assert str(moved.reason) == (
        "the enterprise may have 1 on-site visit(s) a month, taken by: the visit of unit 1 "
        "(no published scenario applies to industry H6210)"
    )
    already = History(onsite_visits_by_month={(C26, 10): 1})
    full = _build(_entries(C26, {1: ["A1"], 2: ["B1"]}), BuildConfig(unit_yearly_cap=12), already)
    assert not full.visits
    assert {str(o.reason) for o in full.overflow} == {
        "the enterprise already has 1 on-site visit(s) in 2026-10 (limit 1 a month)"
    }


def test_a_planners_merge_follows_the_same_lead_rule() -> None:
    entries = _entries(C26, {1: ["A1"], 2: ["B1", "B2"]})
    before = build_month(2026, 10, entries, ENTERPRISES, ITEMS, [], History(), [], LOOSE).visits  # no scenario yet
    assert [visit.unit_ids for visit in before] == [(1,), (2,)]
    merged = merge_visits(before, KITCHEN)
    assert merged.unit_ids == (1, 2) and merged.lead_unit_id == 2 and merged.scenario_code == "S1"
    violations = validate_edit(
        2026,
        10,
        before,
        (merged,),
        enterprises=ENTERPRISES,
        items=ITEMS,
        scenarios=[KITCHEN],
        history=History(),
        config=LOOSE,
    )
    assert violations == []


def test_the_explanations_are_chinese_by_default_and_name_the_units_once_stored() -> None:
    """The builder's words are messages: stored with the units' names, read in Chinese or, on request, English."""
    result = _build(_entries(C26, {1: ["A1"], 2: ["B1", "B2"]}))
    [visit] = result.visits
    names = {1: "区市场监管局", 2: "区应急管理局", 3: "区消防救援大队"}
    stored = message_store(names)(visit.explanation)
    assert render_stored(stored, "zh_CN") == (
        "区市场监管局、区应急管理局按联合检查场景 S1 联合检查，由区应急管理局牵头；"
        f"时间段 {visit.window_start}（工作日）。"
    )
    assert render_stored(stored, "en") == (
        f"Joint visit of 区市场监管局, 区应急管理局 under scenario S1, led by 区应急管理局; "
        f"window {visit.window_start} on working days."
    )
    task_note = render_stored(message_store(names)(visit.tasks[0].explanation), "zh_CN")
    assert task_note.startswith("来源：区市场监管局的计划条目 P1（日常检查，每年 12 次，安排在 ")
    assert "由区应急管理局牵头：场景 S1 的牵头单位区消防救援大队在此无任务" in task_note
    assert not any(word in task_note for word in ("unit", "Joint", "From", "visit"))
    assert render_stored("Visit by unit 21; window 2026-10-09 on working days.") == (
        "Visit by unit 21; window 2026-10-09 on working days."  # a row stored before messages stays as it was
    )

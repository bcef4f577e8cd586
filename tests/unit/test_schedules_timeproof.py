"""Time-proof building: never in the past, remaining frequency, shortfalls, overflow across months and years,
months built in any order. Every date is pinned; "today" is always a parameter."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from hypothesis import given, settings
from hypothesis import strategies as st

from schedules.builder import build_month, carry_over, overflow_target
from schedules.calendar import WorkCalendar, YearCalendar, default_calendar, official_years_from_package, working_days
from schedules.model import (
    BuildConfig,
    BuildResult,
    EnterpriseInfo,
    ExtraTask,
    History,
    ItemInfo,
    PlanEntry,
    ScenarioInfo,
    TargetSelector,
)
from schedules.spread import allocate, due_months, entry_months
from schedules.validation import validate_edit, validate_schedule

D = dt.date
ITEMS = [ItemInfo("A1", 1, 12), ItemInfo("B1", 2, 12)]
ROOMY = BuildConfig(unit_yearly_cap=12)


def _enterprises(count: int, industry: str = "H6210") -> list[EnterpriseInfo]:
    return [EnterpriseInfo(f"9137010000000{n:04d}X", industry) for n in range(count)]


def _entry(frequency: int, unit: int = 1, entry_id: str = "P1", items: Sequence[str] = ("A1",)) -> PlanEntry:
    return PlanEntry(unit, entry_id, tuple(items), TargetSelector(), frequency)


@dataclass
class Year:
    """A year built month by month the way the persistence layer does: history, built months, carried work."""

    year: int
    entries: list[PlanEntry]
    enterprises: list[EnterpriseInfo]
    config: BuildConfig = ROOMY
    scenarios: list[ScenarioInfo] = field(default_factory=list)
    calendar: WorkCalendar = field(default_factory=default_calendar)
    results: dict[int, BuildResult] = field(default_factory=dict)
    carried: dict[tuple[int, int], list[ExtraTask]] = field(default_factory=dict)

    def history(self, month: int) -> History:
        unit_visits: Counter[tuple[str, int]] = Counter()
        items: Counter[tuple[str, str]] = Counter()
        by_month: Counter[tuple[str, int]] = Counter()
        entry_tasks: Counter[tuple[str, str]] = Counter()
        for built, result in self.results.items():
            if built == month:
                continue
            for visit in result.visits:
                by_month[(visit.uscc, built)] += visit.onsite
                for task in visit.tasks:
                    unit_visits[(task.uscc, task.unit_id)] += task.onsite
                    items.update((task.uscc, code) for code in task.item_codes)
                    entry_tasks.update((task.uscc, entry) for entry in task.entry_ids)
        built_months = frozenset(self.results) - {month}
        return History(dict(unit_visits), dict(items), dict(by_month), dict(entry_tasks), built_months)

    def build(self, month: int, today: dt.date) -> BuildResult:
        history = self.history(month)
        extra = self.carried.pop((self.year, month), [])
        result = build_month(
            self.year,
            month,
            self.entries,
            self.enterprises,
            ITEMS,
            self.scenarios,
            history,
            extra,
            self.config,
            calendar=self.calendar,
            today=today,
        )
        violations = validate_schedule(
            self.year,
            month,
            result.visits,
            enterprises=self.enterprises,
            items=ITEMS,
            scenarios=self.scenarios,
            history=history,
            config=self.config,
            calendar=self.calendar,
            today=today,
        )
        assert violations == []
        self.results[month] = result
        for moved, task in zip(result.overflow, carry_over(result.overflow), strict=True):
            self.carried.setdefault((moved.to_year, moved.to_month), []).append(task)
        return result

    def months_of(self, uscc: str, entry_id: str = "P1") -> list[int]:
        return sorted(
            month
            for month, result in self.results.items()
            for task in result.tasks
            if task.uscc == uscc and entry_id in task.entry_ids
        )


def _all_after(result: BuildResult, today: dt.date) -> bool:
    return all(visit.window_start > today for visit in result.visits)


# --- never in the past ----------------------------------------------------------------------------------


def test_windows_start_strictly_after_today() -> None:
    enterprises = _enterprises(40)
    today = D(2026, 10, 20)
    result = build_month(2026, 10, [_entry(12)], enterprises, ITEMS, [], History(), [], ROOMY, today=today)
    assert len(result.visits) == 40 and _all_after(result, today)
    after = [day for day in working_days(2026, 10) if day > today]
    assert {visit.window_start for visit in result.visits} == set(after)  # spread over the days left


def test_today_on_the_last_working_day_leaves_nothing_and_everything_moves_to_the_next_month() -> None:
    enterprises = _enterprises(3)
    today = D(2026, 10, 30)  # a Friday; 31 October is a Saturday
    on_time = History(entry_tasks={(e.uscc, "P1"): 9 for e in enterprises}, built_months=frozenset(range(1, 10)))
    result = build_month(2026, 10, [_entry(12)], enterprises, ITEMS, [], on_time, [], ROOMY, today=today)
    assert not result.visits and len(result.overflow) == 3
    for moved in result.overflow:
        assert (moved.to_year, moved.to_month) == (2026, 11)
        assert str(moved.reason).startswith("no working day of 2026-10 is left after 2026-10-30")
        assert "Moved to 2026-11" in str(moved.task.explanation)
    assert not result.shortfalls  # moved within the year: still planned
    november = build_month(
        2026, 11, [], enterprises, ITEMS, [], History(), carry_over(result.overflow), ROOMY, today=today
    )
    assert len(november.visits) == 3 and all(
        "carried-over task" in str(v.tasks[0].explanation) for v in november.visits
    )
    assert november.tasks[0].entry_ids == ("P1",)  # it still counts for its plan entry


def test_a_month_that_has_passed_overflows_to_the_first_month_that_can_still_take_work() -> None:
    assert overflow_target(2026, 9, D(2026, 10, 30)) == (2026, 11)  # October has no day left either
    assert overflow_target(2026, 9, D(2026, 10, 29)) == (2026, 10)
    assert overflow_target(2026, 12, D(2026, 12, 31)) == (2027, 1)
    assert overflow_target(2026, 12) == (2027, 1)


def test_today_on_31_december_moves_the_work_into_january_of_the_next_year() -> None:
    enterprises = _enterprises(2)
    today = D(2026, 12, 31)
    december = build_month(2026, 12, [_entry(1)], enterprises, ITEMS, [], History(), [], ROOMY, today=today)
    assert not december.visits and {(o.to_year, o.to_month) for o in december.overflow} == {(2027, 1)}
    assert "no working day of 2026-12 is left after 2026-12-31" in str(december.overflow[0].reason)
    # Frequency 1 over the year, all its months open (no history): due in December only for some; all of them
    # move past the end of 2026, so each is a shortfall of 2026.
    moved = {o.task.uscc for o in december.overflow}
    assert {s.uscc for s in december.shortfalls} == moved
    for shortfall in december.shortfalls:
        assert (shortfall.wanted, shortfall.planned, shortfall.missing) == (1, 0, 1)
        assert "moved to 2027-01, past the end of 2026" in str(shortfall.reason)
    january = build_month(
        2027, 1, [], enterprises, ITEMS, [], History(), carry_over(december.overflow), ROOMY, today=today
    )
    assert january.calendar_provisional and not december.calendar_provisional
    assert len(january.visits) == len(moved) and _all_after(january, D(2027, 1, 1))  # 1 January is 元旦


def test_today_on_29_february_2028() -> None:
    enterprises = _enterprises(4)
    today = D(2028, 2, 29)  # a Tuesday, the last day of February of a leap year
    february = build_month(2028, 2, [_entry(12)], enterprises, ITEMS, [], History(), [], ROOMY, today=today)
    assert not february.visits and {(o.to_year, o.to_month) for o in february.overflow} == {(2028, 3)}
    assert february.calendar_provisional
    march = build_month(
        2028, 3, [_entry(12)], enterprises, ITEMS, [], History(), carry_over(february.overflow), ROOMY, today=today
    )
    assert len(march.visits) == 4 and _all_after(march, today)  # carried and due work merge into one task
    assert all(len(visit.tasks[0].sources) == 2 for visit in march.visits)


def test_a_make_up_saturday_gets_windows_with_today_given() -> None:
    enterprises = _enterprises(60)
    today = D(2026, 2, 10)
    result = build_month(2026, 2, [_entry(12)], enterprises, ITEMS, [], History(), [], ROOMY, today=today)
    starts = {visit.window_start for visit in result.visits}
    assert {D(2026, 2, 14), D(2026, 2, 28)} <= starts  # Saturdays worked (调休) in the official 2026 data
    assert not any(D(2026, 2, 15) <= day <= D(2026, 2, 23) for day in starts)  # 春节


def test_an_imported_year_with_its_own_make_up_day_is_used_by_the_builder() -> None:
    imported = YearCalendar(
        2027, {D(2027, 3, 1): "local day off"}, {D(2027, 3, 6): "a Saturday worked"}, False, "import"
    )
    calendar = WorkCalendar([*official_years_from_package(), imported])
    enterprises = _enterprises(30)
    result = build_month(2027, 3, [_entry(12)], enterprises, ITEMS, [], History(), [], ROOMY, calendar=calendar)
    starts = {visit.window_start for visit in result.visits}
    assert D(2027, 3, 6) in starts and D(2027, 3, 1) not in starts and not result.calendar_provisional


def test_validation_reports_a_window_moved_into_the_past() -> None:
    enterprises = _enterprises(1)
    today = D(2026, 10, 20)
    before = build_month(2026, 10, [_entry(12)], enterprises, ITEMS, [], History(), [], ROOMY, today=today).visits
    moved = (replace(before[0], window_start=today, window_end=today),)
    violations = validate_edit(
        2026, 10, before, moved, enterprises=enterprises, items=ITEMS, scenarios=[], history=History(), today=today
    )
    assert [v.code for v in violations] == ["window_in_past"]


# --- remaining frequency ---------------------------------------------------------------------------------


def test_only_december_left_puts_every_enterprises_yearly_task_in_december() -> None:
    enterprises = _enterprises(13)
    today = D(2026, 11, 30)  # the last working day of November: only December is left
    result = build_month(2026, 12, [_entry(1)], enterprises, ITEMS, [], History(), [], ROOMY, today=today)
    assert len(result.tasks) == 13 and not result.overflow and not result.shortfalls
    assert _all_after(result, today)
    caught_up = [t for t in result.tasks if 12 not in entry_months(t.uscc, "P1", 1)]
    assert caught_up and all("catching up in months 12" in str(task.explanation) for task in caught_up)
    # Before: only the enterprises whose fixed month was December got a task and the others' were lost.
    fixed = build_month(2026, 12, [_entry(1)], enterprises, ITEMS, [], History(), [], ROOMY)
    assert len(fixed.tasks) == 13 - len(caught_up)


def test_a_plan_first_built_in_september_lands_all_four_tasks_in_september_to_december() -> None:
    enterprises = _enterprises(12)
    year = Year(2026, [_entry(4)], enterprises)
    for month in (9, 10, 11, 12):
        result = year.build(month, today=working_days(2026, month - 1)[-1])  # built at the end of the month before
        assert not result.shortfalls
    for enterprise in enterprises:
        assert year.months_of(enterprise.uscc) == [9, 10, 11, 12]


def test_more_remaining_occurrences_than_months_is_a_shortfall_with_the_reason() -> None:
    enterprises = _enterprises(2)
    today = D(2026, 8, 31)  # September to December are left
    result = build_month(2026, 9, [_entry(6)], enterprises, ITEMS, [], History(), [], ROOMY, today=today)
    assert len(result.tasks) == 2  # every open month takes one, September included
    for shortfall in result.shortfalls:
        assert (shortfall.wanted, shortfall.planned, shortfall.missing) == (6, 1, 2)
        assert str(shortfall.reason) == (
            "6 of its 6 a year still to do (0 in other months) but only 4 month(s) can take one "
            "(months 9, 10, 11, 12; one task of an entry a month)"
        )
    assert [s.uscc for s in result.shortfalls] == [e.uscc for e in enterprises]


def test_a_frequency_above_twelve_is_a_shortfall_even_on_time() -> None:
    [enterprise] = _enterprises(1)
    result = build_month(2026, 1, [_entry(15)], [enterprise], ITEMS, [], History(), [], ROOMY, today=D(2025, 12, 31))
    [shortfall] = result.shortfalls
    assert shortfall.missing == 3 and "15 of its 15 a year" in str(shortfall.reason)


def test_a_cap_reached_is_a_shortfall_with_the_reason() -> None:
    [enterprise] = _enterprises(1)
    first, second, third, _ = entry_months(enterprise.uscc, "P1", 4)
    history = History(
        unit_visits={(enterprise.uscc, 1): 2},
        entry_tasks={(enterprise.uscc, "P1"): 2},
        built_months=frozenset({first, second}),
    )
    config = BuildConfig()  # 2 on-site visits a year per unit and enterprise
    result = build_month(2026, third, [_entry(4)], [enterprise], ITEMS, [], history, [], config)
    assert not result.visits
    [shortfall] = result.shortfalls
    assert (shortfall.wanted, shortfall.planned, shortfall.missing) == (4, 2, 1)
    assert str(shortfall.reason) == (
        "refused this month: unit 1 has used its yearly cap on this enterprise (2 of 2 visits)"
    )


def test_a_whitelisted_enterprise_with_nothing_non_site_is_a_shortfall() -> None:
    enterprise = EnterpriseInfo("91370100000000009X", "H6210", whitelisted=True)
    month = entry_months(enterprise.uscc, "P1", 1)[0]
    result = build_month(2026, month, [_entry(1)], [enterprise], ITEMS, [], History(), [], ROOMY)
    [shortfall] = result.shortfalls
    assert "whitelisted" in str(shortfall.reason) and shortfall.planned == 0


def test_months_built_out_of_order_neither_duplicate_nor_lose_work() -> None:
    enterprises = _enterprises(24)
    entries = [_entry(2), _entry(3, unit=2, entry_id="P2", items=("B1",))]
    config = BuildConfig(unit_yearly_cap=12, max_onsite_visits_per_month=2)
    today = D(2026, 1, 30)  # January has passed unbuilt: its work is caught up in February–December
    in_order = Year(2026, entries, enterprises, config)
    for month in range(2, 13):
        in_order.build(month, today)
    shuffled = Year(2026, entries, enterprises, config)
    order = list(range(2, 13))
    random.Random(3).shuffle(order)
    order.remove(3)
    order.remove(2)
    for month in [3, 2, *order]:  # March before February
        shuffled.build(month, today)
    for enterprise in enterprises:
        for entry in entries:
            months = shuffled.months_of(enterprise.uscc, entry.entry_id)
            assert months == in_order.months_of(enterprise.uscc, entry.entry_id)
            assert len(months) == entry.frequency == len(set(months))


def test_february_built_after_march_sees_marchs_task_and_does_not_repeat_it() -> None:
    enterprises = [e for e in _enterprises(60) if entry_months(e.uscc, "P1", 1) == (3,)][:3]
    assert enterprises
    today = D(2026, 1, 30)
    year = Year(2026, [_entry(1)], enterprises)
    march = year.build(3, today)
    assert len(march.tasks) == len(enterprises)
    february = year.build(2, today)
    assert year.history(2).entry_tasks == {(e.uscc, "P1"): 1 for e in enterprises}  # March's tasks
    assert not february.tasks
    for month in range(4, 13):
        assert not year.build(month, today).tasks
    # Without March's tasks in the history, a later month would plan them a second time.
    forgetful = History(built_months=frozenset({2, 3}))
    september = build_month(2026, 9, [_entry(1)], enterprises, ITEMS, [], forgetful, [], ROOMY, today=today)
    assert len(september.tasks) == len(enterprises)


def test_a_plan_on_time_gives_the_fixed_schedule_with_full_history() -> None:
    enterprises = _enterprises(30)
    entries = [_entry(3), _entry(2, unit=2, entry_id="P2", items=("B1",))]
    config = BuildConfig(unit_yearly_cap=12, max_onsite_visits_per_month=2)
    year = Year(2026, entries, enterprises, config)
    for month in range(1, 13):
        result = year.build(month, D(2025, 12, 31) if month == 1 else working_days(2026, month - 1)[-2])
        fixed = build_month(2026, month, entries, enterprises, ITEMS, [], History(), [], config)
        assert [t.uscc for t in result.tasks] == [t.uscc for t in fixed.tasks]
        assert not result.shortfalls and not result.overflow
    for enterprise in enterprises:
        for entry in entries:
            assert tuple(year.months_of(enterprise.uscc, entry.entry_id)) == entry_months(
                enterprise.uscc, entry.entry_id, entry.frequency
            )


def test_aligned_entries_catch_up_together() -> None:
    scenario = ScenarioInfo("S1", 1, frozenset({"A1", "B1"}), frozenset({1, 2}), ("C",))
    enterprises = _enterprises(20, "C2614")
    entries = [_entry(1), _entry(1, unit=2, entry_id="P2", items=("B1",))]
    config = BuildConfig(align_joinable_entries=True)
    year = Year(2026, entries, enterprises, config, [scenario])
    for month in range(6, 13):
        result = year.build(month, D(2026, 5, 29))  # approved late: January to May have passed
        assert all(visit.is_joint for visit in result.visits) and not result.overflow
    for enterprise in enterprises:
        assert year.months_of(enterprise.uscc, "P1") == year.months_of(enterprise.uscc, "P2")
        assert len(year.months_of(enterprise.uscc, "P1")) == 1


# --- the allocation rule itself ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    offset=st.integers(0, 11),
    frequency=st.integers(1, 14),
    done=st.integers(0, 14),
    open_months=st.sets(st.integers(1, 12), min_size=1).map(lambda s: tuple(sorted(s))),
    closing=st.integers(0, 11),
)
def test_allocation_takes_min_remaining_open_and_is_stable_when_a_month_closes(
    offset: int, frequency: int, done: int, open_months: tuple[int, ...], closing: int
) -> None:
    allocation = allocate(offset, frequency, done, open_months)
    remaining = max(frequency - done, 0)
    assert set(allocation.months) <= set(open_months)
    assert len(allocation.months) == min(remaining, len(open_months))
    assert allocation.excess == remaining - len(allocation.months)
    kept = [m for m in due_months(offset, frequency) if m in open_months]
    assert set(kept[: len(allocation.months)]) <= set(allocation.months)  # original months first
    month = open_months[closing % len(open_months)]
    took = month in allocation.months
    later = allocate(offset, frequency, done + took, tuple(m for m in open_months if m != month))
    assert later.months == tuple(m for m in allocation.months if m != month)


def test_catch_up_months_spread_over_whatever_is_left() -> None:
    # Frequency 1 approved in June: the enterprises whose month has passed spread over June to December.
    late = Counter(allocate(offset, 1, 0, tuple(range(6, 13))).months for offset in range(5))
    assert all(count == 1 for count in late.values()) and len(late) == 5
    assert allocate(0, 2, 0, tuple(range(3, 13))).months == (4, 7)  # 1 missed: 3 months after, between
    assert allocate(1, 4, 0, (9, 10, 11, 12)).months == (9, 10, 11, 12)


def test_a_make_up_sunday_gets_windows() -> None:
    # chinese-calendar lists Sunday 4 January 2026 as a working day (调休 for 元旦).
    enterprises = _enterprises(60)
    result = build_month(2026, 1, [_entry(12)], enterprises, ITEMS, [], History(), [], ROOMY, today=D(2025, 12, 31))
    starts = {visit.window_start for visit in result.visits}
    assert D(2026, 1, 4) in starts and D(2026, 1, 4).weekday() == 6
    assert not {D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)} & starts


@settings(max_examples=25, deadline=None)
@given(
    frequencies=st.tuples(st.integers(1, 8), st.integers(1, 8)),
    approved=st.integers(1, 8),
    seed=st.integers(0, 10_000),
)
def test_any_build_order_gives_each_pair_its_remaining_frequency_once(
    frequencies: tuple[int, int], approved: int, seed: int
) -> None:
    enterprises = _enterprises(6)
    entries = [_entry(frequencies[0]), _entry(frequencies[1], unit=2, entry_id="P2", items=("B1",))]
    config = BuildConfig(unit_yearly_cap=12, max_onsite_visits_per_month=2)
    today = working_days(2026, approved)[0] - dt.timedelta(days=1)  # approved just before month `approved`
    months = list(range(approved, 13))
    shuffled = list(months)
    random.Random(seed).shuffle(shuffled)
    in_order, any_order = Year(2026, entries, enterprises, config), Year(2026, entries, enterprises, config)
    for month in months:
        in_order.build(month, today)
    for month in shuffled:
        any_order.build(month, today)
    for enterprise in enterprises:
        for entry in entries:
            got = any_order.months_of(enterprise.uscc, entry.entry_id)
            assert got == in_order.months_of(enterprise.uscc, entry.entry_id)
            assert len(got) == len(set(got)) == min(entry.frequency, len(months))

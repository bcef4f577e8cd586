"""Spreading frequencies over the months, and finding an entry's enterprises."""

from __future__ import annotations

import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from schedules.builder import build_month
from schedules.model import BuildConfig, EnterpriseInfo, History, ItemInfo, PlanEntry, ScenarioInfo, TargetSelector
from schedules.spread import due_months, entry_months, spread_key, stable_offset
from schedules.targeting import EnterpriseIndex, selector_matches


def test_frequencies_spread_evenly_from_the_offset() -> None:
    assert due_months(0, 1) == (1,)
    assert due_months(3, 2) == (4, 10)
    assert due_months(10, 2) == (5, 11)
    assert due_months(1, 3) == (2, 6, 10)
    assert due_months(5, 12) == tuple(range(1, 13))
    assert due_months(5, 40) == tuple(range(1, 13))  # more than monthly is monthly


def test_the_offset_is_a_stable_crc_not_the_salted_hash() -> None:
    uscc = "91370100000000001X"
    assert stable_offset(uscc, b"E1") == zlib.crc32(f"{uscc}|E1".encode()) % 12
    assert entry_months(uscc, "E1", 1) == (zlib.crc32(f"{uscc}|E1".encode()) % 12 + 1,)


@settings(max_examples=40, deadline=None)
@given(
    number=st.integers(0, 9999),
    entry_id=st.text("ABCXYZ0123-", min_size=1, max_size=6),
    frequency=st.integers(1, 12),
)
def test_the_builder_schedules_an_entry_exactly_in_its_months(number: int, entry_id: str, frequency: int) -> None:
    uscc = f"9137010000000{number:04d}X"
    entry = PlanEntry(1, entry_id, ("A1",), TargetSelector(), frequency)
    enterprises, items = [EnterpriseInfo(uscc, "C2614")], [ItemInfo("A1", 1, 12)]
    config = BuildConfig(unit_yearly_cap=12)
    months = [
        month
        for month in range(1, 13)
        if build_month(2026, month, [entry], enterprises, items, [], History(), [], config).visits
    ]
    assert tuple(months) == entry_months(uscc, entry_id, frequency)


def test_aligned_entries_of_one_scenario_share_their_months() -> None:
    scenario = ScenarioInfo("S1", 1, frozenset({"A1", "B1"}), frozenset({1, 2}), ("C",))
    enterprises = [EnterpriseInfo(f"9137010000000{n:04d}X", "C2614") for n in range(30)]
    items = [ItemInfo("A1", 1, 12), ItemInfo("B1", 2, 12)]
    entries = [PlanEntry(1, "PA", ("A1",), TargetSelector(), 1), PlanEntry(2, "PB", ("B1",), TargetSelector(), 1)]
    config = BuildConfig(align_joinable_entries=True)
    for month in range(1, 13):
        result = build_month(2026, month, entries, enterprises, items, [scenario], History(), [], config)
        assert all(visit.is_joint for visit in result.visits) and not result.overflow
    for enterprise in enterprises:
        assert entry_months(enterprise.uscc, "PA", 1, "S1") == entry_months(enterprise.uscc, "PB", 1, "S1")
    assert spread_key("PA", "S1") == spread_key("PB", "S1") != spread_key("PA")


selectors = st.builds(
    TargetSelector,
    industry_prefixes=st.lists(st.sampled_from(["C", "C26", "C2614", "H", "H62", "X"]), max_size=2).map(tuple),
    risk_grades=st.lists(st.sampled_from(["low", "medium", "high"]), max_size=2).map(tuple),
    above_scale_only=st.booleans(),
    usccs=st.lists(st.sampled_from([f"9137010000000{n:04d}X" for n in range(12)]), max_size=3).map(tuple),
)
registry = st.lists(
    st.builds(
        EnterpriseInfo,
        uscc=st.sampled_from([f"9137010000000{n:04d}X" for n in range(10)]),
        industry_code=st.sampled_from(["C2614", "C2619", "C3011", "H6210", "H6220"]),
        risk_grade=st.sampled_from(["low", "medium", "high"]),
        above_scale=st.booleans(),
    ),
    unique_by=lambda e: e.uscc,
)


@given(enterprises=registry, selector=selectors)
def test_the_index_selects_exactly_the_matching_enterprises(
    enterprises: list[EnterpriseInfo], selector: TargetSelector
) -> None:
    index = EnterpriseIndex(enterprises)
    expected = sorted(e.uscc for e in enterprises if selector_matches(selector, e))
    assert sorted(e.uscc for e in index.select(selector)) == expected
    assert index.select(selector) == EnterpriseIndex(enterprises[::-1]).select(selector)

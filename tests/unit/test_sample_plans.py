"""The SAMPLE annual plans and the district generated for a given day (pure)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from api.sample import SampleDistrict, generate_district, generate_history
from api.sample.plans import annual_entries, planned_usccs
from models.enums import ItemCategory, ListStatus

MARK = "（样例）"


@pytest.fixture(scope="module")
def district() -> SampleDistrict:
    return generate_district(today=dt.date(2026, 6, 10))


def test_every_unit_plans_lawful_work_once_per_enterprise(district: SampleDistrict) -> None:
    entries = annual_entries(district, 2026)
    assert set(entries) == {u.code for u in district.units}  # all 47 units, each with entries
    assert annual_entries(district, 2026) == entries and annual_entries(district, 2027) != entries
    items = {i.code: i for i in district.items}
    firms = {f.uscc: f for f in district.enterprises}
    demo = {u.uscc for u in district.users if u.uscc}
    groups: Counter[str] = Counter()
    for unit, unit_entries in entries.items():
        assert unit_entries
        for entry in unit_entries:
            assert entry.unit_code == unit and entry.note.endswith(MARK) and entry.usccs
            for code in entry.item_codes:
                item = items[code]
                assert item.unit_code == unit and item.status == ListStatus.published
                assert item.category != ItemCategory.no_disturbance and entry.frequency <= item.yearly_cap
            assert not any(firms[u].whitelisted or u in demo for u in entry.usccs)
            groups.update({f"{u}|{entry.note}" for u in entry.usccs})
    # An enterprise is in one group only (one joint scenario, or one unit's routine work).
    per_firm = Counter(key.split("|")[0] for key in groups)
    assert max(per_firm.values()) == 1
    assert 1400 <= len(planned_usccs(entries)) <= 1700


def test_the_district_is_dated_from_its_day() -> None:
    for day in (dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2029, 3, 1)):
        district = generate_district(today=day)
        assert district.reference_date == day
        certified = [p for p in district.inspectors if p.valid_from and p.status == "valid"]
        valid = [p for p in certified if p.valid_from and p.valid_to and p.valid_from <= day <= p.valid_to]
        assert len(valid) / len(certified) > 0.97
        assert {f.whitelist_until for f in district.enterprises if f.whitelisted} == {dt.date(day.year + 1, 12, 31)}
        demo = {u.inspector_cert_no for u in district.users if u.inspector_cert_no}
        assert len(demo) == 12
    assert generate_district(today=dt.date(2026, 1, 1)).enterprises[:5] == generate_district().enterprises[:5]


def test_history_with_plans_keeps_only_triggered_visits_this_year_off_the_planned_enterprises(
    district: SampleDistrict,
) -> None:
    reserved = planned_usccs(annual_entries(district, 2026))
    history = generate_history(district, plans_this_year=True, reserved=reserved)
    assert history.first_day == dt.date(2024, 6, 1) and history.last_day == dt.date(2026, 6, 9)
    this_year = [v for v in history.visits if v.year == 2026]
    assert this_year and all(v.origin == "triggered" and v.uscc not in reserved for v in this_year)
    assert sum(v.year == 2025 and v.origin == "planned" for v in history.visits) > 1500
    assert sum(r.started_at.year == 2026 for r in history.records) > 300  # non-site work goes on as planned


def test_on_new_years_day_the_history_ends_on_new_years_eve() -> None:
    district = generate_district(today=dt.date(2027, 1, 1))
    history = generate_history(district, plans_this_year=True)
    assert history.first_day == dt.date(2025, 1, 1) and history.last_day == dt.date(2026, 12, 31)
    assert not [v for v in history.visits if v.year == 2027]
    assert max(v.window_start for v in history.visits).year == 2026

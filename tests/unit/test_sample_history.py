"""The generated sample history (pure): deterministic, within the filing rules, and a plausible pair of years."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from api.sample import SampleDistrict, SampleHistory, generate_district, generate_history
from api.sample.history_world import certified_on
from api.visits.rules import LOCAL_TZ
from models.enums import ItemCategory, ListStatus
from schedules.calendar import is_working_day

MARK = "（样例）"


@pytest.fixture(scope="module")
def district() -> SampleDistrict:
    return generate_district()


@pytest.fixture(scope="module")
def history(district: SampleDistrict) -> SampleHistory:
    return generate_history(district)


def _done(history: SampleHistory, year: int, month: int | None = None) -> list:  # type: ignore[type-arg]
    return [
        v
        for v in history.visits
        if v.status == "checked_out"
        and v.year == year
        and (month is None or v.window_start.astimezone(LOCAL_TZ).month == month)
    ]


def test_same_seed_same_history(district: SampleDistrict, history: SampleHistory) -> None:
    assert generate_history(district) == history
    assert generate_history(district, seed=7) != history


def test_two_years_before_the_reference_date(district: SampleDistrict, history: SampleHistory) -> None:
    assert history.first_day == dt.date(2024, 11, 1) and history.last_day == dt.date(2026, 11, 25)
    end = dt.datetime(2026, 11, 26, tzinfo=LOCAL_TZ)
    for v in history.visits:
        assert dt.datetime(2024, 11, 1, tzinfo=LOCAL_TZ) <= v.window_start < end
        assert v.filed_at < end and v.approved_at < end and (v.rating is None or v.rating.at < end)
    assert all(r.started_at < end for r in history.records)
    assert all(s.at <= end for c in history.complaints for s in c.steps)


def test_yearly_caps_hold_per_unit_and_item(district: SampleDistrict, history: SampleHistory) -> None:
    caps = {i.code: i.yearly_cap for i in district.items}
    units: Counter[tuple[int, str, str]] = Counter()
    items: Counter[tuple[int, str, str]] = Counter()
    for v in history.visits:  # cancelled visits counted too: stricter than the filing rule
        units.update((v.year, u, v.uscc) for u in v.unit_codes)
        items.update((v.year, c, v.uscc) for c in v.item_codes)
    assert max(units.values()) <= 2
    assert all(n <= caps[code] for (_, code, _), n in items.items())


def test_working_days_office_hours_and_frequency(history: SampleHistory) -> None:
    per_day: Counter[tuple[str, dt.date]] = Counter()
    for v in history.visits:
        start = v.window_start.astimezone(LOCAL_TZ)
        assert is_working_day(start.date()), start
        assert 8 <= start.hour <= 16 and v.window_end <= start + dt.timedelta(hours=4)
        if v.checked_out_at is not None:
            assert v.checked_in_at is not None and v.checked_out_at <= v.window_end
        per_day[(v.uscc, start.date())] += 1
    assert max(per_day.values()) == 1
    assert all(is_working_day(r.started_at.astimezone(LOCAL_TZ).date()) for r in history.records)


def test_items_scenarios_and_certificates(district: SampleDistrict, history: SampleHistory) -> None:
    items = {i.code: i for i in district.items}
    triggers = {e.item_code: e.triggers for e in district.library}
    scenarios = {s.code: s for s in district.scenarios}
    firms = {f.uscc: f for f in district.enterprises}
    people = {p.cert_no: p for p in district.inspectors if p.cert_no}
    demo = {u.uscc for u in district.users if u.uscc}
    assert demo and not demo & {v.uscc for v in history.visits}  # demo accounts start with a clean slate
    for v in history.visits:
        assert v.lead_unit_code == v.unit_codes[0] and not firms[v.uscc].whitelisted
        for code in v.item_codes:
            item = items[code]
            assert item.status == ListStatus.published and item.unit_code in v.unit_codes
            if item.category == ItemCategory.no_disturbance:
                assert v.trigger_type is not None and v.trigger_type in triggers[code]
        for unit in v.unit_codes:
            team = [people[c] for c in v.inspector_certs if people[c].unit_code == unit]
            assert len(team) >= 2
        days = (v.window_start.astimezone(LOCAL_TZ).date(), v.window_end.astimezone(LOCAL_TZ).date())
        assert all(certified_on(people[c], *days) for c in v.inspector_certs)
        if v.joint:
            scenario = scenarios[v.scenario_code or ""]
            assert firms[v.uscc].industry_code in scenario.industry_codes
            assert v.lead_unit_code == scenario.lead_unit_code and v.item_codes == scenario.item_codes
        else:
            assert v.scenario_code is None


def test_a_plausible_pair_of_years(history: SampleHistory) -> None:
    this, last = _done(history, 2026), _done(history, 2025)
    assert 0.70 <= sum(v.joint for v in this) / len(this) <= 0.80
    july = _done(history, 2026, 7)
    assert 0.70 <= sum(v.joint for v in july) / len(july) <= 0.80
    assert sum(v.joint for v in last) / len(last) < 0.5
    assert -0.40 <= len(this) / len(last) - 1 <= -0.25
    scans = [v.scan for v in this if v.scan is not None]
    assert len(scans) == len(this) and sum(not s.backfill for s in scans) / len(scans) >= 0.99
    assert 0 < sum(v.is_emergency for v in history.visits) < 40
    assert 0 < sum(v.status == "cancelled" for v in history.visits) < 0.03 * len(history.visits)
    rated = sum(v.rating is not None for v in this) / len(this)
    assert 0.3 <= rated <= 0.5
    statuses = Counter(c.status for c in history.complaints)
    assert 30 <= len(history.complaints) <= 50 and statuses["archived"] >= 30
    assert 50 <= len(history.unfiled) <= 70


def test_nonsite_records_follow_the_rules(district: SampleDistrict, history: SampleHistory) -> None:
    items = {i.code: i for i in district.items}
    people = {p.cert_no: p for p in district.inspectors if p.cert_no}
    assets = {a.code: a for a in history.assets}
    assert sum(a.kind == "enforcement_point" for a in history.assets) == 10
    assert {a.kind for a in history.assets} == {"enforcement_point", "drone", "boat", "camera", "remote_video"}
    for r in history.records:
        asset = assets[r.asset_code or ""]
        assert asset.unit_code == r.unit_code and asset.kind == r.mode
        assert all(items[c].unit_code == r.unit_code and items[c].nonsite_capable for c in r.item_codes)
        operator = people[r.operator_cert]
        assert operator.unit_code == r.unit_code
        assert certified_on(operator, r.started_at.date(), r.ended_at.date())
    for year, low, high in ((2026, 0.35, 0.45), (2025, 0.10, 0.30)):
        nonsite = sum(r.started_at.year == year for r in history.records)
        share = nonsite / (nonsite + len(_done(history, year)))
        assert low <= share <= high, (year, share)
    eco = sum(r.started_at.year == 2026 and r.unit_code == "U-O01" for r in history.records)
    eco_onsite = sum("U-O01" in v.unit_codes for v in _done(history, 2026))
    assert eco / (eco + eco_onsite) > 0.45


def test_everything_is_labelled_sample(history: SampleHistory) -> None:
    texts = [v.findings for v in history.visits] + [v.trigger_reason for v in history.visits]
    texts += [v.cancel_reason for v in history.visits] + [r.findings for r in history.records]
    texts += [v.scan.backfill_reason for v in history.visits if v.scan]
    texts += [c.description for c in history.complaints] + [s.note for c in history.complaints for s in c.steps]
    texts += [a.name for a in history.assets]
    assert all(t.endswith(MARK) for t in texts if t)
    assert all(v.findings for v in history.visits if v.status == "checked_out")


def test_a_small_district_gets_a_small_history() -> None:
    small = generate_history(generate_district(seed=1, enterprises=60))
    assert 0 < len(small.visits) < 100
    assert generate_history(generate_district(seed=1, enterprises=0)).visits == ()

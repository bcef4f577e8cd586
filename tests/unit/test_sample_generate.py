"""The sample district generator: seed-document counts, determinism and the rules of each list."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from api.registry.uscc import is_valid_uscc
from api.sample import DEMO_PASSWORD, SampleDistrict, demo_logins, generate_district
from api.sample.registry import LATITUDE_RANGE, LONGITUDE_RANGE, WHITELIST_REASON, WHITELIST_UNTIL
from models.enums import InspectorStatus, ItemCategory, ItemMethod, ListStatus, Role, Trigger, UnitKind


@pytest.fixture(scope="module")
def district() -> SampleDistrict:
    return generate_district()


def test_same_seed_same_district_and_other_seed_differs(district: SampleDistrict) -> None:
    assert generate_district(seed=2026) == district
    other = generate_district(seed=7)
    assert other != district
    assert len(other.items) == 403 and len(other.scenarios) == 111  # counts do not depend on the seed


def test_units_match_the_seed_documents(district: SampleDistrict) -> None:
    kinds = Counter(u.kind for u in district.units)
    assert len(district.units) == 47
    assert kinds == {UnitKind.department: 30, UnitKind.street_office: 14, UnitKind.other: 3}
    assert len({u.code for u in district.units}) == 47 and len({u.name for u in district.units}) == 47
    names = {u.name for u in district.units}
    assert {"济南市生态环境局历城分局", "济南市公安局历城分局", "历城区消防救援大队"} <= names
    assert {"历城区市场监督管理局", "历城区应急管理局", "历城区山大路街道办事处", "历城区临港街道办事处"} <= names
    codes = {kind: sorted(u.code for u in district.units if u.kind == kind) for kind in UnitKind}
    assert codes[UnitKind.department][0] == "U-D01" and codes[UnitKind.department][-1] == "U-D30"
    assert codes[UnitKind.street_office] == [f"U-S{n:02d}" for n in range(1, 15)]
    assert codes[UnitKind.other] == ["U-O01", "U-O02", "U-O03"]


def test_inspectors_1510_certified_184_in_streets_plus_40_auxiliary(district: SampleDistrict) -> None:
    kind = {u.code: u.kind for u in district.units}
    certified = [p for p in district.inspectors if not p.is_auxiliary]
    auxiliary = [p for p in district.inspectors if p.is_auxiliary]
    assert len(certified) == 1510
    assert sum(1 for p in certified if kind[p.unit_code] == UnitKind.street_office) == 184
    assert sum(1 for p in certified if kind[p.unit_code] != UnitKind.street_office) == 1326
    assert {p.unit_code for p in certified} == set(kind)  # every unit has inspectors
    certs = [p.cert_no for p in certified]
    assert len(set(certs)) == 1510
    assert all(c is not None and re.fullmatch(r"370112\d{8}", c) for c in certs)
    assert all(p.valid_from and p.valid_to and p.valid_from < p.valid_to for p in certified)
    assert len(auxiliary) == 40
    assert all(kind[p.unit_code] == UnitKind.street_office for p in auxiliary)
    assert all(p.cert_no is None and p.valid_from is None and p.valid_to is None for p in auxiliary)
    assert all(2 <= len(p.name) <= 3 for p in district.inspectors)


def test_certificate_validity_mostly_through_2027_to_2029(district: SampleDistrict) -> None:
    today = date(2026, 11, 26)
    assert district.reference_date == today
    certified = [p for p in district.inspectors if not p.is_auxiliary]
    statuses = Counter(p.status for p in certified)
    assert statuses == {InspectorStatus.valid: 1491, InspectorStatus.suspended: 15, InspectorStatus.revoked: 4}
    expired = [p for p in certified if p.valid_to is not None and p.valid_to < today]
    assert len(expired) == 15
    current = [p for p in certified if p.valid_to is not None and p.valid_to >= today]
    assert all(p.valid_to is not None and p.valid_to.year <= 2029 for p in current)
    assert sum(1 for p in current if p.valid_to is not None and p.valid_to.year >= 2027) / len(current) > 0.95


def test_items_403_published_every_unit_has_three(district: SampleDistrict) -> None:
    items = district.items
    assert len(items) == 403
    assert len({i.code for i in items}) == 403
    assert all(re.fullmatch(r"JC-[DSO]\d{2}-\d{3}", i.code) for i in items)
    assert all(i.status == ListStatus.published for i in items)
    per_unit = Counter(i.unit_code for i in items)
    kind = {u.code: u.kind for u in district.units}
    assert set(per_unit) == set(kind) and min(per_unit.values()) >= 3
    streets = max(n for code, n in per_unit.items() if kind[code] == UnitKind.street_office)
    assert all(n > streets for code, n in per_unit.items() if kind[code] == UnitKind.department)
    for item in items:
        assert item.code.startswith("JC-" + item.unit_code.removeprefix("U-"))
        assert item.name.endswith("检查") and item.object and item.name.startswith(item.object)
        assert re.fullmatch(r"《.+》第[一二三四五六七八九十]+条", item.legal_basis)
        assert 1 <= item.yearly_cap <= 4
        assert item.method in set(ItemMethod)
        if item.method != ItemMethod.onsite:
            assert item.nonsite_capable
    names_per_unit = Counter((i.unit_code, i.name) for i in items)
    assert max(names_per_unit.values()) == 1
    onsite = [i for i in items if i.method == ItemMethod.onsite]
    assert 0.15 < sum(i.nonsite_capable for i in onsite) / len(onsite) < 0.45
    assert Counter(i.yearly_cap for i in items).most_common(1)[0][0] in (1, 2)


def test_61_no_disturbance_items_and_one_library_entry_each(district: SampleDistrict) -> None:
    categories = Counter(i.category for i in district.items)
    assert categories[ItemCategory.no_disturbance] == 61
    assert categories[ItemCategory.key_supervision] + categories[ItemCategory.random_check] == 342
    assert categories[ItemCategory.key_supervision] > 0 and categories[ItemCategory.random_check] > 0
    quiet = [i.code for i in district.items if i.category == ItemCategory.no_disturbance]
    assert [e.item_code for e in district.library] == quiet
    allowed = {t.value for t in Trigger}
    for entry in district.library:
        assert {Trigger.complaint, Trigger.monitoring} <= set(entry.triggers) <= allowed
        assert len(set(entry.triggers)) == len(entry.triggers)
        assert entry.status == ListStatus.published and entry.note.endswith("（样例）")


def test_111_scenarios_join_items_of_two_or_more_units(district: SampleDistrict) -> None:
    scenarios = district.scenarios
    assert len(scenarios) == 111
    assert [s.code for s in scenarios] == [f"CJ-{n:03d}" for n in range(1, 112)]
    assert len({s.name for s in scenarios}) == 111
    assert scenarios[0].name == "餐饮服务单位联合检查"
    items = {i.code: i for i in district.items}
    industries = {e.industry_code for e in district.enterprises}
    for s in scenarios:
        assert s.name.endswith("联合检查") and s.status == ListStatus.published
        assert s.industry_codes and set(s.industry_codes) <= industries
        assert 2 <= len(s.item_codes) <= 5 and len(set(s.item_codes)) == len(s.item_codes)
        chosen = [items[code] for code in s.item_codes]
        assert all(i.status == ListStatus.published for i in chosen)
        assert all(i.category != ItemCategory.no_disturbance for i in chosen)
        units = {i.unit_code for i in chosen}
        assert len(units) >= 2 and s.lead_unit_code in units


def test_enterprises_have_valid_unique_usccs_and_sample_names(district: SampleDistrict) -> None:
    firms = district.enterprises
    assert len(firms) == 3000
    assert len({f.uscc for f in firms}) == 3000 and len({f.name for f in firms}) == 3000
    for f in firms:
        assert is_valid_uscc(f.uscc) and f.uscc[:2] in ("91", "92") and f.uscc[2:8] == "370112"
        assert f.name.endswith("（样例）")
        assert f.address.startswith("山东省济南市历城区")
        assert LATITUDE_RANGE[0] <= f.latitude <= LATITUDE_RANGE[1]
        assert LONGITUDE_RANGE[0] <= f.longitude <= LONGITUDE_RANGE[1]
        assert f.credit_grade in "ABCD" and len(f.credit_grade) == 1
    assert 0.05 < sum(f.above_scale for f in firms) / 3000 < 0.15
    risk = Counter(f.risk_grade for f in firms)
    assert risk["low"] > risk["medium"] > risk["high"] > 0
    assert set(Counter(f.credit_grade for f in firms)) == set("ABCD")
    scenario_industries = {code for s in district.scenarios for code in s.industry_codes}
    assert scenario_industries < {f.industry_code for f in firms}  # plus a few others


def test_two_percent_whitelisted_low_risk_good_credit(district: SampleDistrict) -> None:
    white = [f for f in district.enterprises if f.whitelisted]
    assert len(white) == 60
    assert all(f.risk_grade == "low" and f.credit_grade == "A" for f in white)
    assert all(f.whitelist_reason == WHITELIST_REASON and f.whitelist_until == WHITELIST_UNTIL for f in white)
    assert all(not f.whitelist_reason and f.whitelist_until is None for f in district.enterprises if not f.whitelisted)


def test_demo_users(district: SampleDistrict) -> None:
    assert DEMO_PASSWORD == "ruqi-demo"
    users = {u.username: u for u in district.users}
    assert users["admin"].role == Role.admin and users["supervisor"].role == Role.supervisor
    for code in ("u-d21", "u-o03", "u-o01"):
        assert users[f"planner-{code}"].role == Role.planner and users[f"planner-{code}"].unit_code == code.upper()
        assert users[f"approver-{code}"].role == Role.approver and users[f"approver-{code}"].unit_code == code.upper()
    inspectors = {p.cert_no: p for p in district.inspectors if p.cert_no}
    demo = [users[f"inspector-{n}"] for n in range(1, 13)]
    assert [u.unit_code for u in demo] == ["U-D21"] * 4 + ["U-O03"] * 4 + ["U-O01"] * 4
    for user in demo:
        assert user.role == Role.inspector and user.inspector_cert_no is not None
        person = inspectors[user.inspector_cert_no]
        assert person.unit_code == user.unit_code and person.status == InspectorStatus.valid
        assert person.valid_from is not None and person.valid_from <= district.reference_date
        assert person.valid_to is not None and person.valid_to > district.reference_date
    firms = [f for f in district.enterprises if not f.whitelisted]
    assert users["enterprise-1"].uscc == firms[0].uscc and users["enterprise-2"].uscc == firms[1].uscc
    assert users["enterprise-1"].role == Role.enterprise
    assert len(users) == 2 + 3 * 2 + 12 + 2
    logins = demo_logins(district)
    assert logins[0] == ("admin", "admin", "系统管理员")
    assert [name for name, _, _ in logins] == [u.username for u in district.users]


def test_enterprise_count_is_a_parameter() -> None:
    small = generate_district(seed=1, enterprises=25)
    assert len(small.enterprises) == 25 and len(small.items) == 403
    assert sum(f.whitelisted for f in small.enterprises) <= 1
    assert generate_district(seed=1, enterprises=0).enterprises == ()
    with pytest.raises(ValueError):
        generate_district(enterprises=-1)

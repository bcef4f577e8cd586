"""Sample registry records: units, inspectors (执法人员 and 辅助人员), enterprises and demo users.

Pure and seeded like ``generate.py``, which calls these functions in a fixed order.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from api.registry.uscc import ALPHABET, check_character
from api.sample import names
from api.sample.records import SampleEnterprise, SampleInspector, SampleUnit, SampleUser
from models.enums import InspectorStatus, RiskGrade, Role, UnitKind

REFERENCE_DATE = date(2026, 11, 26)  # the default "today": the generator never reads the clock, callers pass it
DIVISION_CODE = "370112"  # 济南市历城区
LATITUDE_RANGE = (36.60, 36.80)
LONGITUDE_RANGE = (117.00, 117.35)
SAMPLE_MARK = "（样例）"
CERTIFIED_ELSEWHERE = 1326  # the 14 street offices hold the other 184 (names.STREETS)
AUXILIARY_STAFF = 40
EXPIRED, SUSPENDED, REVOKED = 15, 15, 4
WHITELIST_SHARE = 0.02
WHITELIST_REASON = "低风险、信用良好（样例）"
WHITELIST_UNTIL = date(2027, 12, 31)  # for the default reference date: the end of the following year
# Certificates start this many days before the reference date (plus a random 0..1095 / 0..689 days), so the
# district looks the same on any day it is generated for (2022-01-01 and 2020-01-01 for 2026-11-26).
VALID_START_BACK = (REFERENCE_DATE - date(2022, 1, 1)).days
EXPIRED_START_BACK = (REFERENCE_DATE - date(2020, 1, 1)).days
DEMO_UNIT_ALIASES = ("市场监管", "消防", "生态环境")
DEMO_INSPECTORS_PER_UNIT = 4

_UNIT_CODE_BY_ALIAS = {u.alias: u.code for u in (*names.DEPARTMENTS, *names.OTHER_UNITS)}


def unit_code(alias: str) -> str:
    return _UNIT_CODE_BY_ALIAS[alias]


def units() -> tuple[SampleUnit, ...]:
    return (
        *(SampleUnit(u.code, u.name, UnitKind.department.value) for u in names.DEPARTMENTS),
        *(SampleUnit(s.code, s.name, UnitKind.street_office.value) for s in names.STREETS),
        *(SampleUnit(u.code, u.name, UnitKind.other.value) for u in names.OTHER_UNITS),
    )


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder; ties go to the earlier one)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _person(rng: random.Random) -> str:
    surnames = names.SURNAMES[:16] if rng.random() < 0.7 else names.SURNAMES
    given = "".join(rng.choice(names.GIVEN_CHARS) for _ in range(1 if rng.random() < 0.3 else 2))
    return rng.choice(surnames) + given


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def whitelist_until(today: date) -> date:
    return date(today.year + 1, 12, 31)


def inspectors(
    rng: random.Random, all_units: Sequence[SampleUnit], today: date = REFERENCE_DATE
) -> tuple[SampleInspector, ...]:
    """1,510 certified inspectors (a few expired, suspended or revoked), then 40 auxiliary staff."""
    ordinal = {u.code: i for i, u in enumerate(all_units, start=1)}
    elsewhere = (*names.DEPARTMENTS, *names.OTHER_UNITS)
    shares = _apportion(CERTIFIED_ELSEWHERE, [u.inspector_weight for u in elsewhere])
    quotas = [*zip([u.code for u in elsewhere], shares, strict=True), *((s.code, s.inspectors) for s in names.STREETS)]
    total = sum(n for _, n in quotas)
    serials = rng.sample(range(1, 1_000_000), total)
    odd = rng.sample(range(total), EXPIRED + SUSPENDED + REVOKED)
    expired = set(odd[:EXPIRED])
    status = dict.fromkeys(odd[EXPIRED : EXPIRED + SUSPENDED], InspectorStatus.suspended.value)
    status |= dict.fromkeys(odd[EXPIRED + SUSPENDED :], InspectorStatus.revoked.value)
    people: list[SampleInspector] = []
    for code, count in quotas:
        for _ in range(count):
            k = len(people)
            if k in expired:  # a five-year certificate that ran out before the reference date
                start = today - timedelta(days=EXPIRED_START_BACK) + timedelta(days=rng.randrange(690))
            else:
                start = today - timedelta(days=VALID_START_BACK) + timedelta(days=rng.randrange(1096))
            cert = f"{DIVISION_CODE}{ordinal[code]:02d}{serials[k]:06d}"
            end = _plus_years(start, 5) - timedelta(days=1)
            state = status.get(k, InspectorStatus.valid.value)
            people.append(SampleInspector(_person(rng), code, cert, start, end, state, False))
    aux = _apportion(AUXILIARY_STAFF, [s.inspectors for s in names.STREETS])
    for street, count in zip(names.STREETS, aux, strict=True):
        people += [
            SampleInspector(_person(rng), street.code, None, None, None, InspectorStatus.valid.value, True)
            for _ in range(count)
        ]
    return tuple(people)


def _uscc(rng: random.Random, individual: bool) -> str:
    if rng.random() < 0.75:  # codes issued since 2015 carry "MA" in positions 9–10
        body = "MA" + "".join(rng.choice(ALPHABET) for _ in range(7))
    else:
        body = "".join(rng.choice(ALPHABET[:10]) for _ in range(8)) + rng.choice(ALPHABET)
    first17 = ("92" if individual else "91") + DIVISION_CODE + body
    return first17 + check_character(first17)


def _above_scale_share(industry: str) -> float:
    if industry[0] in "BCD":  # mining, manufacturing, utilities
        return 0.35
    return 0.15 if industry in ("F51", "E47", "E48", "K70") else 0.07


def enterprises(rng: random.Random, count: int, today: date = REFERENCE_DATE) -> tuple[SampleEnterprise, ...]:
    """``count`` enterprises with unique valid USCCs and unique names ending with "（样例）"."""
    weights = [i.weight for i in names.INDUSTRIES]
    grades = (RiskGrade.low.value, RiskGrade.medium.value, RiskGrade.high.value)
    seen_codes: set[str] = set()
    seen_names: set[str] = set()
    firms: list[SampleEnterprise] = []
    while len(firms) < count:
        industry = rng.choices(names.INDUSTRIES, weights=weights)[0]
        individual = bool(industry.shop_words) and rng.random() < 0.35  # 个体工商户
        uscc = _uscc(rng, individual)
        trade = "".join(rng.sample(names.TRADE_CHARS, 2))
        if individual:
            name = f"历城区{trade}{rng.choice(industry.shop_words)}{SAMPLE_MARK}"
        else:
            name = f"济南{trade}{rng.choice(industry.company_words)}有限公司{SAMPLE_MARK}"
        if uscc in seen_codes or name in seen_names:
            continue
        seen_codes.add(uscc)
        seen_names.add(name)
        street = rng.choice(names.STREETS)
        lat = min(max(street.centre[0] + rng.uniform(-0.018, 0.018), LATITUDE_RANGE[0]), LATITUDE_RANGE[1])
        lon = min(max(street.centre[1] + rng.uniform(-0.025, 0.025), LONGITUDE_RANGE[0]), LONGITUDE_RANGE[1])
        risky = industry.code in names.HAZARDOUS_INDUSTRIES
        firms.append(
            SampleEnterprise(
                uscc=uscc,
                name=name,
                address=f"山东省济南市历城区{street.name[3:-3]}{rng.choice(street.roads)}{rng.randint(1, 2999)}号",
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                industry_code=industry.code,
                above_scale=not individual and rng.random() < _above_scale_share(industry.code),
                risk_grade=rng.choices(grades, weights=(45, 35, 20) if risky else (75, 20, 5))[0],
                credit_grade=rng.choices("ABCD", weights=(30, 50, 15, 5))[0],
                whitelisted=False,
                whitelist_reason="",
                whitelist_until=None,
            )
        )
    eligible = [i for i, f in enumerate(firms) if f.risk_grade == RiskGrade.low and f.credit_grade == "A"]
    chosen = set(rng.sample(eligible, min(len(eligible), round(count * WHITELIST_SHARE))))
    return tuple(
        replace(f, whitelisted=True, whitelist_reason=WHITELIST_REASON, whitelist_until=whitelist_until(today))
        if i in chosen
        else f
        for i, f in enumerate(firms)
    )


def _fit_for_demo(person: SampleInspector, unit: str, today: date) -> bool:
    """Certified, valid, and still valid a year after the reference date (so demos keep working)."""
    return (
        person.unit_code == unit
        and person.cert_no is not None
        and person.status == InspectorStatus.valid
        and person.valid_from is not None
        and person.valid_to is not None
        and person.valid_from <= today
        and person.valid_to >= today + timedelta(days=365)
    )


def users(
    all_units: Sequence[SampleUnit],
    people: Sequence[SampleInspector],
    firms: Sequence[SampleEnterprise],
    today: date = REFERENCE_DATE,
) -> tuple[SampleUser, ...]:
    unit_name = {u.code: u.name for u in all_units}
    out = [
        SampleUser("admin", Role.admin.value, None, None, None, "系统管理员"),
        SampleUser("supervisor", Role.supervisor.value, None, None, None, "历城区司法局 行政执法监督（查看全部）"),
    ]
    numbered = 0
    for alias in DEMO_UNIT_ALIASES:
        code = unit_code(alias)
        out.append(
            SampleUser(f"planner-{code.lower()}", Role.planner.value, code, None, None, f"{unit_name[code]} 计划员")
        )
        out.append(
            SampleUser(
                f"approver-{code.lower()}", Role.approver.value, code, None, None, f"{unit_name[code]} 主体负责人"
            )
        )
        for person in [p for p in people if _fit_for_demo(p, code, today)][:DEMO_INSPECTORS_PER_UNIT]:
            numbered += 1
            text = f"执法人员 {person.name}（执法证 {person.cert_no}），{unit_name[code]}"
            out.append(SampleUser(f"inspector-{numbered}", Role.inspector.value, code, person.cert_no, None, text))
    for n, firm in enumerate([f for f in firms if not f.whitelisted][:2], start=1):
        out.append(SampleUser(f"enterprise-{n}", Role.enterprise.value, None, None, firm.uscc, f"企业 {firm.name}"))
    return tuple(out)

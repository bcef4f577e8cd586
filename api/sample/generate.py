"""Deterministic sample district (济南市历城区 style): pure, seeded, no I/O, no clock.

``generate_district(seed)`` always returns the same district for the same seed and enterprise count:
47 units (30 departments, 14 street offices, 3 other bodies), 1,510 certified inspectors (184 in the
street offices, 1,326 elsewhere) plus 40 auxiliary staff, 403 published items (61 of them 无事不扰),
the 61-entry 无事不扰 library, 111 joint-inspection scenarios and 3,000 enterprises whose names all
end with "（样例）".

Demo logins (all with password ``DEMO_PASSWORD`` = "ruqi-demo"):

- ``admin`` (admin) and ``supervisor`` (supervisor, 司法局 执法监督)
- ``planner-u-d21`` / ``approver-u-d21``: 历城区市场监督管理局
- ``planner-u-o03`` / ``approver-u-o03``: 历城区消防救援大队
- ``planner-u-o01`` / ``approver-u-o01``: 济南市生态环境局历城分局
- ``inspector-1`` … ``inspector-12``: four certified, valid inspectors of each of those three units
  in that order (1–4 市场监管, 5–8 消防, 9–12 生态环境)
- ``enterprise-1``, ``enterprise-2``: the first two enterprises that are not whitelisted

``demo_logins(district)`` lists them with a description.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from api.sample import names, registry
from api.sample.records import SampleDistrict, SampleItem, SampleLibraryEntry, SampleScenario
from models.enums import ItemCategory, ItemMethod, ListStatus, Trigger

DEMO_PASSWORD = "ruqi-demo"
ITEMS_PER_STREET = 3
NO_DISTURBANCE_ITEMS = 61
SCENARIO_COUNT = 111
LIBRARY_NOTE = "无投诉举报、无监测异常等触发情形的，不开展现场检查（样例）"

_METHODS = (ItemMethod.onsite.value, ItemMethod.nonsite.value, ItemMethod.document.value)
_STREET_MIX = (0.8, 0.05, 0.15)
_ALWAYS = (Trigger.complaint, Trigger.monitoring)
_CN_DIGITS = "零一二三四五六七八九"


def generate_district(seed: int = 2026, enterprises: int = 3000, today: date | None = None) -> SampleDistrict:
    """The district as it stands on ``today`` (certificates, whitelist): by default ``registry.REFERENCE_DATE``.

    Everything but those dates depends on the seed and the enterprise count only.
    """
    today = registry.REFERENCE_DATE if today is None else today
    if enterprises < 0:
        raise ValueError("enterprises must be >= 0")
    rng = random.Random(seed)
    units = registry.units()
    inspectors = registry.inspectors(rng, units, today)
    items, item_industries = _items(rng)
    library = _library(rng, items)
    scenarios = _scenarios(rng, items, item_industries)
    firms = registry.enterprises(rng, enterprises, today)
    users = registry.users(units, inspectors, firms, today)
    return SampleDistrict(seed, today, units, inspectors, firms, items, scenarios, library, users)


def demo_logins(district: SampleDistrict) -> list[tuple[str, str, str]]:
    """(username, role, description) of every demo account; the password is ``DEMO_PASSWORD``."""
    return [(u.username, u.role, u.description) for u in district.users]


def _article(rng: random.Random, law: str) -> str:
    n = rng.randint(10, 60) if law.endswith("法》") else rng.randint(5, 40)
    tens, ones = divmod(n, 10)
    text = ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return f"{law}第{text if tens else _CN_DIGITS[ones]}条"


def _items(rng: random.Random) -> tuple[tuple[SampleItem, ...], dict[str, tuple[str, ...]]]:
    plan = [
        *((u.code, u.items, u.domains, u.method_mix) for u in names.DEPARTMENTS),
        *((s.code, ITEMS_PER_STREET, names.STREET_DOMAINS, _STREET_MIX) for s in names.STREETS),
        *((u.code, u.items, u.domains, u.method_mix) for u in names.OTHER_UNITS),
    ]
    drafts: list[SampleItem] = []
    industries: dict[str, tuple[str, ...]] = {}
    for unit_code, count, domains, mix in plan:
        specific = [(d, a) for d in domains for a in d.aspects]
        generic = [(d, a) for d in domains for a in names.GENERIC_ASPECTS]
        rng.shuffle(specific)
        rng.shuffle(generic)
        seen: set[str] = set()
        for domain, aspect in specific + generic:
            title = f"{domain.object}{aspect}检查"
            if title in seen:
                continue
            seen.add(title)
            method = rng.choices(_METHODS, weights=mix)[0]
            code = f"JC-{unit_code.removeprefix('U-')}-{len(seen):03d}"
            industries[code] = domain.industries
            drafts.append(
                SampleItem(
                    code=code,
                    name=title,
                    unit_code=unit_code,
                    legal_basis=_article(rng, domain.law),
                    object=domain.object,
                    method=method,
                    yearly_cap=rng.choices((1, 2, 3, 4), weights=(50, 35, 10, 5))[0],
                    nonsite_capable=method != ItemMethod.onsite or rng.random() < 0.3,
                    category=ItemCategory.random_check.value,
                    status=ListStatus.published.value,
                )
            )
            if len(seen) == count:
                break
        else:
            raise AssertionError(f"names.py has too few item domains for {unit_code}")
    return _categorize(rng, drafts), industries


def _categorize(rng: random.Random, drafts: list[SampleItem]) -> tuple[SampleItem, ...]:
    """Mark 61 items 无事不扰 (preferring non-site and written ones), keeping >= 2 others per unit."""
    left = Counter(item.unit_code for item in drafts)
    keyed = sorted(
        range(len(drafts)),
        key=lambda i: rng.random() ** (1 / (3 if drafts[i].method != ItemMethod.onsite else 1)),
        reverse=True,
    )
    quiet: set[int] = set()
    for i in keyed:
        if len(quiet) == NO_DISTURBANCE_ITEMS:
            break
        if left[drafts[i].unit_code] > 2:
            quiet.add(i)
            left[drafts[i].unit_code] -= 1
    categories = [ItemCategory.key_supervision.value, ItemCategory.random_check.value]
    return tuple(
        replace(
            item,
            category=ItemCategory.no_disturbance.value if i in quiet else rng.choices(categories, weights=(35, 65))[0],
        )
        for i, item in enumerate(drafts)
    )


def _library(rng: random.Random, items: Sequence[SampleItem]) -> tuple[SampleLibraryEntry, ...]:
    """One entry per 无事不扰 item; complaints and monitoring always allow a visit, other triggers vary."""
    entries = []
    for item in items:
        if item.category == ItemCategory.no_disturbance:
            extra = {t for t in Trigger if t not in _ALWAYS and rng.random() < 0.5}
            triggers = tuple(t.value for t in Trigger if t in _ALWAYS or t in extra)
            entries.append(SampleLibraryEntry(item.code, triggers, LIBRARY_NOTE, ListStatus.published.value))
    return tuple(entries)


def _scenarios(
    rng: random.Random, items: Sequence[SampleItem], industries: dict[str, tuple[str, ...]]
) -> tuple[SampleScenario, ...]:
    pool: dict[str, list[SampleItem]] = {}
    for item in items:
        if item.category != ItemCategory.no_disturbance and item.status == ListStatus.published:
            pool.setdefault(item.unit_code, []).append(item)
    themes_left = {spec.situation: list(names.SCENARIO_THEMES[1:]) for spec in names.SCENARIOS}
    out: list[SampleScenario] = []
    for round_no in range(len(names.SCENARIO_THEMES)):
        for spec in names.SCENARIOS:
            if len(out) == SCENARIO_COUNT:
                return tuple(out)
            left = themes_left[spec.situation]
            theme = names.SCENARIO_THEMES[0] if round_no == 0 else left.pop(rng.randrange(len(left)))
            units = [registry.unit_code(a) for a in spec.units]
            picks = [units[0], rng.choice(units[1:])]
            picks += [rng.choice(units) for _ in range(rng.choice((0, 1, 1, 2, 2, 3)))]
            chosen: list[str] = []
            for unit_code in picks:
                free = [it for it in pool[unit_code] if it.code not in chosen]
                fits = [it for it in free if set(industries[it.code]) & set(spec.industries)]
                general = [it for it in free if not industries[it.code]]
                if free:
                    chosen.append(rng.choice(fits or general or free).code)
            code = f"CJ-{len(out) + 1:03d}"
            out.append(
                SampleScenario(
                    code,
                    f"{spec.situation}{theme}",
                    spec.industries,
                    units[0],
                    tuple(chosen),
                    ListStatus.published.value,
                )
            )
    raise AssertionError("names.SCENARIOS × SCENARIO_THEMES is too small for SCENARIO_COUNT")

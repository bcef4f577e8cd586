"""The SAMPLE annual plans (年度检查计划) of all 47 units for one year: pure, seeded, no clock.

``annual_entries(district, year)`` returns, per unit code, the entries of its plan, the same for the same
district and year:

* **joint work** (about 1,170 enterprises a year in the full district): each chosen enterprise is in an
  industry a published joint-inspection scenario applies to; every unit of the *first* such scenario (by
  code) plans its own items of that scenario on the enterprise once a year. The builder aligns entries a
  scenario can carry (``PlanPolicy.align_joinable_entries``), so the units' tasks fall in the same month
  and are merged into one joint visit (进一次门、查多项事);
* **single-unit routine work** (about 400 enterprises a year): one or two of a unit's routine items on
  enterprises of its own, the busy units (市场监管, 消防, 生态环境, 应急 …) taking most;
* every unit has at least one entry, so every one of the 47 plans can be submitted, approved and published
  (only a district too small to give each unit a few enterprises leaves a unit without a plan).

Whitelisted (白名单) enterprises and the demo enterprise accounts are never targeted; an enterprise is in
one entry group only, so the monthly limit (one planned on-site visit a month) never moves a task on.
Every entry's note ends with "（样例）".
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from api.sample.history import FULL_SIZE
from api.sample.history_visits import OTHER_UNIT_WEIGHT, UNIT_WEIGHTS
from api.sample.history_world import SAMPLE_MARK, World
from api.sample.records import SampleDistrict
from api.sample.registry import _apportion

JOINT_PER_YEAR = 1170
SINGLE_PER_YEAR = 400
SMALLEST_ENTRY = 3  # enterprises of the one entry a unit with no other work gets


@dataclass(frozen=True, slots=True)
class SampleEntry:
    unit_code: str
    item_codes: tuple[str, ...]
    usccs: tuple[str, ...]
    note: str
    frequency: int = 1


def annual_entries(district: SampleDistrict, year: int) -> dict[str, list[SampleEntry]]:
    """The units' entries for ``year``, in district order (a unit without entries is left out)."""
    rng = random.Random(f"ruqi-sample-plans-{district.seed}-{year}")
    world = World(district)
    scale = min(1.0, len(world.firms) / FULL_SIZE)
    entries: dict[str, list[SampleEntry]] = {u.code: [] for u in district.units}
    used: set[str] = set()

    # Joint work: the first scenario (by code) of each chosen enterprise's industry.
    joint_firms = sorted(world.joint_firms, key=lambda f: f.uscc)
    chosen = rng.sample(joint_firms, min(len(joint_firms), round(JOINT_PER_YEAR * scale)))
    by_scenario: dict[str, list[str]] = defaultdict(list)
    scenarios = {s.code: s for s in district.scenarios}
    for firm in chosen:
        by_scenario[world.scenarios[firm.industry_code][0].code].append(firm.uscc)
        used.add(firm.uscc)
    for code in sorted(by_scenario):
        scenario = scenarios[code]
        usccs = tuple(sorted(by_scenario[code]))
        per_unit: dict[str, list[str]] = defaultdict(list)
        for item_code in scenario.item_codes:
            per_unit[world.items[item_code].unit_code].append(item_code)
        for unit_code, item_codes in per_unit.items():
            note = f"{scenario.name}：{scenario.code} 联合检查{SAMPLE_MARK}"
            entries[unit_code].append(SampleEntry(unit_code, tuple(item_codes), usccs, note))

    # Single-unit routine work on enterprises nobody else plans.
    free = [f.uscc for f in world.firms if f.uscc not in used]
    rng.shuffle(free)
    units = [u.code for u in district.units if world.routine.get(u.code) and len(world.inspectors.get(u.code, ())) >= 2]
    weights = [UNIT_WEIGHTS.get(u, OTHER_UNIT_WEIGHT) for u in units]
    counts = _apportion(min(len(free), round(SINGLE_PER_YEAR * scale)), weights)
    for unit_code, count in zip(units, counts, strict=True):
        if count == 0 and entries[unit_code]:
            continue
        count = max(count, min(SMALLEST_ENTRY, len(free)))
        firms, free = free[:count], free[count:]
        if not firms:
            continue
        routine = world.routine[unit_code]
        groups = 2 if count >= 10 and len(routine) >= 2 else 1
        picks = rng.sample(routine, min(len(routine), groups * 2))
        for n in range(groups):
            part = tuple(sorted(firms[n::groups]))
            items = tuple(i.code for i in picks[n * 2 : n * 2 + rng.choice((1, 2))]) or (picks[0].code,)
            note = f"日常监督检查（{'、'.join(world.items[c].name for c in items)}）{SAMPLE_MARK}"
            entries[unit_code].append(SampleEntry(unit_code, items, part, note))
    return {code: unit_entries for code, unit_entries in entries.items() if unit_entries}


def planned_usccs(entries: dict[str, list[SampleEntry]]) -> frozenset[str]:
    """Every enterprise the plans target."""
    return frozenset(uscc for unit_entries in entries.values() for e in unit_entries for uscc in e.usccs)

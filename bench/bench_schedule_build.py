"""City-scale benchmark of the monthly schedule builder (pure planning logic, no database).

Generates a deterministic city (``random.Random(seed)``): 200,000 enterprises over ~400 industry codes,
47 units, 403 items (61 of them 无事不扰), 111 joint scenarios, annual plans sized for ~100,000 tasks a
month, a history of earlier visits and a few thousand extra tasks; builds one month and prints the
figures. Run: ``.venv/bin/python bench/bench_schedule_build.py [--month 10] [--align]``.
"""

from __future__ import annotations

import argparse
import random
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from models.enums import ItemCategory, RiskGrade
from schedules.builder import build_month
from schedules.model import (
    BuildConfig,
    EnterpriseInfo,
    ExtraTask,
    History,
    ItemInfo,
    PlanEntry,
    PlanKind,
    ScenarioInfo,
    SourceKind,
    TargetSelector,
)

UNITS = 47
ITEMS = 403
NO_DISTURBANCE_ITEMS = 61
SCENARIOS = 111


@dataclass(frozen=True)
class City:
    enterprises: list[EnterpriseInfo]
    items: list[ItemInfo]
    scenarios: list[ScenarioInfo]
    entries: list[PlanEntry]
    history: History
    extra_tasks: list[ExtraTask]


def generate(seed: int, enterprise_count: int, month: int) -> City:
    rng = random.Random(seed)
    divisions = [f"{section}{division:02d}" for section in "ABCDEFGHIKLMNOPR" for division in range(1, 6)]
    codes = [f"{division}{cls:02d}" for division in divisions for cls in range(1, 6)]
    enterprises = [
        EnterpriseInfo(
            uscc=f"913701{i:011d}X",
            industry_code=rng.choice(codes),
            risk_grade=rng.choices([RiskGrade.low, RiskGrade.medium, RiskGrade.high], [60, 30, 10])[0],
            above_scale=rng.random() < 0.08,
            whitelisted=rng.random() < 0.05,
        )
        for i in range(enterprise_count)
    ]
    categories = [ItemCategory.no_disturbance] * NO_DISTURBANCE_ITEMS + [
        rng.choice([ItemCategory.key_supervision, ItemCategory.random_check])
        for _ in range(ITEMS - NO_DISTURBANCE_ITEMS)
    ]
    rng.shuffle(categories)
    items = [
        ItemInfo(
            code=f"I{n:04d}",
            unit_id=n % UNITS + 1,
            yearly_cap=rng.choice([1, 2, 2, 3]),
            category=categories[n],
            nonsite_capable=rng.random() < 0.3,
        )
        for n in range(ITEMS)
    ]
    by_unit = {unit: [i for i in items if i.unit_id == unit] for unit in range(1, UNITS + 1)}
    routine = {
        unit: [i for i in unit_items if i.category != ItemCategory.no_disturbance]
        for unit, unit_items in by_unit.items()
    }
    supervised = {unit: rng.sample(divisions, rng.randint(4, 14)) for unit in range(1, UNITS + 1)}

    scenarios = []
    for n in range(SCENARIOS):
        division = rng.choice(divisions)
        units = rng.sample(range(1, UNITS + 1), rng.randint(2, 4))
        scenario_items = [i.code for unit in units for i in rng.sample(routine[unit], min(2, len(routine[unit])))]
        scenarios.append(ScenarioInfo(f"S{n:03d}", units[0], frozenset(scenario_items), frozenset(units), (division,)))

    entries: list[PlanEntry] = []
    for unit in range(1, UNITS + 1):
        for n in range(5):
            chosen = rng.sample(routine[unit], min(rng.randint(1, 2), len(routine[unit])))
            selector = TargetSelector(
                industry_prefixes=tuple(rng.sample(supervised[unit], 2)),
                risk_grades=tuple(rng.sample(["low", "medium", "high"], rng.randint(1, 3))),
                above_scale_only=rng.random() < 0.1,
            )
            kind = PlanKind.special if n == 4 else PlanKind.routine
            entries.append(PlanEntry(unit, f"U{unit}-E{n}", tuple(i.code for i in chosen), selector, 1, kind))
        nonsite = [i.code for i in by_unit[unit] if i.nonsite_capable][:2]
        if nonsite:
            selector = TargetSelector(industry_prefixes=tuple(rng.sample(supervised[unit], 2)))
            entries.append(PlanEntry(unit, f"U{unit}-N", tuple(nonsite), selector, 1, onsite=False))
    for scenario in scenarios:  # units plan the scenario's items on its industry: joint visits become possible
        for unit in sorted(scenario.unit_ids):
            codes_of_unit = tuple(sorted(c for c in scenario.item_codes if c.startswith("I") and _unit_of(c) == unit))
            selector = TargetSelector(industry_prefixes=scenario.industry_prefixes, risk_grades=("medium", "high"))
            entries.append(PlanEntry(unit, f"{scenario.code}-U{unit}", codes_of_unit, selector, 1))

    share = enterprise_count // 10  # the year so far: earlier visits on 30% of enterprises, 2% seen this month
    history = History(
        unit_visits={(e.uscc, rng.randint(1, UNITS)): rng.randint(1, 2) for e in rng.sample(enterprises, 3 * share)},
        item_inspections={(e.uscc, rng.choice(items).code): 1 for e in rng.sample(enterprises, 3 * share)},
        onsite_visits_by_month={(e.uscc, month): 1 for e in rng.sample(enterprises, share // 5)},
    )
    extra_tasks = []
    for n in range(3 * share // 20):
        enterprise = rng.choice(enterprises)
        unit = rng.randint(1, UNITS)
        extra_kind = [SourceKind.triggered, SourceKind.special, SourceKind.carried_over][n % 3]
        codes_of_unit = (rng.choice(by_unit[unit]).code,)
        extra_tasks.append(ExtraTask(f"X{n}", enterprise.uscc, unit, codes_of_unit, extra_kind))
    return City(enterprises, items, scenarios, entries, history, extra_tasks)


def _unit_of(code: str) -> int:
    return int(code[1:]) % UNITS + 1


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--month", type=int, default=10)
    parser.add_argument("--align", action="store_true", help="align entries a scenario could join (撮合 when planning)")
    args = parser.parse_args(argv)
    print("$ .venv/bin/python " + shlex.join(["bench/bench_schedule_build.py", *(argv or sys.argv[1:])]))

    started = time.perf_counter()
    city = generate(args.seed, args.enterprises, args.month)
    generated = time.perf_counter() - started
    config = BuildConfig(align_joinable_entries=args.align)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = build_month(
        args.year,
        args.month,
        city.entries,
        city.enterprises,
        city.items,
        city.scenarios,
        city.history,
        city.extra_tasks,
        config,
    )
    built, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    tasks = len(result.tasks) + len(result.overflow)
    onsite = result.onsite_visits
    print(
        f"city: {len(city.enterprises):,} enterprises, {UNITS} units, {len(city.items)} items, "
        f"{len(city.scenarios)} scenarios, {len(city.entries)} plan entries, {len(city.extra_tasks):,} extra tasks "
        f"(generated in {generated:.1f} s)"
    )
    print(f"build {args.year}-{args.month:02d}: {built:.2f} s wall ({cpu:.2f} s CPU), {tasks / built:,.0f} tasks/s")
    print(
        f"tasks: {tasks:,} admitted = {len(result.tasks):,} scheduled "
        f"({result.onsite_task_count:,} on-site, {len(result.tasks) - result.onsite_task_count:,} non-site) "
        f"+ {len(result.overflow):,} moved to next month; {len(result.dropped):,} pieces dropped by rules"
    )
    print(
        f"visits: {len(onsite):,} on-site ({sum(v.is_joint for v in onsite):,} joint), "
        f"{len(result.visits) - len(onsite):,} non-site records"
    )
    print(
        f"joint rate: {result.joint_task_rate:.1%} of on-site tasks in joint visits, "
        f"{result.joint_visit_rate:.1%} of on-site visits joint"
    )


if __name__ == "__main__":
    main()

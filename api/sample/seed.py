"""``ruqi seed``: the SAMPLE district, its history and its present, loaded in one go; the demo logins.

``seed_database`` loads into an empty database only. Everything is generated for "today", the local date
of the ``now`` it is given (the one clock, or ``--as-of``): the same seed and day give the same district.
With ``if_empty`` and data already there it loads nothing and still returns the demo logins of the
sample that is loaded (read back from ``dataset_info``), so ``make run`` lists them every time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from api.clock import LOCAL_TZ
from api.context import ServiceContext
from api.policies import PlanPolicy
from api.sample.generate import demo_logins, generate_district
from api.sample.history import generate_history
from api.sample.history_load import load_history
from api.sample.history_world import World
from api.sample.load import load_sample
from api.sample.plans import annual_entries, planned_usccs
from api.sample.present import seed_present
from api.sample.records import SampleDistrict
from api.sample.registry import DEMO_UNIT_ALIASES, unit_code
from models.tables import DatasetInfo, Unit, User


@dataclass
class SeedOutcome:
    loaded: bool  # False: data was there already (``if_empty``)
    sample: bool  # the database holds the sample district
    as_of: dt.date | None
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, description
    shared_scenario: tuple[str, str, str, str] | None = None  # code, name, unit name, unit name


class AlreadyLoaded(Exception):
    """The database holds data; ``seed`` loads only into an empty one."""


def shared_scenario(district: SampleDistrict) -> tuple[str, str, str, str] | None:
    """The first published joint scenario two demo units take part in: (code, name, unit name, unit name)."""
    demo = [unit_code(alias) for alias in DEMO_UNIT_ALIASES]
    units = {u.code: u.name for u in district.units}
    item_units = {i.code: i.unit_code for i in district.items}
    for scenario in district.scenarios:
        if scenario.status != "published":
            continue
        taking_part = {scenario.lead_unit_code, *(item_units[c] for c in scenario.item_codes)}
        both = [code for code in demo if code in taking_part]
        if len(both) >= 2:
            return scenario.code, scenario.name, units[both[0]], units[both[1]]
    return None


async def _loaded_logins() -> tuple[bool, dt.date | None, list[tuple[str, str, str]], SampleDistrict | None]:
    """Whether the loaded data is the sample, its day, and its demo logins that exist as accounts."""
    facts = {r["key"]: r["value"] for r in await DatasetInfo.select(DatasetInfo.key, DatasetInfo.value)}
    if facts.get("dataset") != "sample":
        return False, None, [], None
    as_of = dt.date.fromisoformat(facts["sample_as_of"]) if facts.get("sample_as_of") else None
    enterprises = int(facts.get("sample_enterprises", "3000"))
    district = generate_district(int(facts.get("sample_seed", "2026")), enterprises, as_of)
    existing = {r["username"] for r in await User.select(User.username)}
    return True, as_of, [login for login in demo_logins(district) if login[0] in existing], district


async def seed_database(
    *,
    seed: int,
    enterprises: int,
    history: bool,
    if_empty: bool,
    now: dt.datetime,
    env: ServiceContext,
    policy: PlanPolicy,
    password_hasher: Callable[[str], str],
    history_years: int = 2,
) -> SeedOutcome:
    """``history_years`` > 2 (the province benchmark): that many years of history, its volume growing with the
    enterprises, generated and loaded one calendar year at a time."""
    if await Unit.count() > 0:
        if not if_empty:
            raise AlreadyLoaded
        sample, as_of, logins, loaded = await _loaded_logins()
        scenario = shared_scenario(loaded) if loaded else None
        return SeedOutcome(False, sample, as_of, logins=logins, shared_scenario=scenario)
    started = time.perf_counter()
    today = now.astimezone(LOCAL_TZ).date()
    district = generate_district(seed, enterprises, today)  # pure and quick (~0.3 s)
    counts = await load_sample(district, password_hasher=password_hasher, now=now)
    if history:
        reserved = planned_usccs(annual_entries(district, today.year))
        if history_years <= 2:
            past = generate_history(district, plans_this_year=True, reserved=reserved)
            counts |= await load_history(past, now=now)
        else:
            world = World(district)
            world.renewed_certificates = True
            for year in range(today.year - history_years, today.year + 1):
                chunk = generate_history(
                    district, plans_this_year=True, reserved=reserved, years=history_years, only_year=year, world=world
                )
                for key, n in (await load_history(chunk, now=now)).items():
                    counts[key] = counts.get(key, 0) + n
        counts |= await seed_present(district, now=now, env=env, policy=policy)
    return SeedOutcome(
        True,
        True,
        today,
        seconds=time.perf_counter() - started,
        counts=counts,
        logins=demo_logins(district),
        shared_scenario=shared_scenario(district),
    )

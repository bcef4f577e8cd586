"""Two years of SAMPLE inspection history before the district's reference date: pure, seeded, no clock.

``generate_history(district)`` returns the same ``SampleHistory`` for the same district (and seed):

* last year (2025-01-01 … 2025-12-31): about 2,300 on-site inspections, ~40 % of them joint;
* this year (2026-01-01 … the day before the reference date): about 1,540 (≈ −33 % year on year),
  ~75 % joint, like the seed district's July joint-inspection rate of 75.16 %;
* spread over the months (fewer around the Spring Festival), on working days only, in office hours;
* every visit checked out with an arrival scan (≈0.5 % back-filled after an outage), ~1.5 % cancelled,
  a few emergencies, ratings for ~40 %, ~20 complaints and ~30 unfiled scan attempts a year;
* non-site records: ~20 % of all inspections last year, ~40 % this year, more than 45 % at the
  ecology bureau (U-O01), from the 10 truck-overload points, drones, boats, cameras and 云勘察.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from api.sample import history_nonsite
from api.sample.history_records import HistoryComplaint, HistoryStep, HistoryUnfiled, HistoryVisit, SampleHistory
from api.sample.history_visits import CANCELLED_SHARE, VisitMaker
from api.sample.history_world import SAMPLE_MARK, Ledger, World, certified_on, local
from api.sample.records import SampleDistrict
from api.sample.registry import _apportion
from models.enums import ComplaintStatus, VisitStatus
from schedules.calendar import working_days


@dataclass(frozen=True, slots=True)
class YearPlan:
    year: int
    onsite: int
    joint_rate: float
    nonsite_ratio: float  # non-site records per on-site inspection
    ecology_ratio: float  # the ecology bureau's non-site records per on-site inspection it took part in


YEAR_PLANS = (YearPlan(2025, 2300, 0.40, 0.25, 0.6), YearPlan(2026, 1540, 0.75, 0.65, 1.25))
MONTH_WEIGHTS = (0.7, 0.6, 1.0, 1.05, 1.0, 1.05, 1.1, 1.0, 1.05, 0.85, 1.1, 1.0)
FULL_SIZE = 2900  # non-whitelisted enterprises of the full 3,000-enterprise district, roughly
COMPLAINTS_PER_YEAR = 20
UNFILED_PER_YEAR = 30
ACTOR = "sample-generator"
COMPLAINT_DUE = dt.timedelta(days=30)
_WORKFLOW = (
    (ComplaintStatus.received, "已受理投诉"),
    (ComplaintStatus.verifying, "已转相关单位核实"),
    (ComplaintStatus.determined, "经核实作出认定"),
    (ComplaintStatus.feedback, "已向投诉人反馈处理结果"),
    (ComplaintStatus.rectified, "已督促有关单位纠错"),
    (ComplaintStatus.archived, "办结归档"),
)
_KINDS = (
    ("inspector_conduct", "检查人员态度生硬，未出示执法证件"),
    ("too_frequent", "同一月内多次被检查，影响正常经营"),
    ("disguised_inspection", "以调研名义进行检查"),
    ("unfiled_inspection", "检查人员来企检查，未出示检查码"),
    ("other", "检查结果告知不清楚"),
)


def history_days(year: int, first: dt.date, last: dt.date) -> dict[int, list[dt.date]]:
    """Working days of ``year`` within ``first``..``last``, per month."""
    out: dict[int, list[dt.date]] = {}
    for month in range(1, 13):
        days = [d for d in working_days(year, month) if first <= d <= last]
        if days:
            out[month] = days
    return out


def generate_history(district: SampleDistrict, seed: int | None = None) -> SampleHistory:
    rng = random.Random((district.seed if seed is None else seed) * 7919 + 1)
    world = World(district)
    last_day = district.reference_date - dt.timedelta(days=1)
    first_day = dt.date(YEAR_PLANS[0].year, 1, 1)
    maker = VisitMaker(rng, world, Ledger(), last_day)
    fleet = history_nonsite.assets(rng)
    records = history_nonsite.RecordMaker(rng, world, fleet)
    visits: list[HistoryVisit] = []
    nonsite = []
    scale = min(1.0, len(world.firms) / FULL_SIZE)  # a small district gets a proportionally small history
    for plan in YEAR_PLANS:
        months = history_days(plan.year, first_day, min(last_day, dt.date(plan.year, 12, 31)))
        weights = [MONTH_WEIGHTS[m - 1] * len(days) for m, days in months.items()]
        year_visits: list[HistoryVisit] = []
        for days, count in zip(months.values(), _apportion(round(plan.onsite * scale), weights), strict=True):
            joint = round(count * plan.joint_rate) if world.joint_firms else 0
            kinds = [True] * joint + [False] * (count - joint)
            rng.shuffle(kinds)
            for is_joint in kinds:
                if rng.random() < CANCELLED_SHARE:
                    year_visits.append(maker.make(days, joint=False, cancelled=True))
                year_visits.append(maker.make(days, joint=is_joint))
        year_visits.sort(key=lambda v: v.window_start)
        visits += year_visits
        all_days = [d for days in months.values() for d in days]
        done = [v for v in year_visits if v.status == VisitStatus.checked_out]
        ecology = round(sum(1 for v in done if history_nonsite.ECOLOGY in v.unit_codes) * plan.ecology_ratio)
        year_records = records.year(all_days, round(len(done) * plan.nonsite_ratio), ecology)
        nonsite += sorted(year_records, key=lambda r: r.started_at)
    return SampleHistory(
        seed=district.seed if seed is None else seed,
        first_day=first_day,
        last_day=last_day,
        visits=tuple(visits),
        complaints=tuple(_complaints(rng, visits, last_day)),
        unfiled=tuple(_unfiled(rng, world, first_day, last_day)),
        assets=fleet,
        records=tuple(nonsite),
    )


def _complaints(rng: random.Random, visits: Sequence[HistoryVisit], last_day: dt.date) -> list[HistoryComplaint]:
    """About 20 a year: most archived; this year also a few still open and two overdue."""
    end = local(last_day, 18)
    out: list[HistoryComplaint] = []
    done = [(n, v) for n, v in enumerate(visits) if v.status == VisitStatus.checked_out and v.checked_out_at]
    years = Counter(v.year for _, v in done)
    for year in sorted(years):
        mine = [(n, v) for n, v in done if v.year == year]
        picks = [(p, len(_WORKFLOW) - 1) for p in rng.sample(mine, min(len(mine), COMPLAINTS_PER_YEAR))]
        if year == last_day.year:  # this year: two overdue (received 45-70 days ago), three open in time
            late = [p for p in mine if end - dt.timedelta(days=70) < _out(p[1]) < end - dt.timedelta(days=45)]
            fresh = [p for p in mine if end - dt.timedelta(days=15) < _out(p[1]) < end - dt.timedelta(days=3)]
            picks = picks[:-5] + [(p, rng.randint(1, 3)) for p in rng.sample(late, min(len(late), 2))]
            picks += [(p, rng.randint(0, 2)) for p in rng.sample(fresh, min(len(fresh), 3))]
        for (n, visit), stop in sorted(picks, key=lambda p: _out(p[0][1])):
            received = _out(visit) + dt.timedelta(hours=rng.randint(2, 48))
            kind, text = rng.choice(_KINDS)
            flow = [s for s in _WORKFLOW if s[0] != ComplaintStatus.rectified or rng.random() < 0.3]
            flow = flow[: stop + 1]
            steps, at = [], received
            for status, note in flow:
                steps.append(HistoryStep(status.value, note + SAMPLE_MARK, ACTOR, at))
                at = min(at + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8)), end)
            final = steps[-1]
            closed = final.at if final.status == ComplaintStatus.archived else None
            out.append(
                HistoryComplaint(
                    visit=None if kind == "unfiled_inspection" else n,
                    uscc=visit.uscc,
                    kind=kind,
                    description=text + SAMPLE_MARK,
                    status=final.status,
                    received_at=received,
                    due_at=received + COMPLAINT_DUE,
                    closed_at=closed,
                    steps=tuple(steps),
                )
            )
    return out


def _out(visit: HistoryVisit) -> dt.datetime:
    assert visit.checked_out_at is not None
    return visit.checked_out_at


def _unfiled(rng: random.Random, world: World, first: dt.date, last: dt.date) -> list[HistoryUnfiled]:
    out: list[HistoryUnfiled] = []
    for year in range(first.year, last.year + 1):
        days = [d for ds in history_days(year, first, last).values() for d in ds]
        for day in sorted(rng.choices(days, k=UNFILED_PER_YEAR if world.firms else 0)):
            unit = rng.choice(sorted(world.inspectors))
            pool = [p for p in world.inspectors[unit] if certified_on(p, day, day)]
            if not pool:
                continue
            person = rng.choice(pool)
            firm = rng.choice(world.firms)
            out.append(
                HistoryUnfiled(
                    inspector_cert=str(person.cert_no),
                    username=f"inspector-{person.cert_no}",
                    uscc=firm.uscc,
                    latitude=round(firm.latitude + rng.uniform(-0.0004, 0.0004), 6),
                    longitude=round(firm.longitude + rng.uniform(-0.0004, 0.0004), 6),
                    accuracy_m=float(rng.randint(5, 40)),
                    at=local(day, rng.randint(9, 16), rng.randrange(60)),
                    reason="no_matching_visit",
                )
            )
    return out

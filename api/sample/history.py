"""Two years of SAMPLE inspection history up to the day before the district's reference date: pure, seeded.

``generate_history(district)`` returns the same ``SampleHistory`` for the same district (its seed and its
reference date, "today"); the years are counted back from the reference year Y:

* it starts on the 1st of the current month two years ago (so every month has a month a year before);
* Y−2 and Y−1 at about 2,500 and 2,300 on-site inspections a year, ~30 % and ~40 % of them joint;
* Y at about 1,700 a year (≈ −33 % year on year), ~75 % joint, like the seed district's July joint-inspection
  rate of 75.16 %; a partial year gets its share of the months' weights;
* spread over the months (fewer around the Spring Festival), on working days only, in office hours;
* every visit checked out with an arrival scan (≈0.5 % back-filled after an outage), ~1.5 % cancelled,
  a few emergencies, ratings for ~40 %, ~20 complaints and ~30 unfiled scan attempts a year;
* non-site records: ~20–25 % of all inspections in the earlier years, ~40 % in Y, more than 45 % at the
  ecology bureau (U-O01), from the 10 truck-overload points, drones, boats, cameras and 云勘察.

With ``plans_this_year`` the current year's planned visits are left out: ``ruqi seed`` files them from the
published monthly schedules (``api.sample.present``). The year then keeps only its triggered visits (about
8 % of its volume), on enterprises outside ``reserved`` (those the annual plans target), and its non-site
records as if the planned visits were there.
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
    back: int  # years before the reference year
    onsite: int  # on-site inspections over a whole year
    joint_rate: float
    nonsite_ratio: float  # non-site records per on-site inspection
    ecology_ratio: float  # the ecology bureau's non-site records per on-site inspection it took part in


YEAR_PLANS = (
    YearPlan(2, 2500, 0.30, 0.20, 0.5),
    YearPlan(1, 2300, 0.40, 0.25, 0.6),
    YearPlan(0, 1700, 0.75, 0.65, 1.25),
)
# Years before Y−2 (only with ``years`` > 2, the province benchmark): like Y−2.
EARLIER_YEAR = YearPlan(3, 2500, 0.30, 0.20, 0.5)
UNPLANNED_SHARE = 0.08  # of the present year's volume, when its planned visits come from the schedules
HISTORY_MONTHS = 24
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


def first_history_day(today: dt.date, years: int = HISTORY_MONTHS // 12) -> dt.date:
    """The 1st of the current month, two (or ``years``) years back."""
    return dt.date(today.year - years, today.month, 1)


def year_plans(years: int) -> tuple[YearPlan, ...]:
    """The plans of the ``years`` + 1 calendar years a history of ``years`` years touches, oldest first."""
    earlier = tuple(
        YearPlan(
            back, EARLIER_YEAR.onsite, EARLIER_YEAR.joint_rate, EARLIER_YEAR.nonsite_ratio, EARLIER_YEAR.ecology_ratio
        )
        for back in range(years, 2, -1)
    )
    return earlier + YEAR_PLANS


def generate_history(
    district: SampleDistrict,
    seed: int | None = None,
    *,
    plans_this_year: bool = False,
    reserved: frozenset[str] = frozenset(),
    years: int = HISTORY_MONTHS // 12,
    only_year: int | None = None,
    world: World | None = None,
) -> SampleHistory:
    """With ``years`` > 2 (the province benchmark, ``bench/bench_province.py``) the history goes further back and
    its volume grows with the enterprises instead of stopping at the full district's; ``only_year`` then makes
    one calendar year of it at a time (its own random stream), so a large history never sits in memory whole."""
    rng = random.Random((district.seed if seed is None else seed) * 7919 + 1 + (only_year or 0))
    world = world or World(district)
    today = district.reference_date
    last_day = today - dt.timedelta(days=1)
    first_day = first_history_day(today, years)
    maker = VisitMaker(rng, world, Ledger(), last_day)
    fleet = history_nonsite.assets(rng)
    records = history_nonsite.RecordMaker(rng, world, fleet)
    visits: list[HistoryVisit] = []
    nonsite = []
    scale = len(world.firms) / FULL_SIZE
    if years <= HISTORY_MONTHS // 12:
        scale = min(1.0, scale)  # a small district gets a proportionally small history; a big one the full one
    ecology_share = 0.0
    for plan in year_plans(years):
        year = today.year - plan.back
        if only_year is not None and year != only_year:
            continue
        months = history_days(year, max(first_day, dt.date(year, 1, 1)), min(last_day, dt.date(year, 12, 31)))
        if not months:
            continue
        weights = [MONTH_WEIGHTS[m - 1] * len(days) / len(working_days(year, m)) for m, days in months.items()]
        total = round(plan.onsite * scale * sum(weights) / sum(MONTH_WEIGHTS))
        unplanned = plans_this_year and plan.back == 0
        if unplanned:
            maker.firms = [f for f in world.firms if f.uscc not in reserved] or world.firms
        year_visits: list[HistoryVisit] = []
        made = round(total * UNPLANNED_SHARE) if unplanned else total
        for days, count in zip(months.values(), _apportion(made, weights), strict=True):
            joint = 0 if unplanned or not world.joint_firms else round(count * plan.joint_rate)
            kinds = [True] * joint + [False] * (count - joint)
            rng.shuffle(kinds)
            for is_joint in kinds:
                if rng.random() < CANCELLED_SHARE:
                    year_visits.append(maker.make(days, joint=False, cancelled=True, triggered=unplanned))
                year_visits.append(maker.make(days, joint=is_joint, triggered=unplanned))
        maker.firms = world.firms
        year_visits.sort(key=lambda v: v.window_start)
        visits += year_visits
        all_days = [d for days in months.values() for d in days]
        done = [v for v in year_visits if v.status == VisitStatus.checked_out]
        if not unplanned and done:
            ecology_share = sum(1 for v in done if history_nonsite.ECOLOGY in v.unit_codes) / len(done)
        onsite = total if unplanned else len(done)  # the planned visits count, filed later or not
        ecology = round(onsite * ecology_share * plan.ecology_ratio)
        year_records = records.year(all_days, round(onsite * plan.nonsite_ratio), ecology)
        nonsite += sorted(year_records, key=lambda r: r.started_at)
    if only_year is not None:
        first_day = max(first_day, dt.date(only_year, 1, 1))
        last_day = min(last_day, dt.date(only_year, 12, 31))
    return SampleHistory(
        seed=district.seed if seed is None else seed,
        first_day=first_day,
        last_day=last_day,
        visits=tuple(visits),
        complaints=tuple(_complaints(rng, visits, first_day, last_day)),
        unfiled=tuple(_unfiled(rng, world, first_day, last_day)),
        assets=fleet,
        records=tuple(nonsite),
    )


def _share_of_year(year: int, first: dt.date, last: dt.date) -> float:
    """The part of ``year`` within ``first``..``last``."""
    start, end = max(first, dt.date(year, 1, 1)), min(last, dt.date(year, 12, 31))
    return max(0, (end - start).days + 1) / ((dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days)


def _complaints(
    rng: random.Random, visits: Sequence[HistoryVisit], first_day: dt.date, last_day: dt.date
) -> list[HistoryComplaint]:
    """About 20 a year: most archived; this year also a few still open and two overdue."""
    end = local(last_day, 18)
    out: list[HistoryComplaint] = []
    done = [(n, v) for n, v in enumerate(visits) if v.status == VisitStatus.checked_out and v.checked_out_at]
    years = Counter(v.year for _, v in done)
    for year in sorted(years):
        mine = [(n, v) for n, v in done if v.year == year]
        wanted = max(1, round(COMPLAINTS_PER_YEAR * _share_of_year(year, first_day, last_day)))
        picks = [(p, len(_WORKFLOW) - 1) for p in rng.sample(mine, min(len(mine), wanted))]
        if year == last_day.year:  # this year: two overdue (received 45-70 days ago), three open in time
            late = [p for p in mine if end - dt.timedelta(days=70) < _out(p[1]) < end - dt.timedelta(days=45)]
            fresh = [p for p in mine if end - dt.timedelta(days=15) < _out(p[1]) < end - dt.timedelta(days=3)]
            picks = picks[: max(0, len(picks) - 5)] + [
                (p, rng.randint(1, 3)) for p in rng.sample(late, min(len(late), 2))
            ]
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
        wanted = round(UNFILED_PER_YEAR * _share_of_year(year, first, last)) if world.firms and days else 0
        for day in sorted(rng.choices(days, k=wanted) if wanted else []):
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

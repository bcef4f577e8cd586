"""On-site visits of the sample history: planned (single-unit or joint), triggered, emergency and cancelled.

Every visit uses published items of its units (a 无事不扰 item only with a trigger its library entry allows),
two or more inspectors of each unit whose 执法证 covers the day, a working day and office hours; a joint
visit is one scenario applicable to the enterprise's industry, led by the scenario's lead unit. The
``Ledger`` keeps the caps and frequency limits.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import replace

from api.sample.history_records import HistoryRating, HistoryScan, HistoryVisit
from api.sample.history_world import SAMPLE_MARK, Ledger, World, local
from api.sample.records import SampleEnterprise, SampleItem, SampleScenario
from api.visits.geo import distance_m
from models.enums import VisitOrigin, VisitResult, VisitStatus, VisitTrigger

# Who does most of the single-unit inspections (市场监管, 消防, 生态环境, 应急, 综合执法 first).
UNIT_WEIGHTS = {
    "U-D21": 22.0, "U-O03": 16.0, "U-D20": 14.0, "U-O01": 12.0, "U-D12": 12.0, "U-D11": 5.0, "U-D13": 4.0,
    "U-D18": 3.0, "U-D17": 2.0, "U-D15": 2.0, "U-D09": 2.0, "U-O02": 2.0, "U-D14": 1.0, "U-D16": 1.0,
}  # fmt: skip
OTHER_UNIT_WEIGHT = 0.3
TRIGGERED_SHARE = 0.07
EMERGENCY_SHARE = 0.008
CANCELLED_SHARE = 0.015
BACKFILL_SHARE = 0.005
RATED_SHARE = 0.4
BACKFILL_REASON = "系统故障补录" + SAMPLE_MARK
_TRIGGERS = (
    (VisitTrigger.complaint, 35, "收到投诉举报，依法开展核查"),
    (VisitTrigger.monitoring, 25, "非现场监测数据异常，现场核查"),
    (VisitTrigger.referral, 15, "上级部门转办线索，现场核查"),
    (VisitTrigger.enterprise_request, 10, "企业申请现场指导检查"),
    (VisitTrigger.higher_assignment, 10, "上级交办专项检查任务"),
    (VisitTrigger.accident, 5, "发生生产安全事故，现场调查"),
)
_RESULTS = ((VisitResult.no_issue, 78), (VisitResult.rectification, 18), (VisitResult.case_opened, 4))
_STARTS = ((9, 0), (9, 30), (10, 0), (10, 30), (14, 0), (14, 30), (15, 0))
_COMMENTS = ("", "", "", "检查规范，解释清楚", "效率高，不影响经营", "一次进门查多项，省时省力", "指导很有帮助")
_CANCEL = ("企业停产检修，检查取消", "检查人员临时调整，改期另行备案")


class VisitMaker:
    def __init__(self, rng: random.Random, world: World, ledger: Ledger, last_day: dt.date) -> None:
        self.rng, self.world, self.ledger = rng, world, ledger
        self.end_of_history = local(last_day, 23, 59)
        units = [u.code for u in world.district.units if world.inspectors.get(u.code) and world.routine.get(u.code)]
        self.units = units
        self.unit_weights = [UNIT_WEIGHTS.get(u, OTHER_UNIT_WEIGHT) for u in units]
        self.refs = 0
        self.firms = world.firms  # narrowed while the current year's unplanned visits are made (see history)

    # -- choosing who, what and when ----------------------------------------------------------------------------
    def _team(self, units: Sequence[str], day: dt.date) -> tuple[str, ...] | None:
        certs: list[str] = []
        for n, unit in enumerate(units):
            pool = self.world.inspectors_on(unit, day)
            size = 3 if n == 0 and self.rng.random() < 0.25 else 2
            if len(pool) < size:
                return None
            certs += [str(p.cert_no) for p in self.rng.sample(pool, size)]
        return tuple(certs)

    def _single(
        self, day: dt.date, triggered: bool = False
    ) -> tuple[SampleEnterprise, tuple[str, ...], list[SampleItem], VisitTrigger | None]:
        rng, world = self.rng, self.world
        unit = rng.choices(self.units, weights=self.unit_weights)[0]
        firm = rng.choice(self.firms)
        routine = world.routine[unit]
        items = rng.sample(routine, min(len(routine), rng.choice((1, 1, 2, 2, 3))))
        trigger: VisitTrigger | None = None
        if triggered or rng.random() < TRIGGERED_SHARE:
            trigger = rng.choices([t[0] for t in _TRIGGERS], weights=[t[1] for t in _TRIGGERS])[0]
            allowed = [i for i in world.quiet.get(unit, []) if trigger.value in world.triggers.get(i.code, ())]
            if allowed and rng.random() < 0.6:
                items = [rng.choice(allowed)]  # the lawful way onto a 无事不扰 item: a trigger its entry allows
        return firm, (unit,), items, trigger

    def _joint(self) -> tuple[SampleEnterprise, SampleScenario]:
        firm = self.rng.choice(self.world.joint_firms)
        return firm, self.rng.choice(self.world.scenarios[firm.industry_code])

    # -- building ------------------------------------------------------------------------------------------------
    def make(
        self, days: Sequence[dt.date], joint: bool, cancelled: bool = False, triggered: bool = False
    ) -> HistoryVisit:
        """One visit on one of ``days``; retries other enterprises and days until the rules hold.

        ``triggered``: a triggered visit, never a planned one.
        """
        for _ in range(500):
            day = self.rng.choice(days)
            scenario: SampleScenario | None = None
            trigger: VisitTrigger | None = None
            if joint:
                firm, scenario = self._joint()
                units = self.world.scenario_units(scenario)
                items = [self.world.items[c] for c in scenario.item_codes]
            else:
                firm, units, items, trigger = self._single(day, triggered)
            if not items or not self.ledger.fits(firm, day, units, items):
                continue
            team = self._team(units, day)
            if team is None:
                continue
            self.ledger.add(firm, day, units, items)
            emergency = not joint and not cancelled and trigger is None and self.rng.random() < EMERGENCY_SHARE
            if emergency:
                trigger = VisitTrigger.emergency
            return self._visit(firm, day, units, team, items, scenario, trigger, cancelled)
        raise RuntimeError("could not place a sample visit within the caps; too few enterprises?")

    def _visit(
        self,
        firm: SampleEnterprise,
        day: dt.date,
        units: Sequence[str],
        team: tuple[str, ...],
        items: Sequence[SampleItem],
        scenario: SampleScenario | None,
        trigger: VisitTrigger | None,
        cancelled: bool,
    ) -> HistoryVisit:
        rng = self.rng
        lead = units[0]
        emergency = trigger == VisitTrigger.emergency
        if emergency:
            start = local(day, rng.randint(8, 16), rng.randrange(60))
            end = start + dt.timedelta(hours=4)
            filed = start + dt.timedelta(minutes=rng.randint(10, 40))
            arrival = filed + dt.timedelta(minutes=rng.randint(2, 10))
            approved = filed + dt.timedelta(hours=rng.randint(2, 20))
        else:
            hour, minute = rng.choice(_STARTS)
            start = local(day, hour, minute)
            end = start + dt.timedelta(hours=3)
            ahead = rng.randint(1, 5) if trigger else rng.randint(3, 15)
            filed = local(day - dt.timedelta(days=ahead), rng.randint(9, 16), rng.randrange(60))
            approved = filed + dt.timedelta(hours=rng.randint(1, 30))
            arrival = start + dt.timedelta(minutes=rng.randint(0, 25))
        reason = ""
        ref = ""
        if trigger is not None:
            self.refs += 1
            ref = f"样例线索-{day.year}-{self.refs:04d}"
            reason = (
                "现场发现重大安全隐患，存在证据灭失风险，先行检查"
                if emergency
                else next(t[2] for t in _TRIGGERS if t[0] == trigger)
            ) + SAMPLE_MARK
        visit = HistoryVisit(
            uscc=firm.uscc,
            lead_unit_code=lead,
            unit_codes=tuple(units),
            inspector_certs=team,
            item_codes=tuple(i.code for i in items),
            scenario_code=scenario.code if scenario else None,
            origin=(VisitOrigin.triggered if trigger else VisitOrigin.planned).value,
            trigger_type=trigger.value if trigger else None,
            trigger_ref=ref,
            trigger_reason=reason,
            window_start=start,
            window_end=end,
            status=VisitStatus.checked_out.value,
            is_emergency=emergency,
            approval_due_at=filed + dt.timedelta(hours=24) if emergency else None,
            filed_by=f"planner-{lead.lower()}",
            filed_at=filed,
            approved_by=f"approver-{lead.lower()}",
            approved_at=approved,
            cancelled_at=None,
            cancel_reason="",
            checked_in_at=None,
            checked_out_at=None,
            result=None,
            findings="",
            scan=None,
            rating=None,
        )
        if cancelled:
            return replace(
                visit,
                status=VisitStatus.cancelled.value,
                cancelled_at=approved + dt.timedelta(hours=rng.randint(1, 20)),
                cancel_reason=rng.choice(_CANCEL) + SAMPLE_MARK,
            )
        out = arrival + dt.timedelta(minutes=rng.randint(45, 150))
        result = rng.choices([r[0] for r in _RESULTS], weights=[r[1] for r in _RESULTS])[0]
        return replace(
            visit,
            checked_in_at=arrival,
            checked_out_at=out,
            result=result.value,
            findings=self._findings(result, items),
            scan=self._scan(firm, team[0], arrival),
            rating=self._rating(out),
        )

    def _findings(self, result: VisitResult, items: Sequence[SampleItem]) -> str:
        name = self.rng.choice(items).name.removesuffix("检查")
        if result == VisitResult.rectification:
            return f"{name}存在问题，已责令限期整改{SAMPLE_MARK}"
        if result == VisitResult.case_opened:
            return f"{name}涉嫌违法，已依法立案调查{SAMPLE_MARK}"
        return f"未发现问题{SAMPLE_MARK}"

    def _scan(self, firm: SampleEnterprise, cert: str, at: dt.datetime) -> HistoryScan:
        rng = self.rng
        lat = round(firm.latitude + rng.uniform(-0.0003, 0.0003), 6)
        lon = round(firm.longitude + rng.uniform(-0.0003, 0.0003), 6)
        backfill = rng.random() < BACKFILL_SHARE
        return HistoryScan(
            inspector_cert=cert,
            at=at,
            latitude=lat,
            longitude=lon,
            accuracy_m=float(rng.randint(5, 30)),
            distance_m=round(distance_m(lat, lon, firm.latitude, firm.longitude), 1),
            backfill=backfill,
            backfill_reason=BACKFILL_REASON if backfill else "",
        )

    def _rating(self, checked_out: dt.datetime) -> HistoryRating | None:
        rng = self.rng
        if rng.random() >= RATED_SHARE:
            return None
        at = checked_out + dt.timedelta(minutes=rng.randint(10, 3 * 24 * 60))
        if at > self.end_of_history:
            at = checked_out + dt.timedelta(minutes=30)
        comment = rng.choice(_COMMENTS)
        score = rng.choices((5, 4, 3, 2, 1), weights=(62, 27, 7, 3, 1))[0]
        return HistoryRating(score, comment + SAMPLE_MARK if comment else "", at)

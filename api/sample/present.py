"""The SAMPLE district in the present: this year's plans and schedules, built through the plan services.

``seed_present`` runs after ``load_sample`` and ``load_history`` (generated with ``plans_this_year``) and
brings the district up to "today" (the local date of ``now``, the one clock's instant):

1. every unit's annual plan for this year (``api.sample.plans``) is created, submitted, approved, filed and
   published by its own planner and approver, in late November of last year; when next month is in next
   year (December), next year's plans too, just before ``now``;
2. every month of this year up to the current one is built (on the 20th of the month before), approved by
   every unit with tasks in it (22nd) and published by the supervisor (25th), one after the other; the
   planned visits of a published month are then filed from their plan tasks:

   - those before today were carried out: checked-out visits linked to their lead unit's plan task, with an
     arrival scan, a result and sometimes a rating (about 1.5 % cancelled), so the metrics have real numbers;
   - those from today on are filed and approved, waiting for the inspectors (a demo inspector in each team
     of the demo units): each passes ``api.visits.plan_link.check_plan_link`` (what filing from the task
     checks) and gets its code from ``api.visits.codes.issue_code``, as an approval gives it;

   both written in bulk (``api.sample.history_load.visit_rows``, their audit links appended after them):
   filing a month's visits one by one through the services took most of the seed's time;
3. next month is built and left as a draft awaiting the units' approval: a planner's work in progress.

Each plan service is called with an explicit historical ``now`` (the moment the step would have happened), so
the audit trail, the plans' stamps and the builder's "from now on" all read as if the year had been lived.
Actors are the units' planners and approvers (``planner-u-d21`` …) and the ``supervisor``, as in the
history; only the demo units have accounts to log in with.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import replace
from typing import Any

from api.actor import Actor
from api.clock import LOCAL_TZ
from api.context import ServiceContext
from api.plans import annual as plans_annual
from api.plans import schedule as plans_schedule
from api.plans.build import build_schedule
from api.plans.filing import DEFAULT_HOURS
from api.plans.policy import PlanPolicy
from api.plans.schemas import AnnualPlanCreate, PlanEntryIn
from api.sample.history_audit import append_events
from api.sample.history_load import visit_rows
from api.sample.history_records import HistoryVisit
from api.sample.history_visits import CANCELLED_SHARE, VisitMaker
from api.sample.history_world import Ledger, World, local
from api.sample.plans import SampleEntry, annual_entries
from api.sample.records import SampleDistrict
from api.visits.codes import issue_code
from api.visits.plan_link import check_plan_link
from models.db import write_transaction
from models.enums import Role, VisitOrigin, VisitStatus
from models.plan_tables import PlanTask, PlanVisit
from models.tables import Unit, User
from models.values import as_date, json_list

BUILD_DAY, APPROVE_DAY, PUBLISH_DAY = 20, 22, 25  # of the month before the one built


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


class Present:
    """One run of ``seed_present`` (ids, actors and the random stream it shares between its steps)."""

    def __init__(self, district: SampleDistrict, now: dt.datetime, env: ServiceContext, policy: PlanPolicy) -> None:
        self.district, self.now, self.env, self.policy = district, now, env, policy
        self.today = now.astimezone(LOCAL_TZ).date()
        self.rng = random.Random(f"ruqi-sample-present-{district.seed}-{self.today.isoformat()}")
        self.world = World(district)
        self.maker = VisitMaker(self.rng, self.world, Ledger(), self.today - dt.timedelta(days=1))
        self.units: dict[str, int] = {}
        self.unit_codes: dict[int, str] = {}
        self.user_ids: dict[str, int] = {}
        self.demo_certs = {u.inspector_cert_no for u in district.users if u.inspector_cert_no}
        self.counts: dict[str, int] = defaultdict(int)
        self.booked: set[tuple[str | None, dt.date]] = set()  # (certificate, day) of the visits filed ahead
        self.scenarios = {s.code: s for s in district.scenarios}
        self.latest = now - dt.timedelta(hours=1)  # nothing is filed or approved after the seed's "now"

    async def load_ids(self) -> None:
        self.units = {r["code"]: r["id"] for r in await Unit.select(Unit.id, Unit.code)}
        self.unit_codes = {v: k for k, v in self.units.items()}
        self.user_ids = {r["username"]: r["id"] for r in await User.select(User.id, User.username)}

    # -- who acts ------------------------------------------------------------------------------------------------
    def _actor(self, role: Role, unit_code: str | None = None) -> Actor:
        name = f"{role.value}-{unit_code.lower()}" if unit_code else role.value
        unit_id = self.units[unit_code] if unit_code else None
        return Actor(user_id=self.user_ids.get(name, 0), username=name, role=role, unit_id=unit_id)

    def planner(self, unit_code: str) -> Actor:
        return self._actor(Role.planner, unit_code)

    def approver(self, unit_code: str) -> Actor:
        return self._actor(Role.approver, unit_code)

    # -- annual plans --------------------------------------------------------------------------------------------
    async def annual_plans(self, year: int) -> None:
        """Every unit's plan for ``year``, from creation to publication, in late November of the year before."""
        start = min(local(dt.date(year - 1, 11, 20), 9), self.now - dt.timedelta(hours=12))
        entries = annual_entries(self.district, year)
        for n, (unit_code, unit_entries) in enumerate(entries.items()):
            at = start + dt.timedelta(minutes=5 * n)
            body = AnnualPlanCreate(year=year, entries=[_entry_in(e) for e in unit_entries])
            plan = await plans_annual.create_plan(self.planner(unit_code), body, self.policy, at)
            for hours, action in ((2, "submit"), (5, "approve"), (7, "file"), (9, "publish")):
                actor = self.approver(unit_code) if action == "approve" else self.planner(unit_code)
                await plans_annual.step(actor, plan.id, action, self.policy, at + dt.timedelta(hours=hours))
            self.counts["annual_plans"] += 1
            self.counts["plan_entries"] += len(unit_entries)

    # -- monthly schedules ---------------------------------------------------------------------------------------
    def _month_times(self, year: int, month: int) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
        before_year, before = _previous_month(year, month)
        return (
            local(dt.date(before_year, before, BUILD_DAY), 10),
            local(dt.date(before_year, before, APPROVE_DAY), 10),
            local(dt.date(before_year, before, PUBLISH_DAY), 15),
        )

    async def build(self, year: int, month: int, at: dt.datetime) -> int:
        schedule_id, _ = await build_schedule(self.planner(BUILDER_UNIT), year, month, self.policy, at)
        return schedule_id

    async def publish(self, year: int, month: int) -> int:
        built_at, approved_at, published_at = self._month_times(year, month)
        schedule_id = await self.build(year, month, built_at)
        for n, unit_code in enumerate(await plans_schedule.pending_units(schedule_id)):
            at = approved_at + dt.timedelta(minutes=3 * n)
            await plans_schedule.approve_month(self.approver(unit_code), year, month, None, at)
        await _publish_month(self._actor(Role.supervisor), year, month, published_at)
        self.counts["months_published"] += 1
        await self.file_month(schedule_id, published_at)
        return schedule_id

    async def draft(self, year: int, month: int) -> int:
        built_at = min(self._month_times(year, month)[0], self.now - dt.timedelta(minutes=10))
        schedule_id = await self.build(year, month, built_at)
        self.counts["months_draft"] += 1
        return schedule_id

    # -- filing the planned visits of a published month ----------------------------------------------------------
    async def file_month(self, schedule_id: int, published_at: dt.datetime) -> None:
        visits = (
            await PlanVisit.select()
            .where(
                (PlanVisit.schedule == schedule_id) & (PlanVisit.onsite == True)  # noqa: E712
            )
            .order_by(PlanVisit.seq)
        )
        tasks: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for task in await PlanTask.select().where(
            (PlanTask.schedule == schedule_id) & (PlanTask.status == "planned") & (PlanTask.onsite == True)  # noqa: E712
        ):
            tasks[task["visit_seq"]].append(task)
        done: list[HistoryVisit] = []
        ahead: list[HistoryVisit] = []
        for visit in visits:
            group = tasks.get(visit["seq"])
            lead = next((t for t in group or [] if t["unit"] == visit["lead_unit"]), None)
            if not group or lead is None:
                continue
            carried_out = as_date(visit["window_start"]) < self.today
            made = self._planned(visit, group, lead, published_at, carried_out)
            if made is None:
                self.counts["planned_visits_unfiled"] += 1
            else:
                (done if carried_out else ahead).append(made)
        if not done and not ahead:
            return
        rows: dict[str, int] = {}
        async with write_transaction():
            for made in ahead:  # what filing from the task would check: the visit is its planned visit, once
                await check_plan_link(
                    plan_task_id=made.plan_task_id,
                    origin=VisitOrigin.planned,
                    uscc=made.uscc,
                    lead_unit_id=self.units[made.lead_unit_code],
                    unit_ids=[self.units[u] for u in made.unit_codes],
                    item_codes=made.item_codes,
                    window_start=made.window_start,
                    window_end=made.window_end,
                )
            events, ids = await visit_rows([*done, *ahead], rows)
            self.counts["audit_events"] += await append_events(events, self.now)
        async with write_transaction():  # approved: each visit's code (检查码), signed as the service signs it
            for visit_id, made in zip(ids[len(done) :], ahead, strict=True):
                await issue_code(visit_id, self.env, made.approved_at)
        self.counts["planned_visits_done"] += sum(v.status == VisitStatus.checked_out for v in done)
        self.counts["planned_visits_cancelled"] += sum(v.status == VisitStatus.cancelled for v in done)
        self.counts["planned_visits_ahead"] += len(ahead)

    def _planned(
        self,
        visit: dict[str, Any],
        group: list[dict[str, Any]],
        lead: dict[str, Any],
        published_at: dt.datetime,
        carried_out: bool,
    ) -> HistoryVisit | None:
        """The planned visit filed from its lead unit's task after publication: carried out (before today) or
        approved and waiting, with the whole day as its window as ``file_from_task`` gives it (from today on)."""
        day = as_date(visit["window_start"])
        ordered = sorted(group, key=lambda t: (t["unit"] != visit["lead_unit"], self.unit_codes[t["unit"]]))
        units = [self.unit_codes[t["unit"]] for t in ordered]
        items = [self.world.items[c] for c in dict.fromkeys(c for t in ordered for c in json_list(t["item_codes"]))]
        team = self.maker._team(units, day) if carried_out else self._team(units, day)
        if team is None:
            return None
        firm = self.world.by_uscc[visit["uscc"]]
        scenario = self.scenarios.get(visit["scenario_code"] or "")
        cancelled = carried_out and self.rng.random() < CANCELLED_SHARE
        made = self.maker._visit(firm, day, units, team, items, scenario, None, cancelled)
        filed = min(published_at + dt.timedelta(hours=self.rng.randint(18, 60)), local(day, 7), self.latest)
        approved = min(filed + dt.timedelta(hours=self.rng.randint(1, 20)), local(day, 8), self.latest)
        made = replace(
            made,
            filed_at=filed,
            approved_at=approved,
            cancelled_at=approved + dt.timedelta(hours=1) if cancelled else None,
            plan_task_id=int(lead["id"]),
        )
        if carried_out:
            return made
        start, end = (local(day, hour) for hour in DEFAULT_HOURS)
        return replace(
            made,
            window_start=start,
            window_end=end,
            status=VisitStatus.approved.value,
            checked_in_at=None,
            checked_out_at=None,
            result=None,
            findings="",
            scan=None,
            rating=None,
        )

    def _team(self, units: list[str], day: dt.date) -> tuple[str, ...] | None:
        """Two inspectors of each unit valid on the day and not yet booked that day (when the unit has enough),
        a demo inspector first where the unit has a free one: the demo logins have visits to scan."""
        certs: list[str] = []
        for unit in units:
            pool = self.world.inspectors_on(unit, day)
            free = [p for p in pool if (p.cert_no, day) not in self.booked]
            pool = free if len(free) >= 2 else pool
            demo = [p for p in pool if p.cert_no in self.demo_certs]
            others = [p for p in pool if p.cert_no not in self.demo_certs]
            picks = ((self.rng.sample(demo, 1) if demo else []) + self.rng.sample(others, min(len(others), 2)))[:2]
            if len(picks) < 2:
                return None
            for person in picks:
                self.booked.add((person.cert_no, day))
                certs.append(str(person.cert_no))
        return tuple(certs)

    # -- the whole run -------------------------------------------------------------------------------------------
    async def run(self) -> dict[str, int]:
        await self.load_ids()
        year, month = self.today.year, self.today.month
        after = next_month(year, month)
        await self.annual_plans(year)
        if after[0] != year:
            await self.annual_plans(after[0])
        for m in range(1, month + 1):
            await self.publish(year, m)
        await self.draft(*after)
        return dict(self.counts)


BUILDER_UNIT = "U-D21"  # 市场监管: its planner builds the district's months (any planner may)


async def _publish_month(actor: Actor, year: int, month: int, at: dt.datetime) -> None:
    """Publish; the sample confirms a month on a provisional calendar (a year without official data)."""
    await plans_schedule.publish_month(actor, year, month, now=at, confirm_provisional=True)


def _entry_in(entry: SampleEntry) -> PlanEntryIn:
    return PlanEntryIn(
        item_codes=list(entry.item_codes),
        frequency=entry.frequency,
        usccs=list(entry.usccs),
        note=entry.note,
    )


async def seed_present(
    district: SampleDistrict, *, now: dt.datetime, env: ServiceContext, policy: PlanPolicy
) -> dict[str, int]:
    """Plans, published months with their visits and next month's draft, up to ``now`` (see the module doc)."""
    return await Present(district, now, env, policy).run()

"""The SAMPLE district in the present: this year's plans and schedules, built through the plan services.

``seed_present`` runs after ``load_sample`` and ``load_history`` (generated with ``plans_this_year``) and
brings the district up to "today" (the local date of ``now``, the one clock's instant):

1. every unit's annual plan for this year (``api.sample.plans``) is created, submitted, approved, filed and
   published by its own planner and approver, in late November of last year; when next month is in next
   year (December), next year's plans too, just before ``now``;
2. every month of this year up to the current one is built (on the 20th of the month before), approved by
   every unit with tasks in it (22nd) and published by the supervisor (25th), one after the other; the
   planned visits of a published month are then filed from their plan tasks:

   - those before today were carried out: written in bulk (``api.sample.history_load``) as checked-out
     visits linked to their lead unit's plan task, with an arrival scan, a result and sometimes a rating
     (about 1.5 % cancelled), so the metrics have real numbers;
   - those from today on are filed through ``api.plans.filing.file_from_task`` and approved through
     ``api.visits.filing.approve_visit`` (codes issued), ready for the inspectors;
3. next month is built and left as a draft awaiting the units' approval: a planner's work in progress.

Each service is called with an explicit historical ``now`` (the moment the step would have happened), so
the audit trail, the plans' stamps and the builder's "from now on" all read as if the year had been lived.
Actors are the units' planners and approvers (``planner-u-d21`` …) and the ``supervisor``, as in the
history; only the demo units have accounts to log in with.
"""

from __future__ import annotations

import datetime as dt
import inspect
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
from api.plans.filing import file_from_task
from api.plans.policy import PlanPolicy, period_text
from api.plans.schemas import AnnualPlanCreate, FileTaskRequest, PlanEntryIn
from api.sample.history_audit import append_events
from api.sample.history_load import visit_rows
from api.sample.history_records import HistoryVisit
from api.sample.history_visits import CANCELLED_SHARE, VisitMaker
from api.sample.history_world import Ledger, World, local
from api.sample.plans import SampleEntry, annual_entries
from api.sample.records import SampleDistrict
from api.visits.filing import approve_visit
from models.db import write_transaction
from models.enums import Role
from models.plan_tables import PlanTask, PlanVisit
from models.tables import Inspector, Unit, User
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
        self.inspector_ids: dict[str, int] = {}
        self.demo_certs = {u.inspector_cert_no for u in district.users if u.inspector_cert_no}
        self.counts: dict[str, int] = defaultdict(int)
        self.booked: set[tuple[str | None, dt.date]] = set()  # (certificate, day) of the visits filed ahead

    async def load_ids(self) -> None:
        self.units = {r["code"]: r["id"] for r in await Unit.select(Unit.id, Unit.code)}
        self.unit_codes = {v: k for k, v in self.units.items()}
        self.user_ids = {r["username"]: r["id"] for r in await User.select(User.id, User.username)}
        rows = await Inspector.select(Inspector.id, Inspector.cert_no).where(Inspector.cert_no.is_not_null())
        self.inspector_ids = {r["cert_no"]: r["id"] for r in rows}

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
        ahead: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for visit in visits:
            group = tasks.get(visit["seq"])
            if not group:
                continue
            lead = next((t for t in group if t["unit"] == visit["lead_unit"]), None)
            if lead is None:
                continue
            if as_date(visit["window_start"]) < self.today:
                made = self._carried_out(visit, group, lead, published_at)
                if made is not None:
                    done.append(made)
            else:
                ahead.append((visit, lead))
        if done:
            rows: dict[str, int] = {}
            async with write_transaction():
                events = await visit_rows(done, rows)
                self.counts["audit_events"] += await append_events(events, self.now)
            self.counts["planned_visits_done"] += sum(v.status == "checked_out" for v in done)
            self.counts["planned_visits_cancelled"] += sum(v.status == "cancelled" for v in done)
        for visit, lead in ahead:
            await self._file_ahead(visit, lead, published_at)

    def _ordered(self, visit: dict[str, Any], group: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        """The visit's unit codes (lead first) and items, as ``file_from_task`` orders them."""
        ordered = sorted(group, key=lambda t: (t["unit"] != visit["lead_unit"], self.unit_codes[t["unit"]]))
        items = list(dict.fromkeys(code for t in ordered for code in json_list(t["item_codes"])))
        return [self.unit_codes[t["unit"]] for t in ordered], items

    def _carried_out(
        self, visit: dict[str, Any], group: list[dict[str, Any]], lead: dict[str, Any], published_at: dt.datetime
    ) -> HistoryVisit | None:
        day = as_date(visit["window_start"])
        units, item_codes = self._ordered(visit, group)
        team = self.maker._team(units, day)
        if team is None:
            self.counts["planned_visits_unfiled"] += 1
            return None
        firm = self.world.by_uscc[visit["uscc"]]
        items = [self.world.items[c] for c in item_codes]
        scenario = next((s for s in self.district.scenarios if s.code == visit["scenario_code"]), None)
        cancelled = self.rng.random() < CANCELLED_SHARE
        made = self.maker._visit(firm, day, units, team, items, scenario, None, cancelled)
        filed = min(published_at + dt.timedelta(hours=self.rng.randint(18, 60)), local(day, 7))
        approved = min(filed + dt.timedelta(hours=self.rng.randint(1, 20)), local(day, 8))
        cancelled_at = approved + dt.timedelta(hours=1) if cancelled else None
        return replace(
            made,
            filed_at=filed,
            approved_at=approved,
            cancelled_at=cancelled_at,
            plan_task_id=int(lead["id"]),
        )

    def _team_ids(self, units: list[str], day: dt.date) -> list[int]:
        """Two inspectors of each unit valid on the day and not yet booked that day (when the unit has enough),
        a demo inspector first where the unit has a free one: the demo logins have visits to scan."""
        ids: list[int] = []
        for unit in units:
            pool = self.world.inspectors_on(unit, day)
            free = [p for p in pool if (p.cert_no, day) not in self.booked]
            pool = free if len(free) >= 2 else pool
            demo = [p for p in pool if p.cert_no in self.demo_certs]
            others = [p for p in pool if p.cert_no not in self.demo_certs]
            picks = (self.rng.sample(demo, 1) if demo else []) + self.rng.sample(others, min(len(others), 2))
            for person in picks[:2]:
                self.booked.add((person.cert_no, day))
                ids.append(self.inspector_ids[str(person.cert_no)])
        return ids

    async def _file_ahead(self, visit: dict[str, Any], lead: dict[str, Any], published_at: dt.datetime) -> None:
        day = as_date(visit["window_start"])
        lead_code = self.unit_codes[visit["lead_unit"]]
        tasks = await PlanTask.select(PlanTask.unit).where(
            (PlanTask.schedule == visit["schedule"])
            & (PlanTask.visit_seq == visit["seq"])
            & (PlanTask.status == "planned")
        )
        units = [lead_code, *sorted({self.unit_codes[t["unit"]] for t in tasks} - {lead_code})]
        filed_at = min(published_at + dt.timedelta(hours=self.rng.randint(18, 60)), self.now - dt.timedelta(hours=2))
        approved_at = min(filed_at + dt.timedelta(hours=self.rng.randint(1, 20)), self.now - dt.timedelta(hours=1))
        request = FileTaskRequest(inspector_ids=self._team_ids(units, day))
        filed = await file_from_task(self.planner(lead_code), int(lead["id"]), request, self.env, filed_at)
        await approve_visit(self.approver(lead_code), filed.id, self.env, approved_at)
        self.counts["planned_visits_ahead"] += 1

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
    """Publish; a month on a provisional calendar is confirmed explicitly when the service asks for it."""
    parameters = inspect.signature(plans_schedule.publish_month).parameters
    confirm = {name: True for name in parameters if "provisional" in name or "confirm" in name}
    await plans_schedule.publish_month(actor, year, month, now=at, **confirm)


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


__all__ = ["next_month", "period_text", "seed_present"]

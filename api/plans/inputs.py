"""What the schedule builder and the edit validator need, loaded from the database as ``schedules`` data.

- **Plans**: for every unit, the latest version of its annual plan of the year that is approved, filed or
  published (an amendment in progress does not replace the version in force until it is approved).
  Entry ids are ``<unit code>-<year>-E<entry_no>``: stable across amendments, so spreading stays put.
- **Lists**: published items (an item in the published 无事不扰 library counts as category
  ``no_disturbance``), published scenarios (their units are their items' units).
- **Registry**: every enterprise; the whitelist counts when it is still valid on the first day of the month.
- **History** of the year, without the month's own schedule: every enforcement visit that is not cancelled
  (filed, approved, done), plus the tasks of the other *counted* months (below) that no visit was filed
  from yet (a visit filed from a task is counted once, as a visit). For the remaining-frequency rule it also holds
  the *counted months* (``built_months``: published months, and draft months that have not passed — a
  draft left unpublished past its month never happened) and the plan tasks in them per (enterprise, plan
  entry) (``entry_tasks``, from the tasks' sources, a carried task counting for the entries it carries).
- **Extra tasks**: the approved triggered / 专项 tasks planners added to the month (``plans_extra``), and
  the carried-over tasks whose *home* is this month. Months are built in any order, so a task carried to
  month T belongs to the first month X ≥ T that either is published and took it, or is not published and
  has not passed; a published month that did not take it (it was published before the task was carried)
  and a passed month pass it on. So each carried task has exactly one home at any time, and is never
  planned twice or lost.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from api.clock import LOCAL_TZ
from api.i18n import load
from api.local_sql import local_bucket
from api.plans.extra import approved_extra_tasks
from models.appointment_tables import ResultAcceptance
from models.enums import ItemCategory, ListStatus, VisitKind, VisitStatus
from models.plan_tables import AnnualPlan, AnnualPlanEntry, PlanCarry, PlanTask, ScheduleMonth
from models.tables import Enterprise, Item, LibraryEntry, Scenario, Unit
from models.values import json_list
from schedules import (
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

IN_FORCE = ("approved", "filed", "published")


@dataclass(frozen=True)
class Lists:
    items: list[ItemInfo]
    scenarios: list[ScenarioInfo]


@dataclass(frozen=True)
class BuildInputs:
    entries: list[PlanEntry]
    enterprises: list[EnterpriseInfo]
    lists: Lists
    history: History
    extra_tasks: list[ExtraTask]


def entry_id(unit_code: str, year: int, entry_no: int) -> str:
    return f"{unit_code}-{year}-E{entry_no}"


async def load_inputs(year: int, month: int, schedule_id: int | None, today: dt.date) -> BuildInputs:
    return BuildInputs(
        entries=await load_entries(year),
        enterprises=await load_enterprises(dt.date(year, month, 1)),
        lists=await load_lists(),
        history=await load_history(year, schedule_id, today=today),
        extra_tasks=await load_extra_tasks(year, month, schedule_id, today),
    )


def month_passed(year: int, month: int, today: dt.date) -> bool:
    """The month's last day is before ``today``."""
    return (year, month) < (today.year, today.month)


def source_entry_ids(source: dict[str, Any]) -> list[str]:
    """The plan entries a stored task source counts for (rows written before ``entry_ids`` was kept: a plan
    entry's own ref)."""
    if "entry_ids" in source:
        return [str(e) for e in source["entry_ids"]]
    if source.get("kind") in (SourceKind.routine.value, SourceKind.special.value) and "-E" in str(source["ref"]):
        return [str(source["ref"])]
    return []


async def counted_months(year: int, schedule_id: int | None, today: dt.date | None) -> dict[int, int]:
    """Month -> schedule id of the year's other months whose tasks count: published, or drafts not passed."""
    rows = await ScheduleMonth.select(ScheduleMonth.id, ScheduleMonth.month, ScheduleMonth.status).where(
        (ScheduleMonth.year == year) & (ScheduleMonth.id != (schedule_id or 0))
    )
    return {
        r["month"]: r["id"]
        for r in rows
        if r["status"] == "published" or today is None or not month_passed(year, r["month"], today)
    }


async def _entry_tasks(schedule_ids: list[int], uscc: str | None) -> dict[tuple[str, str], int]:
    if not schedule_ids:
        return {}
    query = PlanTask.select(PlanTask.uscc, PlanTask.sources).where(
        PlanTask.schedule.is_in(schedule_ids) & (PlanTask.status == "planned")
    )
    if uscc is not None:
        query = query.where(PlanTask.uscc == uscc)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in await query:
        entries = {entry for source in json_list(row["sources"]) for entry in source_entry_ids(source)}
        for entry in entries:
            counts[(row["uscc"], entry)] += 1
    return dict(counts)


async def load_entries(year: int) -> list[PlanEntry]:
    plans = await AnnualPlan.select(AnnualPlan.id, AnnualPlan.unit, AnnualPlan.version).where(
        (AnnualPlan.year == year) & AnnualPlan.status.is_in(list(IN_FORCE))
    )
    in_force: dict[int, dict[str, Any]] = {}
    for plan in sorted(plans, key=lambda p: (p["unit"], p["version"])):
        in_force[plan["unit"]] = plan
    if not in_force:
        return []
    codes = {r["id"]: r["code"] for r in await Unit.select(Unit.id, Unit.code)}
    plan_units = {plan["id"]: unit for unit, plan in in_force.items()}
    rows = await AnnualPlanEntry.select().where(AnnualPlanEntry.plan.is_in(list(plan_units)))
    entries = []
    for row in rows:
        unit_id = plan_units[row["plan"]]
        selector = TargetSelector(
            industry_prefixes=tuple(json_list(row["industry_prefixes"])),
            risk_grades=tuple(json_list(row["risk_grades"])),
            above_scale_only=bool(row["above_scale_only"]),
            usccs=tuple(json_list(row["usccs"])),
        )
        entries.append(
            PlanEntry(
                unit_id=unit_id,
                entry_id=entry_id(codes[unit_id], year, row["entry_no"]),
                item_codes=tuple(json_list(row["item_codes"])),
                selector=selector,
                frequency=row["frequency"],
                kind=PlanKind(row["kind"]),
                onsite=bool(row["onsite"]),
            )
        )
    return entries


async def load_enterprises(on: dt.date, uscc: str | None = None) -> list[EnterpriseInfo]:
    query = Enterprise.select(
        Enterprise.uscc,
        Enterprise.industry_code,
        Enterprise.risk_grade,
        Enterprise.above_scale,
        Enterprise.whitelisted,
        Enterprise.whitelist_until,
    )
    if uscc is not None:
        query = query.where(Enterprise.uscc == uscc)
    return [
        EnterpriseInfo(
            uscc=r["uscc"],
            industry_code=r["industry_code"] or "",
            risk_grade=r["risk_grade"],
            above_scale=bool(r["above_scale"]),
            whitelisted=bool(r["whitelisted"]) and (r["whitelist_until"] is None or r["whitelist_until"] >= on),
        )
        for r in await query
    ]


async def load_lists() -> Lists:
    library = {
        r["code"]
        for r in await LibraryEntry.select(LibraryEntry.item._.code.as_alias("code")).where(
            LibraryEntry.status == ListStatus.published.value
        )
    }
    rows = await Item.select(Item.code, Item.unit, Item.yearly_cap, Item.category, Item.nonsite_capable, Item.status)
    units = {r["code"]: r["unit"] for r in rows}
    items = [
        ItemInfo(
            code=r["code"],
            unit_id=r["unit"],
            yearly_cap=r["yearly_cap"],
            category=ItemCategory.no_disturbance.value if r["code"] in library else r["category"],
            nonsite_capable=bool(r["nonsite_capable"]),
        )
        for r in rows
        if r["status"] == ListStatus.published.value
    ]
    scenarios = []
    for r in await Scenario.select().where(Scenario.status == ListStatus.published.value):
        codes = frozenset(json_list(r["item_codes"]))
        scenarios.append(
            ScenarioInfo(
                code=r["code"],
                lead_unit_id=r["lead_unit"],
                item_codes=codes,
                unit_ids=frozenset(units[c] for c in codes if c in units),
                industry_prefixes=tuple(json_list(r["industry_codes"])),
            )
        )
    return Lists(items=items, scenarios=scenarios)


async def load_history(
    year: int, schedule_id: int | None, uscc: str | None = None, *, today: dt.date | None = None
) -> History:
    unit_visits: dict[tuple[str, int], int] = defaultdict(int)
    item_inspections: dict[tuple[str, str], int] = defaultdict(int)
    by_month: dict[tuple[str, int], int] = defaultdict(int)
    visit_filter = (
        f"v.year = {{}} AND v.status <> '{VisitStatus.cancelled.value}' AND v.kind = '{VisitKind.enforcement.value}'"
    )
    args: list[Any] = [year]
    if uscc is not None:
        visit_filter += " AND e.uscc = {}"
        args.append(uscc)
    base = f"FROM visit v JOIN enterprise e ON e.id = v.enterprise WHERE {visit_filter}"
    month = local_bucket("v.window_start", "month")
    for r in await Enterprise.raw(
        f"SELECT e.uscc AS uscc, {month} AS m, COUNT(*) AS n {base} GROUP BY e.uscc, {month}", *args
    ):
        by_month[(r["uscc"], int(str(r["m"])[5:7]))] += int(r["n"])
    units_sql = base.replace("WHERE", "JOIN visit_unit vu ON vu.visit = v.id WHERE", 1)
    for r in await Enterprise.raw(
        f"SELECT e.uscc AS uscc, vu.unit AS unit, COUNT(*) AS n {units_sql} GROUP BY e.uscc, vu.unit", *args
    ):
        unit_visits[(r["uscc"], int(r["unit"]))] += int(r["n"])
    items_sql = base.replace("WHERE", "JOIN visit_item vi ON vi.visit = v.id JOIN item i ON i.id = vi.item WHERE", 1)
    for r in await Enterprise.raw(
        f"SELECT e.uscc AS uscc, i.code AS code, COUNT(*) AS n {items_sql} GROUP BY e.uscc, i.code", *args
    ):
        item_inspections[(r["uscc"], r["code"])] += int(r["n"])
    groups: set[tuple[str, int, int, int]] = set()
    counted = await counted_months(year, schedule_id, today)
    for r in await _unfiled_tasks(sorted(counted.values()), uscc):
        if r["onsite"]:
            unit_visits[(r["uscc"], int(r["unit"]))] += 1
            groups.add((r["uscc"], int(r["month"]), int(r["schedule"]), int(r["visit_seq"])))
        for code in json_list(r["item_codes"]):
            item_inspections[(r["uscc"], code)] += 1
    for group_uscc, group_month, _, _ in groups:
        by_month[(group_uscc, group_month)] += 1
    entry_tasks = await _entry_tasks(sorted(counted.values()), uscc)
    for key, accepted in (await _accepted_results(year, uscc)).items():
        entry_tasks[key] = entry_tasks.get(key, 0) + accepted
    return History(
        unit_visits=dict(unit_visits),
        item_inspections=dict(item_inspections),
        onsite_visits_by_month=dict(by_month),
        entry_tasks=entry_tasks,
        built_months=frozenset(counted),
    )


async def _accepted_results(year: int, uscc: str | None) -> dict[tuple[str, str], int]:
    """检查结果互认: an entry whose every item the unit accepted from other units' results on an enterprise this
    year counts one task done there (per inspection accepted), so the builder places no visit for it."""
    query = ResultAcceptance.select(
        ResultAcceptance.enterprise.uscc.as_alias("uscc"),
        ResultAcceptance.unit,
        ResultAcceptance.item.code.as_alias("item_code"),
        ResultAcceptance.visit,
        ResultAcceptance.accepted_at,
    )
    if uscc is not None:
        query = query.where(ResultAcceptance.enterprise.uscc == uscc)
    accepted: dict[tuple[str, int], dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in await query:
        if row["accepted_at"] is not None and row["accepted_at"].astimezone(LOCAL_TZ).year == year:
            accepted[(row["uscc"], int(row["unit"]))][int(row["visit"])].add(row["item_code"])
    if not accepted:
        return {}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for entry in await load_entries(year):
        for (enterprise_uscc, unit_id), by_visit in accepted.items():
            if unit_id != entry.unit_id:
                continue
            done = sum(1 for codes in by_visit.values() if set(entry.item_codes) <= codes)
            if done:
                counts[(enterprise_uscc, entry.entry_id)] += done
    return dict(counts)


async def _unfiled_tasks(schedule_ids: list[int], uscc: str | None) -> list[dict[str, Any]]:
    """The planned tasks of the counted months (published, and drafts that have not passed: months build in
    any order, so a draft's tasks hold their cap slots too) that no visit was filed from yet."""
    if not schedule_ids:
        return []
    marks = ", ".join("{}" for _ in schedule_ids)
    sql = (
        "SELECT t.uscc AS uscc, t.unit AS unit, t.item_codes AS item_codes, t.onsite AS onsite, "
        "t.visit_seq AS visit_seq, t.schedule AS schedule, s.month AS month "
        "FROM plan_task t JOIN schedule_month s ON s.id = t.schedule "
        f"WHERE s.id IN ({marks}) AND t.status = 'planned' "
        "AND NOT EXISTS (SELECT 1 FROM plan_task t2 JOIN visit v ON v.plan_task_id = t2.id "
        "WHERE t2.schedule = t.schedule AND t2.visit_seq = t.visit_seq AND v.status <> 'cancelled')"
    )
    args: list[Any] = list(schedule_ids)
    if uscc is not None:
        sql += " AND t.uscc = {}"
        args.append(uscc)
    return list(await Enterprise.raw(sql, *args))


def _index(year: int, month: int) -> int:
    return year * 12 + month - 1


async def carried_home(year: int, month: int, schedule_id: int | None, today: dt.date) -> list[dict[str, Any]]:
    """The carried-over tasks whose home is (year, month) (see the module docstring)."""
    here = _index(year, month)
    first = _index(year - 1, 1)
    rows = [
        r
        for r in await PlanCarry.select().where(
            (PlanCarry.year >= year - 1) & (PlanCarry.year <= year) & (PlanCarry.schedule != (schedule_id or 0))
        )
        if first <= _index(r["year"], r["month"]) <= here
    ]
    if not rows:
        return []
    months = {
        _index(r["year"], r["month"]): r
        for r in await ScheduleMonth.select(
            ScheduleMonth.id, ScheduleMonth.year, ScheduleMonth.month, ScheduleMonth.status
        ).where((ScheduleMonth.year >= year - 1) & (ScheduleMonth.year <= year))
    }
    by_id = {m["id"]: m for m in months.values()}
    rows = [r for r in rows if not _dead_draft(by_id.get(r["schedule"]), today)]
    published = [m["id"] for m in months.values() if m["status"] == "published"]
    taken: set[tuple[int, str]] = set()
    if published:
        for t in await PlanTask.select(PlanTask.schedule, PlanTask.sources).where(PlanTask.schedule.is_in(published)):
            for source in json_list(t["sources"]):
                if source.get("kind") == SourceKind.carried_over.value:
                    taken.add((t["schedule"], str(source["ref"])))

    def home(row: dict[str, Any]) -> int:
        for index in range(_index(row["year"], row["month"]), here):
            built = months.get(index)
            if built is not None and built["status"] == "published":
                if (built["id"], row["task_key"]) in taken:
                    return index
                continue
            if index // 12 < today.year or (index // 12 == today.year and index % 12 + 1 < today.month):
                continue  # passed
            return index
        return here

    return [r for r in rows if home(r) == here]


def _dead_draft(schedule: dict[str, Any] | None, today: dt.date) -> bool:
    """A draft left unpublished past its month: its tasks never happened, nor did what it carried on."""
    return (
        schedule is not None
        and schedule["status"] != "published"
        and month_passed(schedule["year"], schedule["month"], today)
    )


async def load_extra_tasks(year: int, month: int, schedule_id: int | None, today: dt.date) -> list[ExtraTask]:
    rows = await carried_home(year, month, schedule_id, today)
    return await approved_extra_tasks(year, month) + [
        ExtraTask(
            task_id=r["task_key"],
            uscc=r["uscc"],
            unit_id=r["unit"],
            item_codes=tuple(json_list(r["item_codes"])),
            kind=SourceKind(r["kind"]),
            onsite=bool(r["onsite"]),
            note=load(r["note"]),
            entry_ids=tuple(str(e) for e in json_list(r["entry_ids"])),
        )
        for r in rows
    ]

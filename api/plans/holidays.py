"""The holiday calendar as data: one official schedule (放假安排) per year in the database.

``load_work_calendar`` gives the builder, the edit validator and publication one ``schedules.WorkCalendar``:

1. the years held in the database (``calendar_year`` with its ``calendar_day`` rows): loaded or corrected
   by the admin (``PUT /api/v1/calendar/{year}``, ``ruqi calendar import FILE``), each change audited;
2. for a year not held there, the newest data a kept package carries (``chinese-calendar``: holidays
   with their names and the 调休 working days, ``schedules.official_years_from_package``);
3. any other year is **provisional** (``schedules.provisional_year``): weekends off plus the statutory
   holidays on their dates (元旦, 春节 除夕–初三, 清明, 劳动节 1–2 May, 端午, 中秋, 国庆 1–3 October), no 调休.
   A missing year is never an error.

Loading a year flags every planned visit of that year (draft and published months) whose window now
starts or ends on a day off (``plan_visit.calendar_flag``, listed by ``GET /api/v1/calendar/flags`` and in
the schedule view) and clears the flag of a window that is a working day again; a move clears it too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Forbidden, RuleViolation
from api.i18n import dump, render_stored, tr
from api.plans.schemas import CalendarDayRead, CalendarLoadRead, CalendarYearRead, CalendarYearWrite, FlaggedVisitRead
from api.registry.lookups import unit_by_code, unit_codes_by_id
from models.db import write_transaction
from models.plan_tables import CalendarDay, CalendarYear, PlanTask, PlanVisit, ScheduleMonth
from models.values import as_date
from schedules import WorkCalendar, YearCalendar, official_years_from_package, provisional_year

MIN_YEAR, MAX_YEAR = 2000, 2100
OFF, WORK = "off", "work"


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise RuleViolation(
            tr("{year} is outside the calendar's years {first}–{last}.", year=year, first=MIN_YEAR, last=MAX_YEAR),
            code="calendar_year_out_of_range",
            field="year",
        )


def _package_years() -> dict[int, YearCalendar]:
    return {y.year: y for y in official_years_from_package()}


async def _database_years(year: int | None = None) -> dict[int, tuple[dict[str, Any], YearCalendar]]:
    years = CalendarYear.select()
    days = CalendarDay.select()
    if year is not None:
        years, days = years.where(CalendarYear.year == year), days.where(CalendarDay.year == year)
    by_year: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in await days:
        by_year[row["year"]].append(row)
    found = {}
    for row in await years:
        rows = by_year[row["year"]]
        off = {as_date(d["day"]): d["name"] for d in rows if d["kind"] == OFF}
        work = {as_date(d["day"]): d["name"] for d in rows if d["kind"] == WORK}
        found[row["year"]] = (row, YearCalendar(row["year"], off, work, provisional=False, source=row["source"]))
    return found


async def load_work_calendar() -> WorkCalendar:
    """The database's years over the package's; any other year provisional (see the module docstring)."""
    years = _package_years()
    years.update({year: calendar for year, (_, calendar) in (await _database_years()).items()})
    return WorkCalendar(years.values())


async def year_view(year: int) -> CalendarYearRead:
    check_year(year)
    held = (await _database_years(year)).get(year)
    row: dict[str, Any] | None = None
    if held is not None:
        row, calendar, origin = held[0], held[1], "database"
    elif year in (package := _package_years()):
        calendar, origin = package[year], "package"
    else:
        calendar, origin = provisional_year(year), "provisional"
    return CalendarYearRead(
        year=year,
        provisional=calendar.provisional,
        origin=origin,
        source=calendar.source,
        loaded_by=row["loaded_by"] if row else None,
        loaded_at=row["loaded_at"] if row else None,
        days_off=[CalendarDayRead(day, name) for day, name in calendar.days_off.items()],
        extra_workdays=[CalendarDayRead(day, name) for day, name in calendar.extra_workdays.items()],
    )


def year_from_write(year: int, data: CalendarYearWrite) -> YearCalendar:
    check_year(year)
    off = {d.date: d.name for d in data.days_off}
    work = {d.date: d.name for d in data.extra_workdays}
    if len(off) != len(data.days_off) or len(work) != len(data.extra_workdays):
        raise RuleViolation(tr("A day is listed twice."), code="calendar_day_repeated")
    strays = sorted(d for d in (*off, *work) if d.year != year)
    if strays:
        raise RuleViolation(
            tr("{day} is not in {year}.", day=strays[0].isoformat(), year=year), code="calendar_day_outside_year"
        )
    both = sorted(set(off) & set(work))
    if both:
        raise RuleViolation(
            tr("{day} is both a day off and a make-up working day.", day=both[0].isoformat()),
            code="calendar_day_conflict",
        )
    weekday_work = sorted(d for d in work if d.weekday() < 5)
    if weekday_work:
        raise RuleViolation(
            tr("{day} is a weekday: only weekend days can be make-up working days.", day=weekday_work[0].isoformat()),
            code="calendar_workday_not_weekend",
        )
    return YearCalendar(year, off, work, provisional=False, source=data.source or "api")


async def put_year(actor: Actor, year: int, data: CalendarYearWrite, now: dt.datetime) -> CalendarLoadRead:
    """Load or correct a year (admin); flags the planned visits it puts on a day off. Audited."""
    if not actor.is_admin:
        raise Forbidden(tr("Only an admin loads or corrects the holiday calendar."))
    calendar = year_from_write(year, data)
    await store_years([calendar], actor.username, now)
    return CalendarLoadRead(calendar=await year_view(year), flagged=await flagged_visits(year=year))


async def store_years(calendars: list[YearCalendar], username: str, now: dt.datetime) -> dict[int, int]:
    """Write the years (replacing what the database held for them), flag visits; returns flags per year."""
    flagged: dict[int, int] = {}
    async with write_transaction():
        for calendar in calendars:
            before = await year_view(calendar.year)
            await CalendarDay.delete().where(CalendarDay.year == calendar.year)
            await CalendarYear.delete().where(CalendarYear.year == calendar.year)
            await CalendarYear.insert(
                CalendarYear(year=calendar.year, source=calendar.source, loaded_by=username, loaded_at=now)
            )
            days = [CalendarDay(year=calendar.year, day=d, kind=OFF, name=n) for d, n in calendar.days_off.items()]
            days += [
                CalendarDay(year=calendar.year, day=d, kind=WORK, name=n) for d, n in calendar.extra_workdays.items()
            ]
            if days:
                await CalendarDay.insert(*days)
            flagged[calendar.year] = await flag_year(calendar.year, await load_work_calendar())
            await audit.append(
                "calendar.loaded",
                username,
                f"calendar:{calendar.year}",
                {
                    "year": calendar.year,
                    "source": calendar.source,
                    "was": before.origin,
                    "was_provisional": before.provisional,
                    "days_off": [d.isoformat() for d in calendar.days_off],
                    "extra_workdays": [d.isoformat() for d in calendar.extra_workdays],
                    "flagged_visits": flagged[calendar.year],
                },
                at=now,
            )
    return flagged


async def flag_year(year: int, calendar: WorkCalendar) -> int:
    """Flag the year's planned visits whose window starts or ends on a day off; clear the others' flags."""
    months = await ScheduleMonth.select(ScheduleMonth.id).where(ScheduleMonth.year == year)
    if not months:
        return 0
    rows = await PlanVisit.select(
        PlanVisit.id, PlanVisit.window_start, PlanVisit.window_end, PlanVisit.calendar_flag
    ).where(PlanVisit.schedule.is_in([m["id"] for m in months]) & (PlanVisit.status == "planned"))
    count = 0
    for row in rows:
        start, end = as_date(row["window_start"]), as_date(row["window_end"])
        bad = [d for d in (start, end) if not calendar.is_working_day(d)]
        flag = ""
        if bad:
            count += 1
            why = calendar.day_off_reason(bad[0])
            flag = dump(tr("Official {year} calendar: {why}; move the visit.", year=year, why=why))
        if flag != row["calendar_flag"]:
            await PlanVisit.update({PlanVisit.calendar_flag: flag}).where(PlanVisit.id == row["id"])
    return count


async def flagged_visits(
    year: int | None = None, unit_code: str | None = None, period: str | None = None
) -> list[FlaggedVisitRead]:
    """Planned visits flagged by a calendar load (of one unit: those carrying its task), by month and id."""
    query = PlanVisit.select(
        *PlanVisit.all_columns(),
        PlanVisit.schedule._.period.as_alias("period"),
        PlanVisit.schedule._.status.as_alias("month_status"),
    ).where((PlanVisit.calendar_flag != "") & (PlanVisit.status == "planned"))
    if year is not None:
        query = query.where(PlanVisit.schedule._.year == year)
    if period is not None:
        query = query.where(PlanVisit.schedule._.period == period)
    rows = await query.order_by(PlanVisit.id)
    if not rows:
        return []
    units = await unit_codes_by_id()
    tasks: dict[tuple[int, int], set[int]] = defaultdict(set)
    for t in await PlanTask.select(PlanTask.schedule, PlanTask.visit_seq, PlanTask.unit).where(
        PlanTask.schedule.is_in(sorted({r["schedule"] for r in rows})) & (PlanTask.status == "planned")
    ):
        tasks[(t["schedule"], t["visit_seq"])].add(t["unit"])
    unit_id = (await unit_by_code(unit_code))["id"] if unit_code else None
    found = []
    for r in rows:
        unit_ids = tasks[(r["schedule"], r["seq"])]
        if unit_id is not None and unit_id not in unit_ids:
            continue
        found.append(
            FlaggedVisitRead(
                visit_id=r["id"],
                period=r["period"],
                status=r["month_status"],
                uscc=r["uscc"],
                lead_unit_code=units[r["lead_unit"]],
                unit_codes=sorted(units[u] for u in unit_ids),
                window_start=as_date(r["window_start"]),
                window_end=as_date(r["window_end"]),
                flag=render_stored(r["calendar_flag"]),
            )
        )
    return found


async def seed_from_package(now: dt.datetime) -> list[int]:
    """Store the package's official years the database does not hold yet (never overwriting a loaded or
    corrected year); returns the years stored. ``ruqi migrate`` runs it, so a newer package adds its years."""
    held = {r["year"] for r in await CalendarYear.select(CalendarYear.year)}
    missing = [calendar for year, calendar in sorted(_package_years().items()) if year not in held]
    if missing:
        await store_years(missing, "package", now)
    return [calendar.year for calendar in missing]

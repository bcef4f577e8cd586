"""``ruqi calendar import FILE`` and ``ruqi calendar show YEAR``: the holiday calendar from the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from click import Group
from litestar import Litestar

from api.console import refuse, say
from api.i18n import tr


def register_calendar_commands(cli: Group) -> None:
    @cli.group(name="calendar", help="The holiday calendar (放假安排): import a year's official schedule, show a year.")
    def calendar() -> None:
        pass

    @calendar.command(name="import", help="Load the official schedule of every year in a CSV or iCalendar file.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--year", type=int, default=None, help="Load only this year of the file.")
    @click.option("--by", "username", default="cli", show_default=True, help="Who loads it (the audit trail).")
    def import_file(app: Litestar, file: Path, year: int | None, username: str) -> None:
        from api.errors import DomainError
        from api.plans.calendar_files import parse_calendar_file
        from api.plans.holidays import store_years, year_from_write
        from api.plans.schemas import CalendarDayIn, CalendarYearWrite

        try:
            parsed = parse_calendar_file(file.name, file.read_bytes())
            if year is not None:
                parsed = {y: days for y, days in parsed.items() if y == year}
            if not parsed:
                raise refuse(tr("the file names no day of {year}", year=year) if year else tr("the file names no day"))
            calendars = [
                year_from_write(
                    y,
                    CalendarYearWrite(
                        days_off=[CalendarDayIn(d, n) for d, n in sorted(days.days_off.items())],
                        extra_workdays=[CalendarDayIn(d, n) for d, n in sorted(days.extra_workdays.items())],
                        source=f"import {file.name}"[:120],
                    ),
                )
                for y, days in sorted(parsed.items())
            ]
            flagged = asyncio.run(store_years(calendars, username, app.state.clock.now()))
        except DomainError as exc:
            raise refuse(tr("{code}: {message}", code=exc.code, message=exc.message)) from exc
        for loaded in calendars:
            say(
                tr(
                    "{year}: {days_off} days off, {workdays} make-up working days loaded; "
                    "{flagged} planned visits flagged",
                    year=loaded.year,
                    days_off=len(loaded.days_off),
                    workdays=len(loaded.extra_workdays),
                    flagged=flagged[loaded.year],
                )
            )

    @calendar.command(name="show", help="Print a year's calendar: where it comes from, days off, make-up working days.")
    @click.argument("year", type=int)
    def show(app: Litestar, year: int) -> None:
        from api.errors import DomainError
        from api.plans.holidays import year_view

        try:
            view = asyncio.run(year_view(year))
        except DomainError as exc:
            raise refuse(tr("{code}: {message}", code=exc.code, message=exc.message)) from exc
        state = tr("PROVISIONAL (no official schedule loaded)") if view.provisional else tr("official")
        say(
            tr(
                "{year}: {state}; origin {origin}; source {source}",
                year=view.year,
                state=state,
                origin=view.origin,
                source=view.source or "-",
            )
        )
        if view.loaded_by:
            say(tr("loaded by {who} at {at}", who=view.loaded_by, at=str(view.loaded_at)))
        for day in view.days_off:
            say(tr("  {day} off   {name}", day=day.date.isoformat(), name=day.name))
        for day in view.extra_workdays:
            say(tr("  {day} work  {name}", day=day.date.isoformat(), name=day.name))

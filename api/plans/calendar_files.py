"""Reading a holiday schedule (放假安排) from a file: CSV or iCalendar (pure: no database, no web).

**CSV** (UTF-8, a header row optional, ``#`` starts a comment line): ``date,kind,name`` — ``date`` as
``YYYY-MM-DD``; ``kind`` ``off`` (a holiday or 调休 day off; also ``休``, ``holiday``) or ``work`` (a 调休
make-up working day; also ``班``, ``workday``); ``name`` free text, e.g. ``2027-02-06,off,春节``.

**iCalendar** (RFC 5545, ``.ics``): every ``VEVENT`` names a span of days (``DTSTART`` to ``DTEND``, the end
exclusive for all-day events as the RFC says; one day without ``DTEND``). Its ``SUMMARY`` is the name; a
summary with ``班`` (补班, 上班) or "workday"/"working day", or ``X-RUQI-KIND:work``, makes the days make-up
working days, anything else days off — the form the published Chinese holiday feeds use ("春节 休", "春节 班").

``parse_calendar_file`` returns the days per year; ``api.plans.holidays`` checks and stores each year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from icalendar import Calendar

from api.errors import InvalidInput
from api.i18n import tr
from api.tabular import csv_records

OFF_WORDS = {"off", "休", "holiday", "day off", "rest"}
WORK_WORDS = {"work", "班", "workday", "working day", "补班", "上班"}


@dataclass
class ParsedYear:
    days_off: dict[dt.date, str] = field(default_factory=dict)
    extra_workdays: dict[dt.date, str] = field(default_factory=dict)


def _kind(word: str, line: int) -> str:
    text = word.strip().lower()
    if text in OFF_WORDS:
        return "off"
    if text in WORK_WORDS:
        return "work"
    raise InvalidInput(
        tr("Line {line}: the kind {kind} is neither off nor work.", line=line, kind=repr(word)),
        code="calendar_file_invalid",
    )


def _add(years: dict[int, ParsedYear], day: dt.date, kind: str, name: str) -> None:
    year = years.setdefault(day.year, ParsedYear())
    (year.days_off if kind == "off" else year.extra_workdays)[day] = name


def parse_csv(text: str) -> dict[int, ParsedYear]:
    years: dict[int, ParsedYear] = {}
    for number, row in enumerate(csv_records(text.encode("utf-8")), start=1):
        if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        if number == 1 and row[0].strip().lower() == "date":
            continue
        try:
            day = dt.date.fromisoformat(row[0].strip())
        except ValueError:
            raise InvalidInput(
                tr("Line {line}: {text} is not a date (YYYY-MM-DD).", line=number, text=repr(row[0])),
                code="calendar_file_invalid",
            ) from None
        kind = _kind(row[1] if len(row) > 1 else "off", number)
        _add(years, day, kind, row[2].strip() if len(row) > 2 else "")
    return years


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise ValueError(f"not a date: {value!r}")


def parse_ics(data: bytes) -> dict[int, ParsedYear]:
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as exc:
        raise InvalidInput(
            tr("The file is not an iCalendar file: {error}", error=str(exc)), code="calendar_file_invalid"
        ) from exc
    years: dict[int, ParsedYear] = {}
    for event in calendar.walk("VEVENT"):
        name = str(event.get("SUMMARY", "")).strip()
        explicit = str(event.get("X-RUQI-KIND", "")).strip().lower()
        work = explicit == "work" or (
            explicit != "off" and ("班" in name or "workday" in name.lower() or "working day" in name.lower())
        )
        start_prop = event.get("DTSTART")
        if start_prop is None:
            continue
        start = _as_date(start_prop.dt)
        end_prop = event.get("DTEND")
        end = _as_date(end_prop.dt) if end_prop is not None else start + dt.timedelta(days=1)
        if isinstance(start_prop.dt, dt.datetime) and end_prop is not None:
            end = _as_date(end_prop.dt) + dt.timedelta(days=1)  # a timed event covers its last day
        day = start
        while day < max(end, start + dt.timedelta(days=1)):
            _add(years, day, "work" if work else "off", name)
            day += dt.timedelta(days=1)
    return years


def parse_calendar_file(filename: str, data: bytes) -> dict[int, ParsedYear]:
    """The days per year of a ``.csv`` or ``.ics`` file (by its name; otherwise by its content)."""
    lower = filename.lower()
    if lower.endswith((".ics", ".ical", ".ifb", ".icalendar")) or data.lstrip().startswith(b"BEGIN:VCALENDAR"):
        return parse_ics(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(tr("The CSV file is not UTF-8 text."), code="calendar_file_invalid") from None
    return parse_csv(text)

"""Metric periods: a month, a quarter, a year or custom dates, in Asia/Shanghai local time.

``parse_metric_period("2026-07", today=…)``, ``…("2026-Q3", …)``, ``…("2026", …)`` or
``…(None, start=date(2026, 7, 1), last_day=date(2026, 7, 15))``. The end is exclusive
everywhere inside (``end`` is the first day after the period); custom periods are given by their
first and *last* day, as a person types them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from api.clock import LOCAL_TZ
from api.errors import InvalidInput
from api.i18n import Text, tr

MAX_CUSTOM_DAYS = 3 * 366
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class PeriodKind(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"
    custom = "custom"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: dt.date
    end: dt.date  # exclusive

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.month:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == PeriodKind.quarter:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == PeriodKind.year:
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.last_day.isoformat()}"

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def last_year(self) -> Period:
        """The same period one year earlier (29 February becomes 28 February)."""
        return Period(self.kind, shift_year(self.start, -1), shift_year(self.end, -1))

    def through(self, today: dt.date) -> Period:
        """The part of the period up to and including ``today``: all of it once it has ended.

        Year on year compares this span with the same days last year, so a month four days old is set
        against last year's first four days, not against last year's whole month.
        """
        end = min(self.end, max(today + dt.timedelta(days=1), self.start + dt.timedelta(days=1)))
        return Period(self.kind if end == self.end else PeriodKind.custom, self.start, end)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return local_midnight(self.start), local_midnight(self.end)


def shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)


def month_period(year: int, month: int) -> Period:
    end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return Period(PeriodKind.month, dt.date(year, month, 1), end)


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, first + 3, 1)
    return Period(PeriodKind.quarter, dt.date(year, first, 1), end)


def year_period(year: int) -> Period:
    return Period(PeriodKind.year, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


def _bad(message: str | Text, field: str = "period") -> InvalidInput:
    return InvalidInput(message, code="invalid_period", field=field)


def parse_metric_period(
    text: str | None, *, today: dt.date, start: dt.date | None = None, last_day: dt.date | None = None
) -> Period:
    """A named period (``YYYY-MM``, ``YYYY-Qn``, ``YYYY``), custom dates, or by default the current month."""
    if text and (start or last_day):
        raise _bad(tr("Give either period or from/to, not both."))
    if start or last_day:
        if not (start and last_day):
            raise _bad(tr("A custom period needs both from and to."), "from" if start is None else "to")
        if last_day < start:
            raise _bad(tr("to is before from."), "to")
        if (last_day - start).days >= MAX_CUSTOM_DAYS:
            raise _bad(tr("A custom period spans at most {days} days.", days=MAX_CUSTOM_DAYS), "to")
        return Period(PeriodKind.custom, start, last_day + dt.timedelta(days=1))
    if not text:
        return month_period(today.year, today.month)
    text = text.strip()
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise _bad(tr("{text}: the month must be 01–12.", text=repr(text)))
        return month_period(_year(year), month)
    if match := _QUARTER.match(text):
        return quarter_period(_year(int(match[1])), int(match[2]))
    if match := _YEAR.match(text):
        return year_period(_year(int(match[1])))
    raise _bad(tr("{text} is not a period: use YYYY-MM, YYYY-Qn, YYYY, or from/to dates.", text=repr(text)))


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise _bad(tr("The year {year} is out of range (2000–2100).", year=year))
    return year

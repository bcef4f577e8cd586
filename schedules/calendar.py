"""Working days (public holidays and 调休 make-up days), quiet days and window spreading.

Working days come from the ``chinese-calendar`` package (``import chinese_calendar``), which ships the
State Council's holiday schedule year by year: a year is only known once it is published (each
November for the next year). For a year outside its data it raises ``NotImplementedError``; here that
becomes ``CalendarUnavailable`` with the supported range, so a build for an unpublished year fails
clearly instead of guessing weekdays. The fix is to upgrade the package.

Quiet days (e.g. days 1–15 of every month) take planned visits out of those days; a visit whose items
are all in an exempt category (or that carries a triggered task) may still use them.
"""

from __future__ import annotations

import calendar as std_calendar
import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache

import chinese_calendar


class CalendarUnavailable(ValueError):
    """chinese-calendar has no holiday data for the year asked about."""


def supported_years() -> range:
    """Years chinese-calendar has holiday and 调休 data for."""
    known = chinese_calendar.holidays.keys()
    return range(min(known).year, max(known).year + 1)


def _check_year(year: int) -> None:
    years = supported_years()
    if year not in years:
        version = getattr(chinese_calendar, "__version__", "?")
        raise CalendarUnavailable(
            f"No public-holiday data for {year}: chinese-calendar {version} covers {years.start}–{years.stop - 1}. "
            "Upgrade chinese-calendar once the State Council has published that year's schedule."
        )


@lru_cache(maxsize=64)
def _working_days(year: int, month: int) -> tuple[dt.date, ...]:
    _check_year(year)
    days_in_month = std_calendar.monthrange(year, month)[1]
    days = (dt.date(year, month, day) for day in range(1, days_in_month + 1))
    return tuple(day for day in days if chinese_calendar.is_workday(day))


def working_days(year: int, month: int) -> list[dt.date]:
    """The month's working days: weekdays that are not public holidays, plus 调休 make-up weekend days."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return list(_working_days(year, month))


def is_working_day(day: dt.date) -> bool:
    return day in _working_days(day.year, day.month)


def day_off_reason(day: dt.date) -> str:
    """Why a day is not a working day: the holiday's name, or the weekend."""
    _check_year(day.year)
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    if on_holiday and name:
        return f"{day.isoformat()} is a public holiday ({name})"
    if on_holiday and day.weekday() < 5:
        return f"{day.isoformat()} is a day off in lieu (调休)"
    return f"{day.isoformat()} is a weekend day"


def quiet_day_exempt(categories: Iterable[str], exempt_categories: Collection[str], triggered: bool = False) -> bool:
    """A visit may use quiet days when it is triggered or every one of its item categories is exempt."""
    if triggered:
        return True
    categories = list(categories)
    return bool(categories) and all(category in exempt_categories for category in categories)


def allowed_days(year: int, month: int, quiet_days: Collection[int], exempt: bool = False) -> list[dt.date]:
    """Working days of the month, minus the quiet days unless the visit is exempt from them."""
    days = _working_days(year, month)
    if exempt or not quiet_days:
        return list(days)
    return [day for day in days if day.day not in quiet_days]


def spread_windows(count: int, days: Sequence[dt.date]) -> list[dt.date]:
    """Start days for ``count`` windows in order, spread evenly over ``days`` (deterministic).

    With no more windows than days, window i gets ``days[i * len(days) // count]``: distinct days evenly
    apart. With more windows than days, they go round-robin, so day loads differ by at most one and
    consecutive windows (e.g. two visits of one enterprise) fall on different days.
    """
    if count <= 0:
        return []
    if not days:
        raise ValueError("no allowed day to place windows on")
    span = len(days)
    if count <= span:
        return [days[i * span // count] for i in range(count)]
    return [days[i % span] for i in range(count)]


def window_end(start: dt.date, days: Sequence[dt.date], window_days: int) -> dt.date:
    """The last day of a window of ``window_days`` allowed days starting at ``start`` (clamped to the month)."""
    index = days.index(start)
    return days[min(index + max(window_days, 1) - 1, len(days) - 1)]

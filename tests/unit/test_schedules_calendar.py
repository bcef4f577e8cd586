"""Working days from the default calendar (chinese-calendar's holidays and 调休), quiet days and window spreading."""

from __future__ import annotations

import calendar as std_calendar
import datetime as dt
import itertools

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedules.calendar import (
    CalendarUnavailable,
    allowed_days,
    day_off_reason,
    default_calendar,
    is_working_day,
    quiet_day_exempt,
    spread_windows,
    supported_years,
    window_end,
    working_days,
)


def _month_days(year: int, month: int) -> list[dt.date]:
    return [dt.date(year, month, day) for day in range(1, std_calendar.monthrange(year, month)[1] + 1)]


def _make_up_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """调休: weekend days the library lists as working days."""
    span = (end - start).days + 1
    days = [start + dt.timedelta(days=offset) for offset in range(span)]
    return [day for day in days if day.weekday() >= 5 and chinese_calendar.is_workday(day)]


def test_october_2026_national_day_is_off() -> None:
    days = working_days(2026, 10)
    assert not is_working_day(dt.date(2026, 10, 1))
    assert all(not (dt.date(2026, 10, 1) <= day <= dt.date(2026, 10, 7)) for day in days)
    assert "National Day" in str(day_off_reason(dt.date(2026, 10, 1)))


def test_october_2026_follows_the_library_including_make_up_days() -> None:
    expected = [day for day in _month_days(2026, 10) if chinese_calendar.is_workday(day)]
    assert working_days(2026, 10) == expected
    for day in _make_up_days(dt.date(2026, 10, 1), dt.date(2026, 10, 31)):
        assert day in working_days(2026, 10)  # a Saturday or Sunday that is worked


def test_make_up_days_exist_around_national_day_2026() -> None:
    # The 2026 data has 调休 around 国庆/中秋; the builder test relies on at least one in Sep–Oct.
    assert _make_up_days(dt.date(2026, 9, 1), dt.date(2026, 10, 31))


def test_plain_weekends_are_off() -> None:
    for day in _month_days(2026, 3):
        if day.weekday() >= 5 and not chinese_calendar.is_workday(day):
            assert day not in working_days(2026, 3)


def test_a_year_without_data_is_provisional_not_an_error() -> None:
    missing = supported_years().stop
    assert 2026 in supported_years() and default_calendar().is_provisional(missing)
    assert working_days(missing, 1)  # no CalendarUnavailable any more: the name stays importable
    assert issubclass(CalendarUnavailable, ValueError)
    with pytest.raises(ValueError, match=r"month must be 1\.\.12"):
        working_days(2026, 13)


def test_quiet_days_and_exemptions() -> None:
    quiet = frozenset(range(1, 16))
    assert all(day.day > 15 for day in allowed_days(2026, 10, quiet))
    assert allowed_days(2026, 10, quiet, exempt=True) == working_days(2026, 10)
    assert quiet_day_exempt(["key_supervision"], {"key_supervision"})
    assert not quiet_day_exempt(["key_supervision", "random_check"], {"key_supervision"})
    assert not quiet_day_exempt([], {"key_supervision"})
    assert quiet_day_exempt(["random_check"], set(), triggered=True)


@given(count=st.integers(min_value=0, max_value=200), month=st.integers(min_value=1, max_value=12))
def test_spread_windows_is_even(count: int, month: int) -> None:
    days = working_days(2026, month)
    starts = spread_windows(count, days)
    assert len(starts) == count
    assert set(starts) <= set(days)
    loads = [starts.count(day) for day in days]
    assert max(loads) - min(loads) <= 1
    assert all(first != second for first, second in itertools.pairwise(starts))
    assert spread_windows(count, days) == starts


def test_window_end_counts_allowed_days_and_stops_at_month_end() -> None:
    days = working_days(2026, 10)
    assert window_end(days[0], days, 1) == days[0]
    assert window_end(days[0], days, 3) == days[2]
    assert window_end(days[-1], days, 5) == days[-1]

"""The holiday calendar as data: provisional years, official years from chinese-calendar, mixed calendars."""

from __future__ import annotations

import calendar as std_calendar
import datetime as dt

import chinese_calendar
import pytest

from schedules.calendar import (
    MID_AUTUMN,
    NATIONAL_DAY,
    SPRING_FESTIVAL,
    WorkCalendar,
    YearCalendar,
    day_off_reason,
    default_calendar,
    is_working_day,
    official_years_from_package,
    provisional_year,
    supported_years,
    working_days,
)

D = dt.date


def _year_days(year: int) -> list[dt.date]:
    return [D(year, 1, 1) + dt.timedelta(days=n) for n in range(366 if std_calendar.isleap(year) else 365)]


# Statutory days of 《全国年节及纪念日放假办法》 (2024 revision) on their 2027 and 2028 dates.
STATUTORY_2027 = {
    D(2027, 1, 1): "元旦",
    D(2027, 2, 5): "春节",  # 农历除夕
    D(2027, 2, 6): "春节",  # 正月初一
    D(2027, 2, 7): "春节",
    D(2027, 2, 8): "春节",
    D(2027, 4, 5): "清明",
    D(2027, 5, 1): "劳动节",
    D(2027, 5, 2): "劳动节",
    D(2027, 6, 9): "端午",
    D(2027, 9, 15): "中秋",
    D(2027, 10, 1): "国庆节",
    D(2027, 10, 2): "国庆节",
    D(2027, 10, 3): "国庆节",
}
STATUTORY_2028 = {
    D(2028, 1, 1): "元旦",
    D(2028, 1, 25): "春节",  # 农历除夕
    D(2028, 1, 26): "春节",
    D(2028, 1, 27): "春节",
    D(2028, 1, 28): "春节",
    D(2028, 4, 4): "清明",
    D(2028, 5, 1): "劳动节",
    D(2028, 5, 2): "劳动节",
    D(2028, 5, 28): "端午",
    D(2028, 10, 1): "国庆节",
    D(2028, 10, 2): "国庆节",
    D(2028, 10, 3): "国庆节",  # and 中秋 the same day
}


@pytest.mark.parametrize(("year", "statutory"), [(2027, STATUTORY_2027), (2028, STATUTORY_2028)])
def test_a_provisional_year_has_the_statutory_days_and_weekends_and_no_swaps(
    year: int, statutory: dict[dt.date, str]
) -> None:
    provisional = provisional_year(year)
    assert provisional.provisional and provisional.source == "provisional" and provisional.year == year
    assert set(provisional.days_off) == set(statutory)
    for day, chinese in statutory.items():
        assert chinese in provisional.days_off[day]
    assert not provisional.extra_workdays  # no 调休 is guessed
    for day in _year_days(year):
        assert provisional.is_working_day(day) == (day.weekday() < 5 and day not in statutory)


def test_mid_autumn_on_national_day_2028_carries_both_names() -> None:
    assert provisional_year(2028).days_off[D(2028, 10, 3)] == f"{NATIONAL_DAY} / {MID_AUTUMN}"
    assert provisional_year(2027).days_off[D(2027, 2, 5)] == SPRING_FESTIVAL  # 除夕 is part of 春节


@pytest.mark.parametrize("year", range(2025, 2041))
def test_every_provisional_year_has_eleven_to_thirteen_statutory_days(year: int) -> None:
    provisional = provisional_year(year)
    fixed = {D(year, 1, 1), D(year, 5, 1), D(year, 5, 2), D(year, 10, 1), D(year, 10, 2), D(year, 10, 3)}
    assert fixed <= set(provisional.days_off)
    spring = sorted(d for d, name in provisional.days_off.items() if name == SPRING_FESTIVAL)
    assert len(spring) == 4 and (spring[-1] - spring[0]).days == 3  # 除夕 and 初一–初三, consecutive
    assert 11 <= len(provisional.days_off) <= 13  # 13 days; 中秋 may coincide with 国庆 (or 清明/端午 never do)
    assert not provisional.extra_workdays


@pytest.mark.parametrize("year", [2025, 2026])
def test_provisional_statutory_days_are_official_days_off_with_the_same_names(year: int) -> None:
    official = next(y for y in official_years_from_package() if y.year == year)
    provisional = provisional_year(year)
    for day, name in provisional.days_off.items():
        assert not chinese_calendar.is_workday(day)
        assert official.days_off[day] == name


def test_official_years_follow_chinese_calendar_day_by_day() -> None:
    years = official_years_from_package()
    assert [y.year for y in years] == list(range(2004, 2027))
    assert all(not y.provisional and y.source == f"chinese-calendar {chinese_calendar.__version__}" for y in years)
    calendar = WorkCalendar(years)
    for year in (2024, 2025, 2026):
        for day in _year_days(year):
            assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
    y2026 = years[-1]
    assert y2026.extra_workdays[D(2026, 1, 4)] == "New Year's Day 元旦"  # a Sunday worked: 调休
    assert y2026.days_off[D(2026, 10, 1)] == NATIONAL_DAY
    assert y2026.days_off[D(2026, 10, 7)] == f"调休 for {NATIONAL_DAY}"  # a Wednesday off in lieu


def test_make_up_weekend_days_of_2026_are_working_days() -> None:
    make_up = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]
    assert all(day.weekday() >= 5 and chinese_calendar.is_workday(day) for day in make_up)
    assert all(is_working_day(day) for day in make_up)
    assert {D(2026, 2, 14), D(2026, 2, 28)} <= set(working_days(2026, 2))
    assert (
        str(day_off_reason(D(2026, 2, 14))) == "2026-02-14 is a working day (调休 make-up day for Spring Festival 春节)"
    )


def test_a_calendar_mixes_official_imported_and_provisional_years() -> None:
    imported_2027 = YearCalendar(
        2027,
        {**provisional_year(2027).days_off, D(2027, 2, 9): SPRING_FESTIVAL, D(2027, 2, 10): SPRING_FESTIVAL},
        {D(2027, 2, 20): SPRING_FESTIVAL},  # a Saturday worked
        provisional=False,
        source="import 2027.csv",
    )
    official_2026 = next(y for y in official_years_from_package() if y.year == 2026)
    calendar = WorkCalendar([imported_2027, official_2026])
    assert [y.year for y in calendar.given_years] == [2026, 2027]
    assert not calendar.is_provisional(2026) and not calendar.is_provisional(2027)
    assert calendar.is_provisional(2028) and calendar.year(2028) == provisional_year(2028)
    assert calendar.is_provisional(2025)  # not given: provisional too, never an error
    assert D(2027, 2, 20) in calendar.working_days(2027, 2) and D(2027, 2, 9) not in calendar.working_days(2027, 2)
    assert D(2027, 2, 20) not in default_calendar().working_days(2027, 2)  # the provisional year has no swap
    assert str(calendar.day_off_reason(D(2027, 2, 9))) == "2027-02-09 is a day off (Spring Festival 春节)"
    assert str(calendar.day_off_reason(D(2028, 1, 26))) == (
        "2028-01-26 is a day off (Spring Festival 春节; provisional 2028 calendar)"
    )
    assert str(calendar.day_off_reason(D(2028, 1, 29))) == "2028-01-29 is a weekend day"
    assert str(calendar.day_off_reason(D(2028, 2, 29))) == "2028-02-29 is a working day"
    assert supported_years(calendar) == range(2026, 2028)
    with pytest.raises(ValueError, match="two calendars for 2026"):
        WorkCalendar([official_2026, official_2026])


def test_a_year_calendar_refuses_stray_or_contradictory_days() -> None:
    with pytest.raises(ValueError, match="2026-01-01 is not in 2027"):
        YearCalendar(2027, {D(2026, 1, 1): "x"})
    with pytest.raises(ValueError, match="both a day off and a make-up working day"):
        YearCalendar(2027, {D(2027, 2, 20): "x"}, {D(2027, 2, 20): "y"})
    year = YearCalendar(2027, {D(2027, 1, 1): "x"})
    with pytest.raises(TypeError):
        year.days_off[D(2027, 1, 2)] = "y"  # type: ignore[index]


def test_the_default_calendar_plans_january_2027_provisionally() -> None:
    january = working_days(2027, 1)
    assert january[0] == D(2027, 1, 4) and len(january) == 20  # 1 January off, weekends off
    assert default_calendar().is_provisional(2027) and not default_calendar().is_provisional(2026)
    assert supported_years() == range(2004, 2027)

"""Reading a holiday schedule from CSV and iCalendar files (api.plans.calendar_files)."""

from __future__ import annotations

import datetime as dt

import pytest

from api.errors import InvalidInput
from api.plans.calendar_files import parse_calendar_file

CSV = """date,kind,name
# 2027 (example)
2027-01-01,off,元旦
2027-02-06,休,春节
2027-02-20,班,春节
"""

ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//holidays//ZH
BEGIN:VEVENT
UID:1
DTSTART;VALUE=DATE:20270205
DTEND;VALUE=DATE:20270212
SUMMARY:\xe6\x98\xa5\xe8\x8a\x82 \xe4\xbc\x91
END:VEVENT
BEGIN:VEVENT
UID:2
DTSTART;VALUE=DATE:20270220
DTEND;VALUE=DATE:20270221
SUMMARY:\xe6\x98\xa5\xe8\x8a\x82 \xe7\x8f\xad
END:VEVENT
BEGIN:VEVENT
UID:3
DTSTART;VALUE=DATE:20261231
SUMMARY:New Year's Eve off
END:VEVENT
END:VCALENDAR
"""


def test_csv_days_off_and_make_up_days() -> None:
    [(year, days)] = parse_calendar_file("2027.csv", CSV.encode()).items()
    assert year == 2027
    assert days.days_off == {dt.date(2027, 1, 1): "元旦", dt.date(2027, 2, 6): "春节"}
    assert days.extra_workdays == {dt.date(2027, 2, 20): "春节"}


def test_icalendar_spans_end_exclusive_and_班_is_a_working_day() -> None:
    years = parse_calendar_file("holidays.ics", ICS)
    assert sorted(years) == [2026, 2027]
    assert sorted(years[2027].days_off) == [dt.date(2027, 2, d) for d in range(5, 12)]  # DTEND is exclusive
    assert years[2027].days_off[dt.date(2027, 2, 5)] == "春节 休"
    assert years[2027].extra_workdays == {dt.date(2027, 2, 20): "春节 班"}
    assert list(years[2026].days_off) == [dt.date(2026, 12, 31)]  # no DTEND: one day


@pytest.mark.parametrize(
    ("name", "data"),
    [("bad.csv", b"2027-13-01,off,x\n"), ("bad.csv", b"2027-01-01,maybe,x\n"), ("bad.csv", b"\xff\xfe")],
)
def test_bad_files_are_refused_with_a_code(name: str, data: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_calendar_file(name, data)
    assert refused.value.code == "calendar_file_invalid"

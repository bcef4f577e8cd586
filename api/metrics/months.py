"""Which part of a span the stored monthly totals can answer: pure date arithmetic, no database."""

from __future__ import annotations

import datetime as dt

from api.clock import LOCAL_TZ

Span = tuple[dt.datetime, dt.datetime]


def next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_bounds(first: dt.date) -> Span:
    """``[1st 00:00, next 1st 00:00)`` local time."""
    return _midnight(first), _midnight(next_month(first))


def split_closed_months(start: dt.datetime, end: dt.datetime, open_from: dt.date) -> tuple[list[dt.date], list[Span]]:
    """(whole local months of ``[start, end)`` that ended by ``open_from``, the spans left to count row by row).

    Only whole months before ``open_from`` (the 1st of the current month) are stored: the current month changes
    all day. A span whose ends are not local midnights is counted row by row at its edges.
    """
    months: list[dt.date] = []
    rest: list[Span] = []
    first = start.astimezone(LOCAL_TZ).date().replace(day=1)
    if _midnight(first) < start:
        first = next_month(first)
    cursor = start
    while _midnight(next_month(first)) <= end and next_month(first) <= open_from:
        if cursor < _midnight(first):
            rest.append((cursor, _midnight(first)))
        months.append(first)
        cursor = _midnight(next_month(first))
        first = next_month(first)
    if cursor < end:
        rest.append((cursor, end))
    return months, rest


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)

"""Which part of a metrics span the stored monthly totals answer (``api.metrics.months``), at the edges."""

from __future__ import annotations

import datetime as dt

from api.clock import LOCAL_TZ
from api.metrics.months import month_bounds, next_month, split_closed_months


def midnight(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, tzinfo=LOCAL_TZ)


def test_a_closed_year_is_twelve_stored_months() -> None:
    months, rest = split_closed_months(midnight(2025, 1, 1), midnight(2026, 1, 1), dt.date(2026, 12, 1))
    assert months == [dt.date(2025, m, 1) for m in range(1, 13)] and rest == []


def test_the_current_month_is_counted_row_by_row() -> None:
    months, rest = split_closed_months(midnight(2026, 1, 1), midnight(2027, 1, 1), dt.date(2026, 12, 1))
    assert months[-1] == dt.date(2026, 11, 1) and len(months) == 11
    assert rest == [(midnight(2026, 12, 1), midnight(2027, 1, 1))]


def test_on_1_january_last_december_is_closed() -> None:
    months, rest = split_closed_months(midnight(2025, 12, 1), midnight(2026, 1, 1), dt.date(2026, 1, 1))
    assert (months, rest) == ([dt.date(2025, 12, 1)], [])
    # …and on 31 December it is the current month (23:59 Beijing time is still December).
    months, rest = split_closed_months(midnight(2025, 12, 1), midnight(2026, 1, 1), dt.date(2025, 12, 1))
    assert (months, rest) == ([], [(midnight(2025, 12, 1), midnight(2026, 1, 1))])


def test_partial_months_at_a_custom_periods_edges_are_counted_row_by_row() -> None:
    months, rest = split_closed_months(midnight(2026, 1, 15), midnight(2026, 4, 10), dt.date(2026, 12, 1))
    assert months == [dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert rest == [(midnight(2026, 1, 15), midnight(2026, 2, 1)), (midnight(2026, 4, 1), midnight(2026, 4, 10))]


def test_a_span_inside_one_month_or_not_at_midnight_is_all_row_by_row() -> None:
    assert split_closed_months(midnight(2026, 2, 3), midnight(2026, 2, 20), dt.date(2026, 12, 1)) == (
        [],
        [(midnight(2026, 2, 3), midnight(2026, 2, 20))],
    )
    start = midnight(2026, 1, 31) + dt.timedelta(hours=23, minutes=30)  # 31 January 23:30
    months, rest = split_closed_months(start, midnight(2026, 3, 1), dt.date(2026, 12, 1))
    assert months == [dt.date(2026, 2, 1)] and rest == [(start, midnight(2026, 2, 1))]


def test_month_bounds_are_beijing_midnights_across_february_and_the_year_end() -> None:
    assert month_bounds(dt.date(2028, 2, 1)) == (midnight(2028, 2, 1), midnight(2028, 3, 1))
    assert next_month(dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)
    start, end = month_bounds(dt.date(2026, 12, 1))
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
    assert end.astimezone(dt.UTC) == dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)

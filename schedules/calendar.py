"""Working days (public holidays and 调休 make-up days), quiet days and window spreading.

**The holiday calendar is data.** A ``YearCalendar`` is one year's holiday schedule: the days off that
fall on weekdays or carry a holiday's name (``days_off``: statutory holidays and 调休 days off, named),
the weekend days that are worked (``extra_workdays``: 调休 make-up days, named), whether it is
``provisional`` and where it came from (``source``: "chinese-calendar 1.11.0", "provisional",
"import 2027.csv" …). Every other day is a working day from Monday to Friday and a day off at weekends.
A ``WorkCalendar`` answers from a collection of them, one per year; **a year it was not given is never
an error**: it falls back to ``provisional_year(year)``, so a plan for next January can be built before
the State Council publishes next year's schedule (each November) and rebuilt once it is known.

The persistence layer keeps the years in a table and builds the calendar for each build::

    calendar = WorkCalendar(rows_as_year_calendars)       # official years, imports, corrections
    build_month(..., calendar=calendar, today=today)

and seeds that table once from ``official_years_from_package()`` (the data the installed
``chinese-calendar`` carries: holidays with their names and 调休 workdays, ``provisional=False``).

**Provisional years** (``provisional_year``) follow 《全国年节及纪念日放假办法》 as revised in 2024 (in force
from 2025): weekends off, plus the statutory holidays on their actual dates — 元旦 1 January; 春节 农历除夕
and 正月初一 to 初三; 清明节 on the 清明 solar term; 劳动节 1–2 May; 端午节 农历五月初五; 中秋节 农历八月十五;
国庆节 1–3 October. No 调休 swap is guessed: the State Council's bridging days and make-up weekends are
only known when it publishes them, which is what makes such a year provisional. The lunar and solar-term
dates come from the ``holidays`` package (``holidays.China``): it carries lunisolar tables for 1901–2100
and already applies the 2024 revision (since 0.61), whereas ``chinese-calendar`` has solar terms but no
lunar dates. Only its statutory days are taken, never its "observed" or "substituted" guesses; outside
its range a provisional year keeps the fixed-date holidays and the weekends only.

The module-level functions (``working_days``, ``is_working_day``, ``day_off_reason``, ``allowed_days``,
``supported_years``) take an optional ``calendar`` and default to ``default_calendar()``: the official
years of the installed ``chinese-calendar`` with the provisional fallback. ``CalendarUnavailable`` is
kept for the callers that still import it; nothing raises it any more.

Quiet days (e.g. days 1–15 of every month) take planned visits out of those days; a visit whose items
are all in an exempt category (or that carries a triggered task) may still use them.
"""

from __future__ import annotations

import calendar as std_calendar
import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

import chinese_calendar
from holidays.countries.china import China as ChinaHolidays

from api.i18n import Joined, Message, Text, tr

PROVISIONAL_SOURCE = "provisional"
_WEEKEND = (5, 6)

# Names of the statutory holidays, as chinese-calendar spells them ("<English> <中文>").
_NAMES = {holiday: f"{holiday.value} {holiday.chinese}" for holiday in chinese_calendar.Holiday}
NEW_YEAR = _NAMES[chinese_calendar.Holiday.new_years_day]
SPRING_FESTIVAL = _NAMES[chinese_calendar.Holiday.spring_festival]
TOMB_SWEEPING = _NAMES[chinese_calendar.Holiday.tomb_sweeping_day]
LABOUR_DAY = _NAMES[chinese_calendar.Holiday.labour_day]
DRAGON_BOAT = _NAMES[chinese_calendar.Holiday.dragon_boat_festival]
MID_AUTUMN = _NAMES[chinese_calendar.Holiday.mid_autumn_festival]
NATIONAL_DAY = _NAMES[chinese_calendar.Holiday.national_day]

# holidays.China's zh_CN names of the statutory lunar and solar-term days -> our names.
_LUNAR_NAMES = {
    "农历除夕": SPRING_FESTIVAL,
    "春节": SPRING_FESTIVAL,
    "清明节": TOMB_SWEEPING,
    "端午节": DRAGON_BOAT,
    "中秋节": MID_AUTUMN,
}
_ESTIMATED_SUFFIX = "（推定）"


class CalendarUnavailable(ValueError):
    """Kept for old imports: a ``WorkCalendar`` falls back to a provisional year instead of raising."""


def _frozen(mapping: Mapping[dt.date, str]) -> Mapping[dt.date, str]:
    return MappingProxyType(dict(sorted(mapping.items())))


@dataclass(frozen=True, eq=True)
class YearCalendar:
    """One year's holiday schedule (see the module docstring).

    ``days_off``: statutory holidays and 调休 days off, with their names (weekend days of a holiday may
    be listed too, for their name). ``extra_workdays``: 调休 make-up working days on weekends, with the
    name of the holiday they make up for. A day in neither follows the week: Monday–Friday worked.
    """

    year: int
    days_off: Mapping[dt.date, str] = field(default_factory=dict)
    extra_workdays: Mapping[dt.date, str] = field(default_factory=dict)
    provisional: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        strays = sorted(d for d in (*self.days_off, *self.extra_workdays) if d.year != self.year)
        if strays:
            raise ValueError(f"{strays[0].isoformat()} is not in {self.year}")
        both = sorted(set(self.days_off) & set(self.extra_workdays))
        if both:
            raise ValueError(f"{both[0].isoformat()} is both a day off and a make-up working day")
        object.__setattr__(self, "days_off", _frozen(self.days_off))
        object.__setattr__(self, "extra_workdays", _frozen(self.extra_workdays))

    __hash__ = None  # type: ignore[assignment]  # mappings inside: equal by value, not hashable

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() not in _WEEKEND and day not in self.days_off

    def working_days(self, month: int) -> tuple[dt.date, ...]:
        if not 1 <= month <= 12:
            raise ValueError(f"month must be 1..12, got {month}")
        days_in_month = std_calendar.monthrange(self.year, month)[1]
        days = (dt.date(self.year, month, day) for day in range(1, days_in_month + 1))
        return tuple(day for day in days if self.is_working_day(day))


@lru_cache(maxsize=16)
def provisional_year(year: int) -> YearCalendar:
    """Weekends off plus the statutory holidays of the 2024 rules on their dates; no 调休 (see the module doc)."""
    days_off: dict[dt.date, list[str]] = {}

    def add(day: dt.date, name: str) -> None:
        names = days_off.setdefault(day, [])
        if name not in names:
            names.append(name)

    add(dt.date(year, 1, 1), NEW_YEAR)
    for day in (1, 2):
        add(dt.date(year, 5, day), LABOUR_DAY)
    for day in (1, 2, 3):
        add(dt.date(year, 10, day), NATIONAL_DAY)
    # holidays leaves China.__init__ unannotated (it takes **kwargs).
    lunar = ChinaHolidays(years=year, observed=False, categories=("public",), language="zh_CN")  # type: ignore[no-untyped-call]
    for date in sorted(lunar):
        for name in lunar.get_list(date):
            ours = _LUNAR_NAMES.get(name.removesuffix(_ESTIMATED_SUFFIX))
            if ours is not None:
                add(date, ours)
    named = {day: " / ".join(names) for day, names in days_off.items()}
    return YearCalendar(year, named, {}, provisional=True, source=PROVISIONAL_SOURCE)


def official_years_from_package() -> list[YearCalendar]:
    """The official years the installed chinese-calendar carries (holidays, 调休 days off and workdays)."""
    source = f"chinese-calendar {getattr(chinese_calendar, '__version__', '?')}"
    in_lieu = set(chinese_calendar.in_lieu_days)
    days_off: dict[int, dict[dt.date, str]] = {}
    workdays: dict[int, dict[dt.date, str]] = {}
    for day, value in chinese_calendar.holidays.items():
        name = _NAMES[chinese_calendar.Holiday(value)]
        lieu = day in in_lieu and day.weekday() not in _WEEKEND
        days_off.setdefault(day.year, {})[day] = f"调休 for {name}" if lieu else name
    for day, value in chinese_calendar.workdays.items():
        workdays.setdefault(day.year, {})[day] = _NAMES[chinese_calendar.Holiday(value)]
    years = sorted(set(days_off) | set(workdays))
    return [YearCalendar(y, days_off.get(y, {}), workdays.get(y, {}), False, source) for y in years]


class WorkCalendar:
    """Working days from a collection of ``YearCalendar`` s; a missing year is ``provisional_year(year)``.

    Immutable once built; answers are cached per instance. Two calendars for one year are refused.
    """

    def __init__(
        self, years: Iterable[YearCalendar] = (), provisional: Callable[[int], YearCalendar] = provisional_year
    ) -> None:
        given: dict[int, YearCalendar] = {}
        for year_calendar in years:
            if year_calendar.year in given:
                raise ValueError(f"two calendars for {year_calendar.year}")
            given[year_calendar.year] = year_calendar
        self._given = dict(sorted(given.items()))
        self._provisional = provisional
        self._fallback: dict[int, YearCalendar] = {}
        self._months: dict[tuple[int, int], tuple[dt.date, ...]] = {}

    @property
    def given_years(self) -> tuple[YearCalendar, ...]:
        """The years the calendar was built from (not the provisional fallbacks), in order."""
        return tuple(self._given.values())

    def year(self, year: int) -> YearCalendar:
        found = self._given.get(year) or self._fallback.get(year)
        if found is None:
            found = self._fallback[year] = self._provisional(year)
        return found

    def is_provisional(self, year: int) -> bool:
        return self.year(year).provisional

    def working_days(self, year: int, month: int) -> tuple[dt.date, ...]:
        """The month's working days: weekdays that are not days off, plus 调休 make-up weekend days."""
        key = (year, month)
        days = self._months.get(key)
        if days is None:
            days = self._months[key] = self.year(year).working_days(month)
        return days

    def working_days_after(self, year: int, month: int, after: dt.date | None) -> tuple[dt.date, ...]:
        """The month's working days strictly after ``after`` (all of them for ``None``)."""
        days = self.working_days(year, month)
        return days if after is None else tuple(day for day in days if day > after)

    def is_working_day(self, day: dt.date) -> bool:
        return day in self.working_days(day.year, day.month)

    def day_off_reason(self, day: dt.date) -> Text:
        """Why a day is (not) a working day, in a short phrase with the holiday's name."""
        year = self.year(day.year)
        iso = day.isoformat()
        if day in year.extra_workdays:
            why: Message = tr("调休 make-up day for {holiday}", holiday=year.extra_workdays[day])
        elif day in year.days_off:
            why = year.days_off[day]
        elif day.weekday() in _WEEKEND:
            return tr("{day} is a weekend day", day=iso)
        else:
            return tr("{day} is a working day", day=iso)
        if year.provisional:
            why = Joined([why, tr("provisional {year} calendar", year=day.year)], "clauses")
        if day in year.extra_workdays:
            return tr("{day} is a working day ({why})", day=iso, why=why)
        return tr("{day} is a day off ({why})", day=iso, why=why)


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """The installed chinese-calendar's official years, with the provisional fallback."""
    return WorkCalendar(official_years_from_package())


def _calendar(calendar: WorkCalendar | None) -> WorkCalendar:
    return default_calendar() if calendar is None else calendar


def supported_years(calendar: WorkCalendar | None = None) -> range:
    """The span of years the calendar has non-provisional data for; other years are provisional."""
    known = [y.year for y in _calendar(calendar).given_years if not y.provisional]
    return range(min(known), max(known) + 1) if known else range(0)


def working_days(year: int, month: int, calendar: WorkCalendar | None = None) -> list[dt.date]:
    """The month's working days: weekdays that are not public holidays, plus 调休 make-up weekend days."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return list(_calendar(calendar).working_days(year, month))


def is_working_day(day: dt.date, calendar: WorkCalendar | None = None) -> bool:
    return _calendar(calendar).is_working_day(day)


def day_off_reason(day: dt.date, calendar: WorkCalendar | None = None) -> Text:
    """Why a day is not a working day: the holiday's name, 调休, or the weekend."""
    return _calendar(calendar).day_off_reason(day)


def quiet_day_exempt(categories: Iterable[str], exempt_categories: Collection[str], triggered: bool = False) -> bool:
    """A visit may use quiet days when it is triggered or every one of its item categories is exempt."""
    if triggered:
        return True
    categories = list(categories)
    return bool(categories) and all(category in exempt_categories for category in categories)


def allowed_days(
    year: int,
    month: int,
    quiet_days: Collection[int],
    exempt: bool = False,
    calendar: WorkCalendar | None = None,
    after: dt.date | None = None,
) -> list[dt.date]:
    """Working days of the month after ``after`` (if given), minus the quiet days unless exempt from them."""
    days = _calendar(calendar).working_days_after(year, month, after)
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

"""Configurable plan rules (filing deadline, monthly limit, quiet days …) and small shared helpers.

Defaults come from practice (docs/domain.md): annual plans are filed by 31 March, at most one on-site visit per
enterprise per month, no quiet days. The service builds its ``PlanPolicy`` once from the settings
(``api.settings``: the ``RUQI_PLAN_*`` variables, listed in the README); quiet days and their exempt item
categories are applied by ``schedules.calendar``.

The per-unit yearly cap is the filing policy's (``Settings.unit_yearly_cap``), so planning and filing agree.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from api.errors import InvalidInput
from api.i18n import tr
from api.visits.rules import LOCAL_TZ
from schedules import BuildConfig

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class PlanPolicy:
    unit_yearly_cap: int = 2
    filing_deadline_month: int = 3
    filing_deadline_day: int = 31
    max_onsite_visits_per_month: int = 1
    quiet_days: frozenset[int] = field(default_factory=frozenset)
    quiet_exempt_categories: frozenset[str] = field(default_factory=frozenset)
    window_days: int = 1
    align_joinable_entries: bool = True

    def filing_deadline(self, year: int) -> dt.date:
        return dt.date(year, self.filing_deadline_month, self.filing_deadline_day)

    def build_config(self) -> BuildConfig:
        return BuildConfig(
            unit_yearly_cap=self.unit_yearly_cap,
            max_onsite_visits_per_month=self.max_onsite_visits_per_month,
            quiet_days=self.quiet_days,
            quiet_exempt_categories=self.quiet_exempt_categories,
            window_days=self.window_days,
            align_joinable_entries=self.align_joinable_entries,
        )

    def describe(self) -> dict[str, Any]:
        config = self.build_config()
        return {
            "unit_yearly_cap": config.unit_yearly_cap,
            "max_onsite_visits_per_month": config.max_onsite_visits_per_month,
            "quiet_days": sorted(config.quiet_days),
            "quiet_exempt_categories": sorted(config.quiet_exempt_categories),
            "window_days": config.window_days,
            "align_joinable_entries": config.align_joinable_entries,
        }


def parse_period(text: str) -> tuple[int, int]:
    """``"2026-10"`` -> (2026, 10); anything else is refused with ``invalid_period``."""
    match = _PERIOD.match(text)
    if match is None or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidInput(
            tr("{text} is not a month: use YYYY-MM, e.g. 2026-10.", text=repr(text)), code="invalid_period"
        )
    return int(match.group(1)), int(match.group(2))


def period_text(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(LOCAL_TZ).date()


def local_date(value: dt.date | dt.datetime) -> dt.date:
    return value.astimezone(LOCAL_TZ).date() if isinstance(value, dt.datetime) else value


def json_list(raw: Any) -> list[Any]:
    return list(json.loads(raw) if isinstance(raw, str) else raw or [])


def json_dict(raw: Any) -> dict[str, Any]:
    value = json.loads(raw) if isinstance(raw, str) and raw else raw
    return dict(value) if isinstance(value, dict) else {}


def as_date(value: Any) -> dt.date:
    """A DATE from a raw row: PostgreSQL and Piccolo give dates, SQLite raw queries may give text."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])

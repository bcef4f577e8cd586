"""The configurable rules of the service as plain values: filing a visit and planning the year and month.

``api.settings`` builds both once from the environment; the app hands the filing policy to the services in
the ``ServiceContext`` and the plan policy to the plan routes. Defaults come from practice (docs/domain.md).
Here, below the settings, the context and every domain, so that none of them imports another to know them.
Pure: no Litestar, no Piccolo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from schedules import BuildConfig


@dataclass(frozen=True)
class FilingPolicy:
    min_inspectors: int = 2
    max_window: dt.timedelta = dt.timedelta(days=1)
    unit_yearly_cap: int = 2
    # Chengdu: a unit's visits that keep finding nothing stop; 0 turns the rule off.
    empty_visit_limit: int = 3
    # 检查结果互认: other units' results this recent are pointed out at filing.
    recognition_days: int = 180
    # Clock skew tolerated for "the window is in the past".
    past_tolerance: dt.timedelta = dt.timedelta(minutes=5)
    # An emergency visit may be filed while (or shortly after) it happens.
    emergency_filing_allowance: dt.timedelta = dt.timedelta(hours=12)
    emergency_approval_deadline: dt.timedelta = dt.timedelta(hours=24)
    max_per_day: int = 1
    max_per_week: int = 2
    max_per_month: int = 3


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

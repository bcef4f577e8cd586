"""Indexes over a sample district and the bookkeeping that keeps generated history within the rules.

``World`` answers "which items, inspectors, scenarios and enterprises may be used"; ``Ledger`` counts what
has been generated so the yearly caps (unit cap per enterprise, item caps) and the enterprise frequency
limits (1 a day, 2 an ISO week, 3 a month) hold by construction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from api.clock import LOCAL_TZ
from api.policies import FilingPolicy
from api.sample.records import (
    SampleDistrict,
    SampleEnterprise,
    SampleInspector,
    SampleItem,
    SampleScenario,
)
from models.enums import InspectorStatus, ItemCategory, ListStatus

POLICY = FilingPolicy()
SAMPLE_MARK = "（样例）"


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


def certified_on(person: SampleInspector, first: dt.date, last: dt.date) -> bool:
    """A certified, valid, non-auxiliary inspector whose 执法证 covers ``first``..``last``."""
    return (
        person.cert_no is not None
        and not person.is_auxiliary
        and person.status == InspectorStatus.valid
        and person.valid_from is not None
        and person.valid_to is not None
        and person.valid_from <= first
        and last <= person.valid_to
    )


class World:
    def __init__(self, district: SampleDistrict) -> None:
        self.district = district
        self.items = {i.code: i for i in district.items}
        published = [i for i in district.items if i.status == ListStatus.published]
        self.routine: dict[str, list[SampleItem]] = {}
        self.quiet: dict[str, list[SampleItem]] = {}
        self.nonsite: dict[str, list[SampleItem]] = {}
        for item in published:
            quiet = item.category == ItemCategory.no_disturbance
            (self.quiet if quiet else self.routine).setdefault(item.unit_code, []).append(item)
            if item.nonsite_capable:
                self.nonsite.setdefault(item.unit_code, []).append(item)
        self.triggers = {e.item_code: e.triggers for e in district.library if e.status == ListStatus.published}
        self.inspectors: dict[str, list[SampleInspector]] = {}
        for person in district.inspectors:
            if person.cert_no is not None and not person.is_auxiliary and person.status == InspectorStatus.valid:
                self.inspectors.setdefault(person.unit_code, []).append(person)
        # The demo enterprise accounts start without history, so demos and end-to-end tests file freely.
        demo = {u.uscc for u in district.users if u.uscc}
        self.firms = [f for f in district.enterprises if not f.whitelisted and f.uscc not in demo]
        self.by_uscc = {f.uscc: f for f in district.enterprises}
        self.scenarios: dict[str, list[SampleScenario]] = {}
        for scenario in district.scenarios:
            if scenario.status == ListStatus.published and len(self.scenario_units(scenario)) >= 2:
                for industry in scenario.industry_codes:
                    self.scenarios.setdefault(industry, []).append(scenario)
        self.joint_firms = [f for f in self.firms if f.industry_code in self.scenarios]
        self._on: dict[tuple[str, dt.date], list[SampleInspector]] = {}
        # A history longer than the present 执法证 (five years, issued at most three years ago): before it the same
        # person held the previous one; the sample keeps one number for both (the province benchmark only).
        self.renewed_certificates = False

    def scenario_units(self, scenario: SampleScenario) -> tuple[str, ...]:
        """The scenario's units, lead first."""
        units = [self.items[c].unit_code for c in scenario.item_codes]
        return tuple(dict.fromkeys([scenario.lead_unit_code, *units]))

    def inspectors_on(self, unit_code: str, day: dt.date) -> list[SampleInspector]:
        key = (unit_code, day)
        if key not in self._on:
            self._on[key] = [
                p
                for p in self.inspectors.get(unit_code, [])
                if certified_on(p, day, day)
                or (self.renewed_certificates and p.valid_from is not None and day < p.valid_from)
            ]
        return self._on[key]


@dataclass
class Ledger:
    """What the generated visits used up, per calendar year, enterprise, unit and item."""

    unit_counts: Counter[tuple[int, str, str]] = field(default_factory=Counter)
    item_counts: Counter[tuple[int, str, str]] = field(default_factory=Counter)
    day_counts: Counter[tuple[str, dt.date]] = field(default_factory=Counter)
    week_counts: Counter[tuple[str, int, int]] = field(default_factory=Counter)
    month_counts: Counter[tuple[str, int, int]] = field(default_factory=Counter)

    def fits(self, firm: SampleEnterprise, day: dt.date, units: Sequence[str], items: Sequence[SampleItem]) -> bool:
        year, week = day.isocalendar()[:2]
        if (
            self.day_counts[(firm.uscc, day)] >= POLICY.max_per_day
            or self.week_counts[(firm.uscc, year, week)] >= POLICY.max_per_week
            or self.month_counts[(firm.uscc, day.year, day.month)] >= POLICY.max_per_month
        ):
            return False
        if any(self.unit_counts[(day.year, u, firm.uscc)] >= POLICY.unit_yearly_cap for u in units):
            return False
        return all(self.item_counts[(day.year, i.code, firm.uscc)] < i.yearly_cap for i in items)

    def add(self, firm: SampleEnterprise, day: dt.date, units: Sequence[str], items: Sequence[SampleItem]) -> None:
        year, week = day.isocalendar()[:2]
        self.day_counts[(firm.uscc, day)] += 1
        self.week_counts[(firm.uscc, year, week)] += 1
        self.month_counts[(firm.uscc, day.year, day.month)] += 1
        for unit in units:
            self.unit_counts[(day.year, unit, firm.uscc)] += 1
        for item in items:
            self.item_counts[(day.year, item.code, firm.uscc)] += 1

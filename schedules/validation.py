"""Re-checking a month's schedule against the builder's rules, e.g. after a planner's edits.

``validate_schedule`` returns every rule a set of visits breaks (empty for the builder's own output);
``validate_edit`` returns only the violations an edit introduces. The rules and counting conventions are
the builder's (see ``schedules.model``): windows on allowed working days of the month (of the
``calendar`` given, the default one otherwise) and, when ``today`` is given, strictly after it; joint
visits only under one applicable scenario that covers every task, led by the unit ``matching.lead_unit``
names (the scenario's lead unit when it takes part, else the unit with the most items, then the smallest
id); the 无事不扰 and whitelist exclusions, non-site capability, yearly caps per unit and per item, and
the monthly limit. Triggered tasks are exempt from caps, limits, quiet days and exclusions, as in the
builder.

Violation codes: task_enterprise_mismatch, unknown_enterprise, window_outside_month,
window_not_working_day, window_in_past, window_on_quiet_day, mode_mismatch, nonsite_visit_with_several_tasks,
lead_unit_mismatch, joint_without_scenario, unknown_scenario, scenario_not_applicable,
scenario_does_not_cover, lead_unit_not_in_visit, unknown_item, item_of_other_unit,
whitelisted_without_trigger, no_disturbance_without_trigger, not_nonsite_capable, unit_cap_exceeded,
item_cap_exceeded, monthly_visit_limit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from api.i18n import Message, tr, unit
from models.enums import ItemCategory
from schedules.calendar import WorkCalendar, default_calendar, quiet_day_exempt
from schedules.matching import TaskKey, covers_task, lead_unit
from schedules.model import BuildConfig, EnterpriseInfo, History, ItemInfo, ScenarioInfo, Visit


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    message: Message
    uscc: str
    unit_id: int | None = None

    @property
    def key(self) -> tuple[str, str, int | None]:
        return (self.code, self.uscc, self.unit_id)


def validate_schedule(
    year: int,
    month: int,
    visits: Sequence[Visit],
    *,
    enterprises: Iterable[EnterpriseInfo],
    items: Iterable[ItemInfo],
    scenarios: Iterable[ScenarioInfo],
    history: History,
    config: BuildConfig = BuildConfig(),
    calendar: WorkCalendar | None = None,
    today: dt.date | None = None,
) -> list[Violation]:
    """Every violation in the month's visits, in a stable order."""
    registry = {e.uscc: e for e in enterprises}
    item_map = {i.code: i for i in items}
    scenario_map = {s.code: s for s in scenarios}
    dates = _Dates(default_calendar() if calendar is None else calendar, today)
    found: list[Violation] = []
    for visit in visits:
        found += _check_visit(year, month, visit, registry, item_map, scenario_map, config, dates)
    found += _check_counts(month, visits, item_map, history, config)
    return found


def validate_edit(
    year: int,
    month: int,
    before: Sequence[Visit],
    after: Sequence[Visit],
    *,
    enterprises: Iterable[EnterpriseInfo],
    items: Iterable[ItemInfo],
    scenarios: Iterable[ScenarioInfo],
    history: History,
    config: BuildConfig = BuildConfig(),
    calendar: WorkCalendar | None = None,
    today: dt.date | None = None,
) -> list[Violation]:
    """The violations of ``after`` that ``before`` did not have (by code, enterprise and unit)."""
    registry, item_list, scenario_list = list(enterprises), list(items), list(scenarios)

    def check(visits: Sequence[Visit]) -> list[Violation]:
        return validate_schedule(
            year,
            month,
            visits,
            enterprises=registry,
            items=item_list,
            scenarios=scenario_list,
            history=history,
            config=config,
            calendar=calendar,
            today=today,
        )

    old = {violation.key for violation in check(before)}
    return [violation for violation in check(after) if violation.key not in old]


def _check_visit(
    year: int,
    month: int,
    visit: Visit,
    registry: dict[str, EnterpriseInfo],
    items: dict[str, ItemInfo],
    scenarios: dict[str, ScenarioInfo],
    config: BuildConfig,
    dates: _Dates,
) -> list[Violation]:
    uscc = visit.uscc
    found: list[Violation] = []

    def report(code: str, message: Message, unit_id: int | None = None) -> None:
        found.append(Violation(code, message, uscc, unit_id))

    enterprise = registry.get(uscc)
    if enterprise is None:
        report("unknown_enterprise", tr("Enterprise {uscc} is not in the registry.", uscc=uscc))
    for task in visit.tasks:
        if task.uscc != uscc:
            report(
                "task_enterprise_mismatch",
                tr("A task of {task} is in a visit to {uscc}.", task=task.uscc, uscc=uscc),
                task.unit_id,
            )
        if task.onsite != visit.onsite:
            report("mode_mismatch", tr("On-site and non-site tasks cannot share a visit."), task.unit_id)
        for code in task.item_codes:
            item = items.get(code)
            if item is None:
                report("unknown_item", tr("Item {code} is not a published item of the list.", code=code), task.unit_id)
            elif item.unit_id != task.unit_id:
                report(
                    "item_of_other_unit",
                    tr("Item {code} belongs to {unit}.", code=code, unit=unit(item.unit_id)),
                    task.unit_id,
                )
            elif not task.onsite and not item.nonsite_capable:
                report("not_nonsite_capable", tr("Item {code} cannot be inspected non-site.", code=code), task.unit_id)
            elif task.onsite and not task.triggered and item.category == ItemCategory.no_disturbance:
                report(
                    "no_disturbance_without_trigger",
                    tr("Item {code} is 无事不扰: no planned visit.", code=code),
                    task.unit_id,
                )
        if task.onsite and not task.triggered and enterprise is not None and enterprise.whitelisted:
            report("whitelisted_without_trigger", tr("The enterprise is whitelisted: no planned visit."), task.unit_id)
    window = _window_problems(year, month, visit, items, config, dates)
    found += [Violation(code, message, uscc) for code, message in window]
    if not visit.onsite and len(visit.tasks) > 1:
        report("nonsite_visit_with_several_tasks", tr("A non-site inspection carries one task."))
    elif len(visit.tasks) == 1 and visit.lead_unit_id != visit.tasks[0].unit_id:
        report(
            "lead_unit_mismatch",
            tr("A single-task visit is led by its unit, {unit}.", unit=unit(visit.tasks[0].unit_id)),
        )
    elif visit.onsite and len(visit.tasks) > 1:
        found += [Violation(code, message, uscc) for code, message in _joint_problems(visit, enterprise, scenarios)]
    return found


@dataclass(frozen=True)
class _Dates:
    """The calendar windows are checked against, and today (windows must start after it)."""

    calendar: WorkCalendar
    today: dt.date | None


def _window_problems(
    year: int, month: int, visit: Visit, items: dict[str, ItemInfo], config: BuildConfig, dates: _Dates
) -> list[tuple[str, Message]]:
    days = [visit.window_start, visit.window_end]
    if any((day.year, day.month) != (year, month) for day in days) or visit.window_end < visit.window_start:
        return [
            (
                "window_outside_month",
                tr(
                    "The window {start}–{end} is not inside {period}.",
                    start=days[0].isoformat(),
                    end=days[1].isoformat(),
                    period=f"{year}-{month:02d}",
                ),
            )
        ]
    work = dates.calendar
    problems: list[tuple[str, Message]] = [
        ("window_not_working_day", work.day_off_reason(day))
        for day in dict.fromkeys(days)
        if not work.is_working_day(day)
    ]
    today = dates.today
    if today is not None and visit.window_start <= today:
        problems.append(
            (
                "window_in_past",
                tr(
                    "The window starts {start}, not after today ({today}).",
                    start=visit.window_start.isoformat(),
                    today=today.isoformat(),
                ),
            )
        )
    categories = [items[code].category for task in visit.tasks for code in task.item_codes if code in items]
    exempt = not visit.onsite or quiet_day_exempt(categories, config.quiet_exempt_categories, visit.triggered)
    quiet = [day for day in dict.fromkeys(days) if day.day in config.quiet_days]
    if quiet and not exempt:
        problems.append(
            ("window_on_quiet_day", tr("{day} is a quiet day for planned visits.", day=quiet[0].isoformat()))
        )
    return problems


def _joint_problems(
    visit: Visit, enterprise: EnterpriseInfo | None, scenarios: dict[str, ScenarioInfo]
) -> list[tuple[str, Message]]:
    if visit.scenario_code is None:
        return [("joint_without_scenario", tr("Tasks of several units share a visit without a joint scenario."))]
    scenario = scenarios.get(visit.scenario_code)
    if scenario is None:
        return [
            ("unknown_scenario", tr("Scenario {scenario} is not a published scenario.", scenario=visit.scenario_code))
        ]
    problems: list[tuple[str, Message]] = []
    if enterprise is not None and not scenario.applies_to(enterprise.industry_code):
        problems.append(
            (
                "scenario_not_applicable",
                tr(
                    "Scenario {scenario} does not apply to {industry}.",
                    scenario=scenario.code,
                    industry=enterprise.industry_code,
                ),
            )
        )
    keys = [TaskKey(task.unit_id, frozenset(task.item_codes)) for task in visit.tasks]
    for key in keys:
        if not covers_task(scenario, key):
            problems.append(
                (
                    "scenario_does_not_cover",
                    tr(
                        "Scenario {scenario} does not cover the task of {unit}.",
                        scenario=scenario.code,
                        unit=unit(key.unit_id),
                    ),
                )
            )
    lead = lead_unit(scenario, keys)
    if visit.lead_unit_id not in visit.unit_ids:
        problems.append(
            (
                "lead_unit_not_in_visit",
                tr("The lead unit {unit} has no task in the visit.", unit=unit(visit.lead_unit_id)),
            )
        )
    elif visit.lead_unit_id != lead:
        why = _SCENARIO_LEAD if lead == scenario.lead_unit_id else _MOST_ITEMS_LEAD
        message = tr(
            "Under scenario {scenario} the visit is led by {lead}, {why}.",
            scenario=scenario.code,
            lead=unit(lead),
            why=why,
        )
        problems.append(("lead_unit_mismatch", message))
    return problems


def _check_counts(
    month: int, visits: Sequence[Visit], items: dict[str, ItemInfo], history: History, config: BuildConfig
) -> list[Violation]:
    """Yearly caps and the monthly limit; a count is only a violation when planned work is part of it."""
    unit_visits: dict[tuple[str, int], list[bool]] = defaultdict(list)  # -> triggered flag per visit
    item_uses: dict[tuple[str, str], list[bool]] = defaultdict(list)
    month_visits: dict[str, list[bool]] = defaultdict(list)
    for visit in visits:
        if visit.onsite:
            month_visits[visit.uscc].append(visit.triggered)
        for task in visit.tasks:
            if visit.onsite:
                unit_visits[(task.uscc, task.unit_id)].append(task.triggered)
            for code in task.item_codes:
                item_uses[(task.uscc, code)].append(task.triggered)
    found = []
    for (uscc, unit_id), flags in sorted(unit_visits.items()):
        total = history.unit_visits.get((uscc, unit_id), 0) + len(flags)
        if total > config.unit_yearly_cap and not all(flags):
            message = tr(
                "{unit} would visit {total} times this year (cap {cap}).",
                unit=unit(unit_id),
                total=total,
                cap=config.unit_yearly_cap,
            )
            found.append(Violation("unit_cap_exceeded", message, uscc, unit_id))
    for (uscc, code), flags in sorted(item_uses.items()):
        cap = items[code].yearly_cap if code in items else 0
        total = history.item_inspections.get((uscc, code), 0) + len(flags)
        if code in items and total > cap and not all(flags):
            message = tr(
                "Item {code} would be inspected {total} times this year (cap {cap}).", code=code, total=total, cap=cap
            )
            found.append(Violation("item_cap_exceeded", message, uscc, items[code].unit_id))
    for uscc, flags in sorted(month_visits.items()):
        total = history.onsite_visits_by_month.get((uscc, month), 0) + len(flags)
        if total > config.max_onsite_visits_per_month and not all(flags):
            message = tr(
                "{total} on-site visits this month (limit {limit}).",
                total=total,
                limit=config.max_onsite_visits_per_month,
            )
            found.append(Violation("monthly_visit_limit", message, uscc))
    return found


_SCENARIO_LEAD = tr("its lead unit")
_MOST_ITEMS_LEAD = tr("the unit with the most items (smallest id on ties)")

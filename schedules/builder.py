"""The monthly schedule builder: annual plans + extra tasks -> the month's visits, with explanations.

``build_month`` is a pure function: the same inputs give the same ``BuildResult`` (nothing depends on
input order, the clock or Python's salted ``hash()``; "today" is the ``today`` parameter). Steps:

1. **Due work** — each plan entry's targets (``targeting.EnterpriseIndex``) for which this month is one
   of the months its *remaining* yearly frequency goes to (``spread.allocate``: the original months
   still open, plus missed occurrences re-spread over the open months), plus the extra tasks
   (triggered, 专项, carried over).
2. **Admission** — in priority order, through the exclusions and yearly caps (``spread.MonthAdmission``):
   one on-site and one non-site task per unit per enterprise.
3. **Matching** — per enterprise, on-site tasks are grouped into the fewest visits that published
   scenarios allow (``matching``), keeping at most ``max_onsite_visits_per_month`` minus the visits the
   month already has; the rest moves on as ``Overflow`` (feed it back with ``carry_over``). Non-site
   tasks are one record each and count against no visit limit.
4. **Windows** — visits are sorted by enterprise and spread evenly over the month's allowed days
   (``calendar.spread_windows``): working days of the ``calendar`` strictly after ``today``, minus the
   quiet days unless exempt. A visit with no allowed day at all overflows too — every visit of a month
   with no working day left after ``today``.
5. **Shortfalls** — every (entry, enterprise) whose yearly frequency this build sees can no longer be
   met: more remaining occurrences than open months, this month's task refused by a rule (a cap, the
   whitelist or 无事不扰 with nothing non-site, …) or moved past December. "Every entry's yearly
   frequency is either met or its shortfall is listed with the reason."

**What the persistence layer passes.** ``calendar``: a ``WorkCalendar`` of its holiday table (default:
the installed chinese-calendar's years, provisional beyond); ``today``: the local date of the build;
``history``: the other months of the year, earlier *and later* ones, including ``entry_tasks`` and
``built_months`` (see ``History``); ``extra_tasks``: the approved triggered / 专项 tasks of the month and
the carried-over tasks addressed to it. Without ``today`` every working day of the month may take a
window; without ``entry_tasks`` / ``built_months`` the entries keep their fixed original months.

**Overflow and carried work.** A task that cannot be placed in month M moves to the first month after M
that still has a working day after ``today`` (``overflow_target``): M+1 normally, January of the next
year after December, a later month when M+1 has passed too. ``carry_over(result.overflow)`` turns it
into ``ExtraTask`` s (kind ``carried_over``, ranked before new plan work, keeping the plan entries they
count for in ``entry_ids``) that belong to the build of that month. Months may be built in any order
while they have not passed: a carried task is an input of the first build of a month at or after its
``(to_year, to_month)`` that is still allowed — if that month is already built (a draft), rebuilding it
picks the task up; if it is published, the task goes to the next month that is not. Work moved past
December also appears as a ``Shortfall`` of the year it was planned in. A carried-over task is counted
by ``History.entry_tasks`` in the month that schedules it, so it is never planned twice: the
remaining-frequency rule of the later months sees it.

Cost: O(due pairs) for step 1 (one CRC and at most two dict look-ups per targeted enterprise and entry,
in a comprehension; the allocation is cached by (offset, frequency, done, open months)), O(c log c) to
sort the c candidates, O(1) amortized per candidate for admission (its item checks are cached per
(items, unit, mode, whitelist, trigger)), per enterprise the matching DP on its own handful of tasks
(cached by industry, tasks and limit), and O(v log v) to place v visits. The build allocates about a
million small objects and no reference cycles, so the cyclic garbage collector is paused while it runs
(it would otherwise rescan the whole heap several times for nothing); reference counting still frees
everything. The city-scale case (200,000 enterprises, ~100,000 tasks) builds in a few seconds.
"""

from __future__ import annotations

import datetime as dt
import gc
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import NamedTuple

from api.i18n import Joined, Message, tr, unit
from schedules.calendar import WorkCalendar, default_calendar
from schedules.explain import matching_note, overflow_reason, own_visit_note, task_from_draft
from schedules.matching import (
    Group,
    Grouping,
    ScenarioIndex,
    TaskKey,
    covers_task,
    joint_obstacle,
    match_within_limit,
)
from schedules.model import (
    SOURCE_RANK,
    BuildConfig,
    BuildResult,
    Dropped,
    EnterpriseInfo,
    ExtraTask,
    History,
    ItemInfo,
    Overflow,
    PlanEntry,
    ScenarioInfo,
    Shortfall,
    SourceKind,
    TaskSource,
)
from schedules.placement import PlannedVisit, place_visits
from schedules.spread import (
    ADMISSION_ORDER,
    MONTHS_PER_YEAR,
    Allocation,
    Candidate,
    MonthAdmission,
    TaskDraft,
    YearProgress,
    allocate,
    due_months,
    make_candidate,
    spread_key,
)
from schedules.targeting import EnterpriseIndex

# Matching weights per source rank (triggered, carried over, special, routine): with at most
# EXACT_LIMIT (12) tasks a tier always outweighs every task of the tiers below it.
_WEIGHTS = (1_000_000, 10_000, 100, 1)
_EXTRA_LABELS = {
    SourceKind.triggered: tr("triggered task"),
    SourceKind.carried_over: tr("carried-over task"),
    SourceKind.special: tr("专项 task"),
    SourceKind.routine: tr("routine task"),
}
_KIND_WORDS = {SourceKind.special: tr("专项"), SourceKind.routine: tr("routine")}
_MAX_SEARCH_MONTHS = 36


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def overflow_target(
    year: int, month: int, today: dt.date | None = None, calendar: WorkCalendar | None = None
) -> tuple[int, int]:
    """The first month after (year, month) with a working day after ``today`` (the next month without it)."""
    calendar = default_calendar() if calendar is None else calendar
    target = next_month(year, month)
    if today is None:
        return target
    for _ in range(_MAX_SEARCH_MONTHS):
        if calendar.working_days_after(*target, today):
            return target
        target = next_month(*target)
    return next_month(year, month)  # a calendar without working days: keep the plain next month


def build_month(
    year: int,
    month: int,
    entries: Iterable[PlanEntry],
    enterprises: Iterable[EnterpriseInfo] | EnterpriseIndex,
    items: Iterable[ItemInfo],
    scenarios: Iterable[ScenarioInfo],
    history: History,
    extra_tasks: Iterable[ExtraTask] = (),
    config: BuildConfig = BuildConfig(),
    *,
    calendar: WorkCalendar | None = None,
    today: dt.date | None = None,
) -> BuildResult:
    """Build one month's schedule (see the module docstring). Any year builds: a year the calendar lacks
    is provisional (``BuildResult.calendar_provisional``)."""
    calendar = default_calendar() if calendar is None else calendar
    calendar.working_days(year, month)  # checks the month
    with _cyclic_gc_paused():
        index = enterprises if isinstance(enterprises, EnterpriseIndex) else EnterpriseIndex(enterprises)
        item_map = {item.code: item for item in items}
        scenario_index = ScenarioIndex(list(scenarios))
        progress = YearProgress.of(year, month, history, today, calendar)
        entry_list = sorted(entries, key=lambda e: (e.unit_id, e.entry_id))
        due = _due_candidates(entry_list, index, scenario_index, config, progress, history)
        candidates = _extra_candidates(extra_tasks) + due.candidates
        candidates.sort(key=ADMISSION_ORDER)
        admission = MonthAdmission(index.by_uscc, item_map, history, config)
        refused: list[tuple[Candidate, list[Dropped]]] = []
        admit, dropped = admission.admit, admission.dropped
        for candidate in candidates:
            before = len(dropped)
            if not admit(candidate) and candidate.source.entry_ids:
                refused.append((candidate, dropped[before:]))
        del candidates
        drafts = admission.drafts
        planned, overflow = _match_enterprises(year, month, drafts.values(), index, scenario_index, history, config)
        visits, unplaceable = place_visits(year, month, planned, item_map, config, calendar, today)
        to_year, to_month = overflow_target(year, month, today, calendar)
        overflows = []
        moved = sorted(overflow + unplaceable, key=lambda pair: (pair[0].uscc, pair[0].unit_id, pair[0].onsite))
        for draft, reason in moved:
            moved_note = tr("Moved to {period}: {reason}.", period=f"{to_year}-{to_month:02d}", reason=reason)
            task = task_from_draft(year, month, draft, moved_note)
            overflows.append(Overflow(task, to_year, to_month, reason))
        shortfalls = _shortfalls(year, entry_list, due.excess, refused, drafts, overflows, history, progress)
        return BuildResult(
            year,
            month,
            tuple(visits),
            tuple(overflows),
            tuple(admission.dropped),
            tuple(shortfalls),
            calendar.is_provisional(year),
        )


def carry_over(overflow: Iterable[Overflow]) -> list[ExtraTask]:
    """The overflow of a month as carried-over extra tasks for the build of their target month."""
    carried = []
    for moved in overflow:
        task = moved.task
        mode = "onsite" if task.onsite else "nonsite"
        carried.append(
            ExtraTask(
                task_id=f"carry:{task.year}-{task.month:02d}:{task.uscc}:{task.unit_id}:{mode}",
                uscc=task.uscc,
                unit_id=task.unit_id,
                item_codes=task.item_codes,
                kind=SourceKind.carried_over,
                onsite=task.onsite,
                note=tr(
                    "carried over from {period} ({refs}): {reason}",
                    period=f"{task.year}-{task.month:02d}",
                    refs=[source.ref for source in task.sources],
                    reason=moved.reason,
                ),
                entry_ids=task.entry_ids,
            )
        )
    return carried


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic collector (see the module docstring); reference counting goes on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _extra_candidates(extra_tasks: Iterable[ExtraTask]) -> list[Candidate]:
    candidates = []
    for extra in extra_tasks:
        label = _EXTRA_LABELS[extra.kind]
        if extra.note:
            detail = tr("{label} {task} ({note})", label=label, task=extra.task_id, note=extra.note)
        else:
            detail = tr("{label} {task}", label=label, task=extra.task_id)
        source = TaskSource(extra.kind, extra.task_id, detail, extra.entry_ids)
        candidates.append(make_candidate(extra.uscc, extra.unit_id, extra.item_codes, extra.onsite, source))
    return candidates


class _DueWork(NamedTuple):
    candidates: list[Candidate]
    excess: dict[tuple[str, str], tuple[int, Allocation]]  # (uscc, entry id) -> (done, allocation) when short


def _due_candidates(
    entries: Sequence[PlanEntry],
    index: EnterpriseIndex,
    scenarios: ScenarioIndex,
    config: BuildConfig,
    progress: YearProgress,
    history: History,
) -> _DueWork:
    """Every (entry, enterprise) pair due this month: one CRC per targeted pair, and one done-count look-up
    when the history has entry counts at all; the allocation is computed once per (offset, done)."""
    candidates: list[Candidate] = []
    excess: dict[tuple[str, str], tuple[int, Allocation]] = {}
    month, open_months = progress.month, progress.open_months
    entry_tasks = history.entry_tasks
    done_get = entry_tasks.get
    crc32 = zlib.crc32
    for entry in entries:
        frequency = entry.frequency
        if frequency <= 0:
            continue
        # due[done * 12 + offset]: is the pair due this month (a missing key: work it out below)
        due: dict[int, bool] = {}
        for offset in range(MONTHS_PER_YEAR):
            closed = sum(1 for m in due_months(offset, frequency) if m not in open_months)
            for done in {0, closed}:
                due[done * MONTHS_PER_YEAR + offset] = month in allocate(offset, frequency, done, open_months).months
        due_get = due.get
        due_fresh = {offset for offset in range(MONTHS_PER_YEAR) if due[offset]}  # the offsets due with nothing done
        entry_id = entry.entry_id
        joinable = _joinable_scenarios(entry, scenarios) if config.align_joinable_entries and entry.onsite else ()
        kind = SourceKind(entry.kind.value)
        rank = SOURCE_RANK[kind]
        # shared by the pairs of one (offset, done, alignment): the source (None: not due) and the allocation
        sources: dict[tuple[int, int, str | None], tuple[TaskSource | None, Allocation]] = {}
        for industry_code, targets in index.select_by_industry(entry.selector):
            aligned_on = next((s.code for s in joinable if s.applies_to(industry_code)), None)
            key = spread_key(entry.entry_id, aligned_on)
            if entry_tasks:
                hits = [
                    (uscc, offset, done)
                    for uscc, seed in targets
                    if due_get((done := done_get((uscc, entry_id), 0)) * 12 + (offset := crc32(key, seed) % 12), True)
                ]
            else:
                hits = [(uscc, offset, 0) for uscc, seed in targets if (offset := crc32(key, seed) % 12) in due_fresh]
            for uscc, offset, done in hits:
                slot = sources.get((offset, done, aligned_on))
                if slot is None:
                    allocation = allocate(offset, frequency, done, open_months)
                    due_now = month in allocation.months
                    source = _entry_source(entry, kind, offset, done, allocation, aligned_on) if due_now else None
                    slot = sources[(offset, done, aligned_on)] = (source, allocation)
                source, allocation = slot
                if source is None:
                    continue
                if allocation.excess:
                    excess[(uscc, entry.entry_id)] = (done, allocation)
                candidates.append(
                    Candidate(rank, uscc, entry.unit_id, entry.entry_id, entry.item_codes, entry.onsite, source)
                )
    return _DueWork(candidates, excess)


def _joinable_scenarios(entry: PlanEntry, scenarios: ScenarioIndex) -> tuple[ScenarioInfo, ...]:
    task = TaskKey(entry.unit_id, frozenset(entry.item_codes))
    return tuple(scenario for scenario in scenarios.scenarios if covers_task(scenario, task))


def _months_text(months: Iterable[int]) -> Message:
    listed = [str(m) for m in months]
    return Joined(listed, "list") if listed else tr("none")


def _entry_source(
    entry: PlanEntry, kind: SourceKind, offset: int, done: int, allocation: Allocation, aligned_on: str | None
) -> TaskSource:
    facts: list[Message] = [
        tr(
            "{kind}, {frequency} a year, due in months {months}",
            kind=_KIND_WORDS.get(kind, kind.value),
            frequency=entry.frequency,
            months=_months_text(due_months(offset, entry.frequency)),
        )
    ]
    if aligned_on:
        facts.append(tr("aligned with scenario {scenario}", scenario=aligned_on))
    if allocation.catch_up or allocation.excess:
        facts.append(
            tr(
                "{done} done in other months, {remaining} to go, now in months {months}",
                done=done,
                remaining=allocation.remaining,
                months=_months_text(allocation.months),
            )
        )
        if allocation.catch_up:
            facts.append(tr("catching up in months {months}", months=_months_text(allocation.catch_up)))
    detail = tr(
        "plan entry {entry} of {unit} ({facts})",
        entry=entry.entry_id,
        unit=unit(entry.unit_id),
        facts=Joined(facts, "clauses"),
    )
    return TaskSource(kind, entry.entry_id, detail, (entry.entry_id,))


def _shortfalls(
    year: int,
    entries: Sequence[PlanEntry],
    excess: Mapping[tuple[str, str], tuple[int, Allocation]],
    refused: Sequence[tuple[Candidate, list[Dropped]]],
    drafts: Mapping[tuple[str, int, bool], TaskDraft],
    overflows: Sequence[Overflow],
    history: History,
    progress: YearProgress,
) -> list[Shortfall]:
    """Every (entry, enterprise) of this build whose yearly frequency cannot be met, with the reasons."""
    by_id = {entry.entry_id: entry for entry in entries}
    lost: dict[tuple[str, str], list[Message]] = defaultdict(list)
    for candidate, drops in refused:
        for entry_id in candidate.source.entry_ids:
            if entry_id in by_id and not _admitted(drafts, candidate.uscc, candidate.unit_id, entry_id):
                reasons = lost[(candidate.uscc, entry_id)]
                for d in drops:
                    refusal = tr("refused this month: {reason}", reason=d.reason)
                    if refusal not in reasons:
                        reasons.append(refusal)
    for moved in overflows:
        if moved.to_year > year:
            for entry_id in moved.task.entry_ids:
                if entry_id in by_id:
                    lost[(moved.task.uscc, entry_id)].append(
                        tr(
                            "moved to {period}, past the end of {year}: {reason}",
                            period=f"{moved.to_year}-{moved.to_month:02d}",
                            year=year,
                            reason=moved.reason,
                        )
                    )
    open_text = _months_text(progress.open_months)
    shortfalls = []
    for uscc, entry_id in sorted(set(excess) | set(lost)):
        entry = by_id[entry_id]
        done = history.entry_tasks.get((uscc, entry_id), 0)
        reasons = list(lost.get((uscc, entry_id), ()))
        short = 0
        if (uscc, entry_id) in excess:
            _, allocation = excess[(uscc, entry_id)]
            short = allocation.excess
            reasons.insert(
                0,
                tr(
                    "{remaining} of its {frequency} a year still to do ({done} in other months) but only {open} "
                    "month(s) can take one (months {months}; one task of an entry a month)",
                    remaining=allocation.remaining,
                    frequency=entry.frequency,
                    done=done,
                    open=len(progress.open_months),
                    months=open_text,
                ),
            )
        is_lost = (uscc, entry_id) in lost
        planned = done + (0 if is_lost else 1)
        missing = short + (1 if is_lost else 0)
        shortfalls.append(
            Shortfall(uscc, entry.unit_id, entry_id, entry.frequency, planned, missing, Joined(reasons, "clauses"))
        )
    return shortfalls


def _admitted(drafts: Mapping[tuple[str, int, bool], TaskDraft], uscc: str, unit_id: int, entry_id: str) -> bool:
    """Whether any task of the month on the enterprise already counts for the entry."""
    for onsite in (True, False):
        draft = drafts.get((uscc, unit_id, onsite))
        if draft is not None and any(entry_id in source.entry_ids for source in draft.sources):
            return True
    return False


def _match_enterprises(
    year: int,
    month: int,
    drafts: Iterable[TaskDraft],
    index: EnterpriseIndex,
    scenario_index: ScenarioIndex,
    history: History,
    config: BuildConfig,
) -> tuple[list[PlannedVisit], list[tuple[TaskDraft, Message]]]:
    """Group each enterprise's on-site tasks into visits within the monthly limit; non-site ones stand alone."""
    by_uscc: dict[str, list[TaskDraft]] = defaultdict(list)
    for draft in drafts:
        by_uscc[draft.uscc].append(draft)
    planned: list[PlannedVisit] = []
    overflow: list[tuple[TaskDraft, Message]] = []
    cache: dict[tuple[object, ...], Grouping] = {}
    obstacles = _Obstacles(scenario_index)
    for uscc, own in by_uscc.items():
        onsite = sorted((d for d in own if d.onsite), key=lambda d: d.unit_id)
        planned += [PlannedVisit([d], None, False, d.unit_id, "") for d in own if not d.onsite]
        if not onsite:
            continue
        industry_code = index.by_uscc[uscc].industry_code
        used = history.onsite_visits_by_month.get((uscc, month), 0)
        allowed = max(config.max_onsite_visits_per_month - used, 0)
        if len(onsite) == 1:
            draft = onsite[0]
            if allowed >= 1 or draft.triggered:
                note = matching_note(None, [draft.unit_id], True, draft.unit_id)
                planned.append(PlannedVisit([draft], None, True, draft.unit_id, note))
            else:
                overflow.append((draft, overflow_reason(year, month, config, used, [])))
            continue
        keys = [TaskKey(d.unit_id, frozenset(d.item_codes)) for d in onsite]
        grouping = _match(onsite, keys, industry_code, allowed, scenario_index, cache)
        for group in grouping.groups:
            members = [onsite[i] for i in group.members]
            units = [d.unit_id for d in members]
            if len(members) > 1:
                note = matching_note(group.scenario, units, False, group.lead_unit_id)
            else:
                others = [g for g in grouping.groups if g is not group]
                note = own_visit_note(obstacles.against(keys, group.members[0], others, industry_code))
            planned.append(PlannedVisit(members, group.scenario, True, group.lead_unit_id, note))
        for i in grouping.overflow:
            kept = obstacles.against(keys, i, grouping.groups, industry_code)
            overflow.append((onsite[i], overflow_reason(year, month, config, used, kept)))
    return planned, overflow


class _Obstacles:
    """Why a task joins none of the month's other visits on the enterprise (cached ``joint_obstacle``)."""

    def __init__(self, scenario_index: ScenarioIndex) -> None:
        self.scenarios = scenario_index
        self.cache: dict[tuple[object, ...], Message] = {}

    def against(
        self, keys: Sequence[TaskKey], task: int, groups: Sequence[Group], industry_code: str
    ) -> list[tuple[list[int], Message]]:
        found = []
        for group in groups:
            partners = tuple(keys[i] for i in group.members)
            cache_key = (industry_code, keys[task], partners)
            why = self.cache.get(cache_key)
            if why is None:
                applicable = self.scenarios.applicable(industry_code)
                obstacle = joint_obstacle(keys[task], partners, applicable, industry_code)
                why = self.cache[cache_key] = obstacle or _NO_OBSTACLE
            found.append(([p.unit_id for p in partners], why))
        return found


_NO_OBSTACLE = tr("a scenario could carry them together, but the matching of more than 12 tasks is greedy")


def _match(
    onsite: list[TaskDraft],
    keys: list[TaskKey],
    industry_code: str,
    allowed: int,
    scenario_index: ScenarioIndex,
    cache: dict[tuple[object, ...], Grouping],
) -> Grouping:
    must = frozenset(i for i, d in enumerate(onsite) if d.triggered)
    weights = tuple(_WEIGHTS[d.rank] for d in onsite)
    signature = tuple((d.unit_id, tuple(sorted(d.item_codes))) for d in onsite)
    key = (industry_code, signature, allowed, must, weights)
    grouping = cache.get(key)
    if grouping is None:
        applicable = scenario_index.applicable(industry_code)
        grouping = cache[key] = match_within_limit(keys, applicable, allowed, must, weights)
    return grouping

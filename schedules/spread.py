"""Which work is due this month and which of it the rules admit: spreading, caps and exclusions.

**Spreading.** An entry's yearly frequency is spread over the twelve months deterministically.

An entry with frequency ``f`` is *originally due* on an enterprise in the months ``offset + i * 12 // f``
(mod 12) for ``i`` in ``0..f-1``: frequency 2 gives months m and m+6, frequency 3 gives m, m+4, m+8.
The offset is ``crc32(uscc + "|" + entry_id) % 12`` — a stable hash, unlike Python's salted ``hash()``,
so the same inputs give the same schedule in every process. Different entries on one enterprise get
independent offsets, which spreads a unit's work (and the enterprise's visits) over the year.

With ``BuildConfig.align_joinable_entries`` an entry that a scenario could carry on the enterprise (the
first scenario by code that applies to its industry and covers the entry's unit and items) takes its
offset from ``crc32(uscc + "|" + ALIGN_PREFIX + scenario code)`` instead: all units' entries under one
scenario then fall in the same months on that enterprise and can merge into one joint visit, while the
other entries still spread independently. Catch-up months (below) derive from the same offset, so
aligned entries stay aligned when they catch up alike.

**Remaining frequency** (``allocate``). A build of month ``M`` does not trust the original months alone:
a plan approved late, a month that passed unbuilt or an occurrence that was refused would lose work.
For each (entry, enterprise) it computes, from the ``History``:

- ``open`` — the months that can still take work (``YearProgress``): ``M`` itself, and every other
  month of the year that is not built (``History.built_months``) and still has a working day after
  ``today`` (all months when ``today`` is not given);
- ``done`` — the entry's tasks on the enterprise in the other months (``History.entry_tasks``);
- ``remaining = max(f - done, 0)`` (``f`` uncapped here);
- ``kept`` — the original due months that are open, in calendar order. When ``remaining <= len(kept)``
  the entry takes the first ``remaining`` of them and nothing else;
- otherwise the ``remaining - len(kept)`` missed occurrences are re-spread over the open months that
  are not original due months, taking them in the entry's *catch-up order*: the months at
  ``CATCH_UP_STEPS`` = 6, 3, 9, 1, 7, 4, 10, 2, 8, 5, 11 months after its offset month. Each prefix of
  that order is spread roughly evenly over the year, between the original due months; because the
  order starts from the enterprise's own offset, the catch-up months of many enterprises spread evenly
  over whatever months are left instead of piling up in the first one.

The entry is due in ``M`` when ``M`` is one of the months so chosen (``Allocation.months``). For a plan on
time nothing is missed (``done`` = the original months already closed), so ``kept`` is exactly the
original months still ahead and the schedule is the fixed one — ``align_joinable_entries`` keeps working.
Old callers that fill neither ``entry_tasks`` nor ``built_months`` have every month open and ``done = 0``:
the original months exactly.

*Invariants.* (1) ``len(months) = min(remaining, len(open))``: when the remaining occurrences fit the
open months each gets one, and when they do not, every open month gets one and the rest is reported as
a ``Shortfall``. (2) The choice is a fixed priority order per (entry, enterprise) — original months in
calendar order, then the catch-up order — restricted to the open months, so closing one month changes
nothing else: once ``M`` is built and took its task, the next build sees ``open - {M}`` and ``done + 1``
and chooses the same months minus ``M``; a month not chosen closes without changing anything; a chosen
month that closes without its task (refused by a rule, or passed unbuilt) leaves ``done`` as it was, so
its occurrence is re-spread like any missed one. Hence months can be built in any order with the same
result, and the frequency is met by December whenever ``remaining <= len(open)`` holds at some build and
the caps and limits let each chosen month place its task: by (1) it then keeps holding after every
month that takes its task or was not needed, down to the last open month. A task moved on by the monthly
limit, or by a month with no working day left after ``today``, is carried to the next month and counted
there (``History.entry_tasks`` counts carried tasks for their entries); a refused one, or one moved past
December, is a ``Shortfall`` of the build that saw it.

Frequencies above 12 are due every month (the plan is monthly, and the caps, 2 a year per unit by
default, bind long before); the occurrences beyond twelve are reported as a shortfall.

**Admission** (``MonthAdmission``). Each due entry and each extra task becomes a ``Candidate``; they are
admitted in priority order (triggered, carried over, 专项, routine; then by enterprise, unit, reference),
so earlier work wins the remaining cap slots and a due month whose cap is already used gets no task:

- items not on the list, or of another unit, are dropped;
- planned on-site work on a whitelisted (白名单) enterprise, or on a 无事不扰 item, is redirected to a
  non-site task when the item can be inspected non-site, and dropped otherwise (the filing rules refuse
  such a planned visit, so this applies to 专项 as well as 日常 work; triggered work is exempt);
- non-site work on an item that cannot be inspected non-site is dropped;
- a unit gets at most one on-site and one non-site task per enterprise per month: further work of the
  unit merges into it, costing no extra unit visit;
- a new on-site task needs ``unit visits so far < unit_yearly_cap``; each new item needs
  ``inspections so far < item.yearly_cap`` ("so far" = history + work admitted earlier in this build).
  Planned work over a cap is dropped; triggered work is kept, counted and warned about.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from api.i18n import Joined, Message, Text, tr, unit
from models.enums import ItemCategory
from schedules.calendar import WorkCalendar
from schedules.model import (
    SOURCE_RANK,
    BuildConfig,
    Dropped,
    EnterpriseInfo,
    History,
    ItemInfo,
    SourceKind,
    TaskSource,
)

MONTHS_PER_YEAR = 12
ALIGN_PREFIX = "\x00scenario:"  # cannot clash with an entry id
# Months after the offset month in which missed occurrences are caught up, in order of preference.
CATCH_UP_STEPS = (6, 3, 9, 1, 7, 4, 10, 2, 8, 5, 11, 0)


def enterprise_hash(uscc: str) -> int:
    """The running CRC of ``uscc + "|"``; continue it with ``zlib.crc32(entry_id.encode(), this)``."""
    return zlib.crc32(b"|", zlib.crc32(uscc.encode()))


def spread_key(entry_id: str, scenario_code: str | None = None) -> bytes:
    """What an entry's months are hashed on: its id, or the scenario it is aligned on."""
    return (ALIGN_PREFIX + scenario_code if scenario_code is not None else entry_id).encode()


def stable_offset(uscc: str, key: bytes) -> int:
    """Month offset 0..11: ``crc32(uscc + "|" + key) % 12``."""
    return zlib.crc32(key, enterprise_hash(uscc)) % MONTHS_PER_YEAR


@lru_cache(maxsize=64)
def month_steps(frequency: int) -> frozenset[int]:
    """Distances (in months) from the offset month of the due months for this frequency."""
    frequency = min(max(frequency, 0), MONTHS_PER_YEAR)
    return frozenset(i * MONTHS_PER_YEAR // frequency for i in range(frequency))


def due_months(offset: int, frequency: int) -> tuple[int, ...]:
    """The months (1..12) an entry with this offset and frequency is originally due in."""
    return tuple(sorted((offset + step) % MONTHS_PER_YEAR + 1 for step in month_steps(frequency)))


def entry_months(uscc: str, entry_id: str, frequency: int, aligned_on: str | None = None) -> tuple[int, ...]:
    """The months (1..12) in which ``entry_id`` is due on ``uscc`` (``aligned_on``: a scenario code)."""
    return due_months(stable_offset(uscc, spread_key(entry_id, aligned_on)), frequency)


@dataclass(frozen=True)
class YearProgress:
    """The months of the year that can still take plan work, as one build of ``month`` sees them."""

    month: int  # the month being built: always open
    open_months: tuple[int, ...]  # sorted

    @classmethod
    def of(cls, year: int, month: int, history: History, today: dt.date | None, calendar: WorkCalendar) -> YearProgress:
        """``month``, plus every month not built that still has a working day after ``today``."""
        months = [
            m
            for m in range(1, MONTHS_PER_YEAR + 1)
            if m == month
            or (m not in history.built_months and (today is None or calendar.working_days_after(year, m, today)))
        ]
        return cls(month, tuple(months))


class Allocation(NamedTuple):
    """The months an (entry, enterprise) pair's remaining work goes to (see the module docstring)."""

    months: tuple[int, ...]  # sorted: kept original months and catch-up months
    catch_up: tuple[int, ...]  # of them, the ones that are not original due months
    remaining: int  # max(frequency - done, 0)
    excess: int  # remaining - len(months): occurrences no open month can take


@lru_cache(maxsize=4096)
def allocate(offset: int, frequency: int, done: int, open_months: tuple[int, ...]) -> Allocation:
    """Where the pair's remaining ``frequency - done`` occurrences go among ``open_months``."""
    remaining = max(frequency - done, 0)
    due = due_months(offset, frequency)
    open_set = set(open_months)
    kept = [m for m in due if m in open_set]
    if remaining <= len(kept):
        return Allocation(tuple(kept[:remaining]), (), remaining, 0)
    due_set = set(due)
    order = ((offset + step) % MONTHS_PER_YEAR + 1 for step in CATCH_UP_STEPS)
    free = [m for m in order if m in open_set and m not in due_set]
    catch_up = free[: remaining - len(kept)]
    months = tuple(sorted(kept + catch_up))
    return Allocation(months, tuple(sorted(catch_up)), remaining, remaining - len(months))


class Candidate(NamedTuple):
    """Work due this month before the rules: one plan entry or extra task on one enterprise.

    A named tuple, not a dataclass: a city-scale month has hundreds of thousands of them. The first six
    fields are the admission order (``ADMISSION_ORDER``).
    """

    rank: int  # SOURCE_RANK of the source
    uscc: str
    unit_id: int
    ref: str
    item_codes: tuple[str, ...]
    onsite: bool
    source: TaskSource


ADMISSION_ORDER = itemgetter(0, 1, 2, 3, 4, 5)


def make_candidate(uscc: str, unit_id: int, item_codes: tuple[str, ...], onsite: bool, source: TaskSource) -> Candidate:
    return Candidate(SOURCE_RANK[source.kind], uscc, unit_id, source.ref, item_codes, onsite, source)


_TRIGGERED_RANK = SOURCE_RANK[SourceKind.triggered]
# (on-site items, non-site items, (reason, refused codes) pairs, note on a redirect to non-site)
_ItemSorting = tuple[
    tuple[ItemInfo, ...], tuple[ItemInfo, ...], tuple[tuple[Message, tuple[str, ...]], ...], Message | None
]


class TaskDraft:
    """The builder's working record of one admitted task (mutable; becomes a frozen ``Task``)."""

    __slots__ = ("item_codes", "notes", "onsite", "rank", "sources", "triggered", "unit_id", "uscc")

    def __init__(self, uscc: str, unit_id: int, onsite: bool) -> None:
        self.uscc = uscc
        self.unit_id = unit_id
        self.onsite = onsite
        self.item_codes: list[str] = []
        self.sources: list[TaskSource] = []
        self.notes: list[Message] = []
        self.triggered = False
        self.rank = len(SOURCE_RANK)


class CapLedger:
    """Yearly counts so far: the history plus what this build has admitted."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.unit_added: dict[tuple[str, int], int] = defaultdict(int)
        self.item_added: dict[tuple[str, str], int] = defaultdict(int)

    def unit_visits(self, uscc: str, unit_id: int) -> int:
        key = (uscc, unit_id)
        return self.history.unit_visits.get(key, 0) + self.unit_added.get(key, 0)

    def item_inspections(self, uscc: str, code: str) -> int:
        key = (uscc, code)
        return self.history.item_inspections.get(key, 0) + self.item_added.get(key, 0)


class MonthAdmission:
    """Admits candidates one by one, in ``ADMISSION_ORDER``; see the module docstring."""

    def __init__(
        self,
        enterprises: Mapping[str, EnterpriseInfo],
        items: Mapping[str, ItemInfo],
        history: History,
        config: BuildConfig,
    ) -> None:
        self.enterprises = enterprises
        self.items = items
        self.config = config
        self.ledger = CapLedger(history)
        self.drafts: dict[tuple[str, int, bool], TaskDraft] = {}
        self.dropped: list[Dropped] = []
        self._sortings: dict[tuple[object, ...], _ItemSorting] = {}

    def admit(self, candidate: Candidate) -> bool:
        """Admit what the rules allow of the candidate; ``False`` when nothing of it is admitted."""
        enterprise = self.enterprises.get(candidate.uscc)
        if enterprise is None:
            self._drop(candidate, candidate.item_codes, "the enterprise is not in the registry")
            return False
        triggered = candidate.rank == _TRIGGERED_RANK
        key = (candidate.item_codes, candidate.unit_id, candidate.onsite, triggered, enterprise.whitelisted)
        sorting = self._sortings.get(key)
        if sorting is None:
            sorting = self._sortings[key] = self._sort_items(candidate, enterprise, triggered)
        onsite, nonsite, refused, redirect_note = sorting
        for reason, codes in refused:
            self._drop(candidate, codes, reason)
        admitted = bool(onsite) and self._place(candidate, onsite, True, triggered)
        if nonsite:
            admitted = self._place(candidate, nonsite, False, triggered, redirect_note) or admitted
        return admitted

    def _sort_items(self, candidate: Candidate, enterprise: EnterpriseInfo, triggered: bool) -> _ItemSorting:
        """Which items go on-site, which non-site, which are refused and why (cached by ``admit``)."""
        onsite: list[ItemInfo] = []
        nonsite: list[ItemInfo] = []
        refused: dict[Message, list[str]] = defaultdict(list)
        for code in dict.fromkeys(candidate.item_codes):
            item = self.items.get(code)
            if item is None:
                refused[_NOT_PUBLISHED].append(code)
            elif item.unit_id != candidate.unit_id:
                refused[
                    tr("an item of {owner}, not of {unit}", owner=unit(item.unit_id), unit=unit(candidate.unit_id))
                ].append(code)
            elif not candidate.onsite and not item.nonsite_capable:
                refused[_NOT_NONSITE].append(code)
            elif not candidate.onsite or triggered or not _needs_trigger(enterprise, item):
                (onsite if candidate.onsite else nonsite).append(item)
            elif item.nonsite_capable:
                nonsite.append(item)
            else:
                refused[tr("{why}: no routine on-site inspection", why=_trigger_reason(enterprise, item))].append(code)
        note: Message | None = None
        if candidate.onsite and nonsite:
            reasons = Joined(sorted({_trigger_reason(enterprise, item) for item in nonsite}, key=str), "clauses")
            note = tr(
                "Items {items} redirected to non-site ({reasons}).", items=[i.code for i in nonsite], reasons=reasons
            )
        return tuple(onsite), tuple(nonsite), tuple((r, tuple(c)) for r, c in refused.items()), note

    def _place(
        self,
        candidate: Candidate,
        items: tuple[ItemInfo, ...],
        onsite: bool,
        triggered: bool,
        note: Message | None = None,
    ) -> bool:
        uscc, unit_id = candidate.uscc, candidate.unit_id
        draft = self.drafts.get((uscc, unit_id, onsite))
        notes: list[Message] = [note] if note is not None else []
        ledger = self.ledger
        if onsite and draft is None:
            used, cap = ledger.unit_visits(uscc, unit_id), self.config.unit_yearly_cap
            if used >= cap and not triggered:
                reason = tr(
                    "{unit} has used its yearly cap on this enterprise ({used} of {cap} visits)",
                    unit=unit(unit_id),
                    used=used,
                    cap=cap,
                )
                self._drop(candidate, [item.code for item in items], reason)
                return False
            if used >= cap:
                notes.append(
                    tr(
                        "Triggered: passes the yearly cap of {unit} ({used} of {cap} visits already).",
                        unit=unit(unit_id),
                        used=used,
                        cap=cap,
                    )
                )
        kept: list[str] = []
        for item in items:
            if draft is not None and item.code in draft.item_codes:
                kept.append(item.code)  # already inspected in this task: no new inspection
                continue
            used = ledger.item_inspections(uscc, item.code)
            if used < item.yearly_cap or triggered:
                kept.append(item.code)
                if used >= item.yearly_cap:
                    notes.append(
                        tr(
                            "Triggered: passes item {item}'s yearly cap ({used} of {cap}).",
                            item=item.code,
                            used=used,
                            cap=item.yearly_cap,
                        )
                    )
            else:
                reason = tr(
                    "item {item} has used its yearly cap on this enterprise ({used} of {cap})",
                    item=item.code,
                    used=used,
                    cap=item.yearly_cap,
                )
                self._drop(candidate, [item.code], reason)
        if not kept:
            return False
        if draft is None:
            draft = self.drafts[(uscc, unit_id, onsite)] = TaskDraft(uscc, unit_id, onsite)
            if onsite:
                ledger.unit_added[(uscc, unit_id)] += 1
        for code in kept:
            if code not in draft.item_codes:
                draft.item_codes.append(code)
                ledger.item_added[(uscc, code)] += 1
        draft.sources.append(candidate.source)
        draft.notes.extend(notes)
        draft.triggered = draft.triggered or triggered
        draft.rank = min(draft.rank, SOURCE_RANK[candidate.source.kind])
        return True

    def _drop(self, candidate: Candidate, codes: Sequence[str], reason: Message) -> None:
        dropped = Dropped(candidate.uscc, candidate.unit_id, tuple(codes), candidate.source, reason)
        self.dropped.append(dropped)


def _needs_trigger(enterprise: EnterpriseInfo, item: ItemInfo) -> bool:
    return enterprise.whitelisted or item.category == ItemCategory.no_disturbance


def _trigger_reason(enterprise: EnterpriseInfo, item: ItemInfo) -> Text:
    if item.category == ItemCategory.no_disturbance:
        return tr("item {item} is 无事不扰", item=item.code)
    return _WHITELISTED if enterprise.whitelisted else _ROUTINE


_NOT_PUBLISHED = tr("not a published item of the list")
_NOT_NONSITE = tr("cannot be inspected non-site")
_WHITELISTED = tr("the enterprise is whitelisted (白名单)")
_ROUTINE = tr("routine")

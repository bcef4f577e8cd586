"""The metrics' counts over any span: whole closed months from their stored totals (``api.metrics.rollup``), the
rest — the current month, partial months at a custom period's edges — counted row by row (``api.metrics.counts``).

Each function answers what its namesake in ``counts`` answers; ``open_from`` is the 1st of the current local month
(months before it may be stored), None to count everything row by row.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from api.metrics import counts, rollup
from api.metrics.counts import OnsiteStats
from api.metrics.months import Span, split_closed_months
from models.metrics_tables import ALL_UNITS


async def prepare(spans: list[Span], open_from: dt.date | None) -> None:
    """Count the missing closed months of all these spans up front, so concurrent readers do not each count them."""
    if open_from is None:
        return
    months = sorted({m for start, end in spans for m in split_closed_months(start, end, open_from)[0]})
    await rollup.month_totals(months)


async def _split(
    start: dt.datetime, end: dt.datetime, open_from: dt.date | None
) -> tuple[list[rollup.MonthTotals], list[Span]]:
    if open_from is None:
        return [], [(start, end)]
    months, rest = split_closed_months(start, end, open_from)
    stored = await rollup.month_totals(months)
    return [stored[m] for m in months], rest


def _add(a: OnsiteStats, b: OnsiteStats) -> OnsiteStats:
    return OnsiteStats(a.onsite + b.onsite, a.joint + b.joint, a.checked_out + b.checked_out, a.scanned + b.scanned)


async def onsite_totals(
    start: dt.datetime, end: dt.datetime, unit_id: int | None, open_from: dt.date | None
) -> OnsiteStats:
    stored, rest = await _split(start, end, open_from)
    total = OnsiteStats()
    for month in stored:
        total = _add(total, month.onsite.get(ALL_UNITS if unit_id is None else unit_id, OnsiteStats()))
    for live in await asyncio.gather(*(counts.onsite_totals(s, e, unit_id) for s, e in rest)):
        total = _add(total, live)
    return total


async def onsite_per_unit(
    start: dt.datetime, end: dt.datetime, unit_id: int | None, open_from: dt.date | None
) -> dict[int, OnsiteStats]:
    stored, rest = await _split(start, end, open_from)
    out: dict[int, OnsiteStats] = {}
    parts = [{u: s for u, s in m.onsite.items() if u != ALL_UNITS} for m in stored]
    parts += await asyncio.gather(*(counts.onsite_per_unit(s, e, unit_id) for s, e in rest))
    for part in parts:
        for unit, stats in part.items():
            if unit_id is None or unit == unit_id:
                out[unit] = _add(out.get(unit, OnsiteStats()), stats)
    return out


async def nonsite_per_unit(
    start: dt.datetime, end: dt.datetime, unit_id: int | None, open_from: dt.date | None
) -> dict[int, int]:
    stored, rest = await _split(start, end, open_from)
    out: Counter[int] = Counter()
    parts = [{u: n for u, n in m.nonsite.items() if u != ALL_UNITS} for m in stored]
    parts += await asyncio.gather(*(counts.nonsite_per_unit(s, e, unit_id) for s, e in rest))
    for part in parts:
        out.update({u: n for u, n in part.items() if n and (unit_id is None or u == unit_id)})
    return dict(out)


async def per_month(
    start: dt.datetime, end: dt.datetime, unit_id: int | None, open_from: dt.date | None
) -> tuple[dict[str, int], dict[str, int]]:
    """(on-site, non-site) per local month ('YYYY-MM-01'), a joint visit once."""
    months: list[dt.date] = []
    rest: list[Span] = [(start, end)]
    if open_from is not None:
        months, rest = split_closed_months(start, end, open_from)
    stored = await rollup.month_totals(months)
    key = ALL_UNITS if unit_id is None else unit_id
    onsite: Counter[str] = Counter({m.isoformat(): stored[m].onsite.get(key, OnsiteStats()).onsite for m in months})
    nonsite: Counter[str] = Counter({m.isoformat(): stored[m].nonsite.get(key, 0) for m in months})
    for s, e in rest:
        live_onsite, live_nonsite = await asyncio.gather(
            counts.onsite_per_month(s, e, unit_id), counts.nonsite_per_month(s, e, unit_id)
        )
        onsite.update(live_onsite)
        nonsite.update(live_nonsite)
    return {m: n for m, n in onsite.items() if n}, {m: n for m, n in nonsite.items() if n}  # as counts' answer

"""检查结果互认 at filing: other units' recent results at the enterprise for the same or equivalent items.

A filing is never refused for it: the warning ``recognizable_result`` names the visits, so the unit can accept one
(``POST /api/v1/recognition/acceptances``) and cancel its own visit instead of inspecting again. Equivalent items
are those a published 联合检查场景 lists together. Here in visits (below ``api.recognition``), on the tables.
"""

from __future__ import annotations

import datetime as dt

from api.i18n import tr
from api.visits.rules import FilingWarning
from models.enums import ListStatus, VisitKind, VisitStatus
from models.tables import Scenario
from models.values import json_list
from models.visit_tables import VisitItem, VisitUnit


async def recognizable_warning(
    enterprise_id: int, unit_ids: list[int], item_codes: list[str], days: int, now: dt.datetime
) -> list[FilingWarning]:
    if not item_codes or days <= 0:
        return []
    codes = set(item_codes)
    for scenario in await Scenario.select(Scenario.item_codes).where(Scenario.status == ListStatus.published.value):
        listed = {str(c) for c in json_list(scenario["item_codes"])}
        if listed & set(item_codes):
            codes |= listed
    rows = await VisitItem.select(VisitItem.visit).where(
        VisitItem.item._.code.is_in(sorted(codes))
        & (VisitItem.visit._.enterprise == enterprise_id)
        & (VisitItem.visit._.status == VisitStatus.checked_out.value)
        & (VisitItem.visit._.kind == VisitKind.enforcement.value)
        & (VisitItem.visit._.checked_out_at >= now - dt.timedelta(days=days))
    )
    visits = sorted({int(r["visit"]) for r in rows})
    if not visits:
        return []
    own = {
        int(r["visit"])
        for r in await VisitUnit.select(VisitUnit.visit).where(
            VisitUnit.visit.is_in(visits) & VisitUnit.unit.is_in(unit_ids)
        )
    }
    others = [v for v in visits if v not in own]
    if not others:
        return []
    message = tr(
        "Other units inspected this enterprise for the same or equivalent items within {days} days (visits {ids}): "
        "their result may be accepted instead of inspecting again (检查结果互认).",
        days=days,
        ids=", ".join(str(v) for v in others),
    )
    return [FilingWarning("recognizable_result", message)]

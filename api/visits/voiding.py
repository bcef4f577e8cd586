"""When an inspector's 执法证 stops covering a visit (suspended, revoked, validity shortened), the codes of the
open visits that name them are void at once, through a revocation entry that offline verifiers receive too."""

from __future__ import annotations

import datetime as dt

from api.visits.codes import revoke_codes
from api.visits.rules import LOCAL_TZ, InspectorFact, certificate_problem
from models.enums import VisitStatus
from models.tables import Inspector
from models.visit_tables import Visit, VisitInspector

OPEN_STATUSES = (VisitStatus.filed.value, VisitStatus.approved.value, VisitStatus.checked_in.value)
# Reason stored with the revocation (and listed to offline verifiers): a named inspector is no longer valid.
INSPECTOR_REASON = "inspector"
# Listed until the voided code has surely expired (window end + grace; longer than any configured grace).
CODE_GRACE = dt.timedelta(days=1)


def _covers(person: InspectorFact, start: dt.datetime, end: dt.datetime) -> bool:
    first, last = start.astimezone(LOCAL_TZ).date(), end.astimezone(LOCAL_TZ).date()
    return certificate_problem(person, first) is None and certificate_problem(person, last) is None


async def void_codes_of_inspector(inspector_id: int, now: dt.datetime) -> list[int]:
    """Revoke the codes of every open, coded enforcement visit naming the inspector whose window their 执法证 no
    longer covers; the visit ids voided."""
    row = await Inspector.select().where(Inspector.id == inspector_id).first()
    if row is None:
        return []
    person = InspectorFact.from_row(row)
    visits = await Visit.select(
        Visit.id, Visit.window_start, Visit.window_end, Visit.code_no, Visit.code_issued_at
    ).where(
        Visit.id.is_in(VisitInspector.select(VisitInspector.visit).where(VisitInspector.inspector == inspector_id))
        & Visit.status.is_in(list(OPEN_STATUSES))
        & (Visit.kind == "enforcement")
        & Visit.code_issued_at.is_not_null()
        & (Visit.window_end > now - CODE_GRACE)
    )
    voided = []
    for visit in visits:
        if _covers(person, visit["window_start"], visit["window_end"]):
            continue
        await revoke_codes(
            visit["id"],
            visit["code_no"],
            visit["code_issued_at"],
            visit["window_end"] + CODE_GRACE,
            INSPECTOR_REASON,
            now,
        )
        voided.append(int(visit["id"]))
    return voided

"""No-scan escalation (Shenzhen): what the visits show opens a 容错纠错 case for the supervisor by itself.

- A checked-out inspection without a valid on-site scan (a scan that is not back-filled and has no
  ``onsite_problem``: position present, accuracy good enough, no mock location) opens a ``no_scan`` case at
  check-out (``visit_checked_out``, wired into the visits domain through ``ServiceContext``).
- An emergency visit not approved by its ``approval_due_at`` opens an ``emergency_overdue`` case when the
  supervisor next looks (``sweep``: the case list and the dashboard run it), since no request happens at the
  deadline itself. The sweep also catches unscanned check-outs the hook missed; it looks back ``LOOKBACK``.

One case per visit and reason (``supervision_case.auto_key`` is unique): running either again opens nothing new.
The cases name the visit's lead unit and inspectors and are opened by ``(system)``.
"""

from __future__ import annotations

import datetime as dt
import logging

from api.i18n import render, tr
from api.supervision.cases import insert_case
from api.supervision.schemas import CaseCreate
from models.db import write_transaction
from models.enums import CaseSource, VisitKind, VisitStatus
from models.supervision_tables import SupervisionCase
from models.visit_tables import Scan, Visit

SYSTEM = "(system)"
# The sweep looks this far back: older visits (e.g. a data set loaded with years of history) were the business
# of the supervision of their time, and would bury today's cases under hundreds of automatic ones.
LOOKBACK = dt.timedelta(days=30)
log = logging.getLogger(__name__)


def _key(source: CaseSource, visit_id: int) -> str:
    return f"{source.value}:visit:{visit_id}"


def _valid_scans() -> object:
    return Scan.select(Scan.visit).where((Scan.backfill == False) & (Scan.onsite_problem == ""))  # noqa: E712


async def _open(source: CaseSource, visit_id: int, now: dt.datetime) -> int | None:
    key = _key(source, visit_id)
    if await SupervisionCase.exists().where(SupervisionCase.auto_key == key):
        return None
    if source == CaseSource.no_scan:
        title = tr("Visit {id} was checked out without a valid on-site scan", id=visit_id)
    else:
        title = tr("Emergency visit {id} was not approved in time", id=visit_id)
    data = CaseCreate(
        source=source,
        title=render(title),
        source_ref=f"visit:{visit_id}",
        visit_id=visit_id,
        error_kind=source.value,
        note=render(tr("Opened automatically.")),
    )
    return await insert_case(SYSTEM, data, now, auto_key=key)


async def visit_checked_out(visit_id: int, now: dt.datetime) -> int | None:
    """Inside the check-out's transaction: open a ``no_scan`` case if the inspection was never validly scanned."""
    visit = await Visit.select(Visit.kind).where(Visit.id == visit_id).first()
    if visit is None or visit["kind"] != VisitKind.enforcement.value:
        return None
    if await Scan.exists().where((Scan.visit == visit_id) & (Scan.backfill == False) & (Scan.onsite_problem == "")):  # noqa: E712
        return None
    return await _open(CaseSource.no_scan, visit_id, now)


async def sweep(now: dt.datetime) -> list[int]:
    """Open the cases still missing: emergency visits past their approval deadline, unscanned checked-out visits."""
    emergency = await Visit.select(Visit.id).where(
        (Visit.is_emergency == True)  # noqa: E712
        & Visit.approved_at.is_null()
        & (Visit.status != VisitStatus.cancelled.value)
        & (Visit.approval_due_at < now)
        & (Visit.approval_due_at >= now - LOOKBACK)
    )
    unscanned = await Visit.select(Visit.id).where(
        (Visit.status == VisitStatus.checked_out.value)
        & (Visit.kind == VisitKind.enforcement.value)
        & (Visit.checked_out_at >= now - LOOKBACK)
        & Visit.id.not_in(_valid_scans())  # type: ignore[arg-type]
    )
    wanted = [(CaseSource.emergency_overdue, r["id"]) for r in emergency]
    wanted += [(CaseSource.no_scan, r["id"]) for r in unscanned]
    if not wanted:
        return []
    keys = [_key(source, visit_id) for source, visit_id in wanted]
    have = {
        r["auto_key"]
        for r in await SupervisionCase.select(SupervisionCase.auto_key).where(SupervisionCase.auto_key.is_in(keys))
    }
    missing = [(s, v) for s, v in wanted if _key(s, v) not in have]
    if not missing:
        return []
    opened: list[int] = []
    try:
        async with write_transaction():
            for source, visit_id in missing:
                case_id = await _open(source, visit_id, now)
                if case_id is not None:
                    opened.append(case_id)
    except Exception as exc:  # a concurrent sweep opened the same case first (unique auto_key): nothing is lost
        if "unique" not in str(exc).lower():
            raise
        log.info("escalation sweep lost a race; the other sweep opened the cases")
        return []
    return opened

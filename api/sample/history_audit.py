"""The audit-chain links of bulk-loaded sample history, computed with ``api.audit.formula``.

The loader writes rows in bulk instead of through the services, so it also appends the links the services
would have appended (``visit.filed``, ``visit.approved``, ``visit.cancelled``, ``scan``, ``checkout``,
``rating`` by "anonymous", ``complaint.step``, ``unfiled_attempt``, ``nonsite.asset``, ``nonsite.record``),
in the order the events happened, after the current head. Each link's ``at`` is when it was appended (the
load), its payload carries the event's own time and ``"sample": true``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from api.audit.chain import ADVISORY_LOCK_KEY, visit_subject
from api.audit.formula import GENESIS_HASH, canonical_json, link_hash, normalize
from api.sample.bulk import insert_rows
from api.sample.history_records import HistoryVisit
from models.audit_tables import AuditEvent
from models.db import is_postgres

ACTOR = "sample-generator"
COLUMNS = ("seq", "at", "actor", "type", "subject", "payload", "prev_hash", "hash")


@dataclass(frozen=True, slots=True)
class Event:
    when: dt.datetime  # when it happened: the order of the links
    type: str
    subject: str
    payload: dict[str, Any]
    actor: str = ACTOR


def visit_events(
    visit_id: int, v: HistoryVisit, scan_id: int | None, rating_id: int | None, ids: dict[str, Any]
) -> list[Event]:
    """The links of one ``HistoryVisit`` (``ids`` maps unit codes and inspector certificates to ids)."""
    subject = visit_subject(visit_id)
    out = [
        Event(
            v.filed_at,
            "visit.filed",
            subject,
            {
                "visit_id": visit_id,
                "uscc": v.uscc,
                "status": "filed",
                "kind": "enforcement",
                "origin": v.origin,
                "trigger_type": v.trigger_type,
                "lead_unit": v.lead_unit_code,
                "units": list(v.unit_codes),
                "inspector_certs": list(v.inspector_certs),
                "items": list(v.item_codes),
                "window_start": v.window_start,
                "window_end": v.window_end,
                "is_emergency": v.is_emergency,
                "catalogue_version": ids["catalogue_version"],
                "warnings": [],
                "sample": True,
            },
        ),
        Event(
            v.approved_at,
            "visit.approved",
            subject,
            {"visit_id": visit_id, "status": "approved", "approved_at": v.approved_at, "sample": True},
        ),
    ]
    if v.cancelled_at is not None:
        body = {"visit_id": visit_id, "status": "cancelled", "reason": v.cancel_reason, "sample": True}
        out.append(Event(v.cancelled_at, "visit.cancelled", subject, {**body, "cancelled_at": v.cancelled_at}))
    if v.scan is not None and scan_id is not None:
        s = v.scan
        payload = {
            "visit_id": visit_id,
            "scan_id": scan_id,
            "inspector_id": ids["inspectors"][s.inspector_cert],
            "kind": "arrival",
            "at": s.at,
            "visit_status": "checked_in",
            "backfill": s.backfill,
            "backfill_reason": s.backfill_reason,
            "far_from_enterprise": False,
            "mock_location": False,
            "client_event_id": None,
            "sample": True,
        }
        out.append(Event(s.at, "scan", subject, payload))
    if v.checked_out_at is not None:
        payload = {
            "visit_id": visit_id,
            "status": "checked_out",
            "checked_out_at": v.checked_out_at,
            "result": v.result,
            "findings": v.findings,
            "client_event_id": None,
            "sample": True,
        }
        out.append(Event(v.checked_out_at, "checkout", subject, payload))
    if v.rating is not None and rating_id is not None:
        r = v.rating
        payload = {"visit_id": visit_id, "rating_id": rating_id, "score": r.score, "at": r.at, "sample": True}
        out.append(Event(r.at, "rating", subject, payload, actor="anonymous"))
    return out


async def append_events(events: Sequence[Event], at: dt.datetime) -> int:
    """Append ``events`` (sorted by when they happened) after the chain's head; return how many.

    Runs inside the caller's write transaction, like ``api.audit.chain.append``.
    """
    if is_postgres():
        await AuditEvent.raw("SELECT pg_advisory_xact_lock({})", ADVISORY_LOCK_KEY)
    head = (
        await AuditEvent.select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.seq > 0)  # a PostgreSQL placeholder of this transaction is not the head
        .order_by(AuditEvent.seq, ascending=False)
        .first()
    )
    seq = int(head["seq"]) if head else 0
    prev_hash = str(head["hash"]) if head else GENESIS_HASH
    rows: list[tuple[Any, ...]] = []
    for event in sorted(events, key=lambda e: e.when):
        seq += 1
        actor, subject, body = event.actor[:64], event.subject[:64], normalize(event.payload)
        digest = link_hash(prev_hash, seq, at, actor, event.type, subject, body)
        rows.append((seq, at, actor, event.type, subject, canonical_json(body), prev_hash, digest))
        prev_hash = digest
    await insert_rows(AuditEvent, COLUMNS, rows)
    return len(rows)

"""Load a generated ``SampleHistory`` in bulk, in one write transaction, with its audit-chain links.

Run it after ``load_sample`` (the district must be there: codes are resolved to ids). Rows go in through
``api.sample.bulk`` (COPY on PostgreSQL, executemany on SQLite); ids of new rows are read back in insertion
order (nothing else writes inside the transaction).
On PostgreSQL the tables are ANALYZEd afterwards so the metrics queries have statistics.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from piccolo.table import Table

from api.catalogue.versioning import list_versions
from api.clock import LOCAL_TZ
from api.sample.bulk import insert_rows, insert_with_ids
from api.sample.history_audit import Event, append_events, visit_events
from api.sample.history_records import HistoryVisit, SampleHistory
from models.db import is_postgres, write_transaction
from models.nonsite_tables import NonsiteAsset, NonsiteRecord, NonsiteRecordItem
from models.tables import Enterprise, Inspector, Item, Unit
from models.visit_tables import (
    Complaint,
    ComplaintStep,
    Rating,
    Scan,
    UnfiledAttempt,
    Visit,
    VisitInspector,
    VisitItem,
    VisitUnit,
)

ACTOR = "sample-generator"
ANALYZED = ("visit", "visit_unit", "visit_inspector", "visit_item", "scan", "rating", "complaint", "complaint_step")
ANALYZED_TOO = ("unfiled_attempt", "nonsite_asset", "nonsite_record", "nonsite_record_item", "audit_event")


async def _insert(table: type[Table], rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        columns = list(rows[0])
        await insert_rows(table, columns, [tuple(r[c] for c in columns) for r in rows])


async def _insert_ids(table: type[Table], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert and return the new ids in the order of ``rows``."""
    columns = list(rows[0]) if rows else []
    return await insert_with_ids(table, columns, [tuple(r[c] for c in columns) for r in rows])


async def _ids(table: type[Table], key: str) -> dict[str, int]:
    rows = await table.select(table._meta.primary_key, getattr(table, key))
    return {row[key]: row["id"] for row in rows if row[key] is not None}


async def load_history(history: SampleHistory, *, now: dt.datetime) -> dict[str, int]:
    """Insert the history and its audit links; return the rows written per kind."""
    async with write_transaction():
        units, people = await _ids(Unit, "code"), await _ids(Inspector, "cert_no")
        firms, items = await _ids(Enterprise, "uscc"), await _ids(Item, "code")
        if not units:
            raise RuntimeError("load the sample district before its history")
        ids: dict[str, Any] = {"inspectors": people, "catalogue_version": (await list_versions())["catalogue"]}
        events: list[Event] = []
        counts = await _visits(history.visits, units, people, firms, items, ids, events)
        counts |= await _feedback(history, ids["visit_ids"], people, events)
        counts |= await _nonsite(history, units, people, firms, items, events)
        counts["audit_events"] = await append_events(events, now)
    if is_postgres():
        for table in (*ANALYZED, *ANALYZED_TOO):
            await Visit.raw(f"ANALYZE {table}")
    return counts


async def visit_rows(visits: Sequence[HistoryVisit], counts: dict[str, int]) -> tuple[list[Event], list[int]]:
    """Insert more visits (e.g. the present year's, filed from plan tasks) inside the caller's write
    transaction; add their rows to ``counts``; return their audit links (for ``append_events``) and ids."""
    units, people = await _ids(Unit, "code"), await _ids(Inspector, "cert_no")
    firms, items = await _ids(Enterprise, "uscc"), await _ids(Item, "code")
    ids: dict[str, Any] = {"inspectors": people, "catalogue_version": (await list_versions())["catalogue"]}
    events: list[Event] = []
    for key, n in (await _visits(visits, units, people, firms, items, ids, events)).items():
        counts[key] = counts.get(key, 0) + n
    return events, list(ids["visit_ids"])


async def _visits(
    visits: Sequence[HistoryVisit],
    units: dict[str, int],
    people: dict[str, int],
    firms: dict[str, int],
    items: dict[str, int],
    ids: dict[str, Any],
    events: list[Event],
) -> dict[str, int]:
    rows = [
        dict(
            enterprise=firms[v.uscc],
            lead_unit=units[v.lead_unit_code],
            kind="enforcement",
            service_type=None,
            plan_task_id=v.plan_task_id,
            origin=v.origin,
            trigger_type=v.trigger_type,
            trigger_ref=v.trigger_ref,
            trigger_reason=v.trigger_reason,
            window_start=v.window_start,
            window_end=v.window_end,
            year=v.year,
            status=v.status,
            is_emergency=v.is_emergency,
            approval_due_at=v.approval_due_at,
            catalogue_version=ids["catalogue_version"],
            filed_by=v.filed_by,
            filed_at=v.filed_at,
            approved_by=v.approved_by,
            approved_at=v.approved_at,
            cancelled_by=v.approved_by if v.cancelled_at else None,
            cancelled_at=v.cancelled_at,
            cancel_reason=v.cancel_reason,
            code_token=None,
            code_issued_at=None,
            checked_in_at=v.checked_in_at,
            checked_out_at=v.checked_out_at,
            result=v.result,
            findings=v.findings,
            warnings="[]",
        )
        for v in visits
    ]
    visit_ids = ids["visit_ids"] = await _insert_ids(Visit, rows)
    pairs = list(zip(visit_ids, visits, strict=True))
    await _insert(VisitUnit, [dict(visit=i, unit=units[u]) for i, v in pairs for u in v.unit_codes])
    await _insert(VisitInspector, [dict(visit=i, inspector=people[c]) for i, v in pairs for c in v.inspector_certs])
    await _insert(VisitItem, [dict(visit=i, item=items[c]) for i, v in pairs for c in v.item_codes])
    scanned = [(i, v) for i, v in pairs if v.scan is not None]
    scan_rows = [
        dict(
            visit=i,
            inspector=people[s.inspector_cert],
            kind="arrival",
            latitude=s.latitude,
            longitude=s.longitude,
            accuracy_m=s.accuracy_m,
            mock_location=False,
            distance_m=s.distance_m,
            far_from_enterprise=False,
            device_time=s.at,
            at=s.at,
            backfill=s.backfill,
            backfill_reason=s.backfill_reason,
        )
        for i, v in scanned
        if (s := v.scan) is not None
    ]
    scan_ids = dict(zip((i for i, _ in scanned), await _insert_ids(Scan, scan_rows), strict=True))
    rated = [(i, v.rating) for i, v in pairs if v.rating is not None]
    rating_rows = [dict(visit=i, score=r.score, comment=r.comment, at=r.at) for i, r in rated]
    rating_ids = dict(zip((i for i, _ in rated), await _insert_ids(Rating, rating_rows), strict=True))
    for i, v in pairs:
        events += visit_events(i, v, scan_ids.get(i), rating_ids.get(i), ids)
    return {
        "visits": len(rows),
        "visit_units": sum(len(v.unit_codes) for v in visits),
        "scans": len(scan_rows),
        "ratings": len(rating_rows),
    }


async def _feedback(
    history: SampleHistory, visit_ids: list[int], people: dict[str, int], events: list[Event]
) -> dict[str, int]:
    complaint_rows = [
        dict(
            visit=visit_ids[c.visit] if c.visit is not None else None,
            uscc=c.uscc,
            verification_outcome="",
            kind=c.kind,
            description=c.description,
            contact="",
            status=c.status,
            received_at=c.received_at,
            due_at=c.due_at,
            closed_at=c.closed_at,
        )
        for c in history.complaints
    ]
    complaint_ids = await _insert_ids(Complaint, complaint_rows)
    steps: list[dict[str, Any]] = []
    for cid, c in zip(complaint_ids, history.complaints, strict=True):
        for s in c.steps:
            steps.append(dict(complaint=cid, status=s.status, note=s.note, actor=s.actor, at=s.at))
            payload = {"complaint_id": cid, "status": s.status, "note": s.note, "at": s.at, "sample": True}
            events.append(Event(s.at, "complaint.step", f"complaint:{cid}", payload))
    await _insert(ComplaintStep, steps)
    attempt_rows = [
        dict(
            inspector=people[u.inspector_cert],
            username=u.username,
            uscc=u.uscc,
            latitude=u.latitude,
            longitude=u.longitude,
            accuracy_m=u.accuracy_m,
            mock_location=False,
            device_time=u.at,
            at=u.at,
            reason=u.reason,
        )
        for u in history.unfiled
    ]
    for aid, u in zip(await _insert_ids(UnfiledAttempt, attempt_rows), history.unfiled, strict=True):
        payload = {"attempt_id": aid, "uscc": u.uscc, "inspector_id": people[u.inspector_cert], "at": u.at}
        events.append(Event(u.at, "unfiled_attempt", f"enterprise:{u.uscc}", {**payload, "reason": u.reason}))
    return {"complaints": len(complaint_rows), "complaint_steps": len(steps), "unfiled_attempts": len(attempt_rows)}


async def _nonsite(
    history: SampleHistory,
    units: dict[str, int],
    people: dict[str, int],
    firms: dict[str, int],
    items: dict[str, int],
    events: list[Event],
) -> dict[str, int]:
    created = dt.datetime.combine(history.first_day, dt.time(8), tzinfo=LOCAL_TZ)
    known = await _ids(NonsiteAsset, "code")  # loaded by an earlier year of a history loaded year by year
    fresh = [a for a in history.assets if a.code not in known]
    asset_rows = [
        dict(
            code=a.code,
            kind=a.kind,
            unit=units[a.unit_code],
            name=a.name,
            latitude=a.latitude,
            longitude=a.longitude,
            status="active",
            created_at=created,
            sample=True,
        )
        for a in fresh
    ]
    asset_ids = known | dict(zip((a.code for a in fresh), await _insert_ids(NonsiteAsset, asset_rows), strict=True))
    for a in fresh:
        payload = {"asset_id": asset_ids[a.code], "code": a.code, "kind": a.kind, "unit": a.unit_code, "sample": True}
        events.append(Event(created, "nonsite.asset", f"nonsite_asset:{a.code}", payload))
    record_rows = [
        dict(
            mode=r.mode,
            asset=asset_ids[r.asset_code] if r.asset_code else None,
            unit=units[r.unit_code],
            operator=people[r.operator_cert],
            started_at=r.started_at,
            ended_at=r.ended_at,
            triggered_visit=None,
            geometry=r.geometry,
            enterprise=firms[r.uscc] if r.uscc else None,
            findings=r.findings,
            result=r.result,
            created_by=ACTOR,
            created_at=r.ended_at,
            sample=True,
        )
        for r in history.records
    ]
    record_ids = await _insert_ids(NonsiteRecord, record_rows)
    pairs = list(zip(record_ids, history.records, strict=True))
    links = [dict(record=i, item=items[c]) for i, r in pairs for c in r.item_codes]
    await _insert(NonsiteRecordItem, links)
    for i, r in pairs:
        payload = {
            "record_id": i,
            "mode": r.mode,
            "asset": r.asset_code,
            "unit": r.unit_code,
            "operator_cert": r.operator_cert,
            "started_at": r.started_at,
            "ended_at": r.ended_at,
            "uscc": r.uscc,
            "items": list(r.item_codes),
            "result": r.result,
            "findings": r.findings,
            "sample": True,
        }
        events.append(Event(r.ended_at, "nonsite.record", f"nonsite_record:{i}", payload))
    return {"nonsite_assets": len(asset_rows), "nonsite_records": len(record_rows), "nonsite_record_items": len(links)}

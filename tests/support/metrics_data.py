"""A hand-made, back-dated history for the metrics tests (July 2025 and around it, July 2024 for YoY).

Written by direct inserts on the app's own event loop (``run_in_app``), on either backend. Every row is
listed here with the figures it should move; the tests work the expected answers out from this table.

    visit  when (local)         units      enterprise  status       result         scan
    h1     2025-07-01 00:30     MKT+FIRE   A           checked_out  no_issue       arrival
    h2     2025-07-01 15:00     MKT        A           checked_out  no_issue       arrival
    h3     2025-07-03 10:00     MKT        A           checked_out  no_issue       arrival, back-filled
    h4     2025-07-20 10:00     FIRE       A           checked_in   –              arrival
    h5     2025-07-08 09:00     ENV        B           checked_out  rectification  arrival
    h6     2025-07-09 09:00     ENV        B           checked_out  no_issue       arrival
    h7     2025-07-10 09:00     STR        B           checked_out  case_opened    arrival
    h8     2025-07-15 10:00     MKT        W           cancelled    –              –
    h9     2025-07-16 10:00     MKT        W           approved     –              –
    h10    2025-07-17 10:00     MKT        W           checked_out  (service visit, not an inspection)
    h11    2025-07-25 10:00     FIRE       W           checked_out  other          arrival (emergency, never approved)
    h13    2025-08-05 10:00     MKT        B           checked_out  no_issue       arrival
    h14    2025-09-10 10:00     MKT        B           checked_out  no_issue       arrival
    l1     2024-07-10 10:00     MKT        A           checked_out  no_issue       arrival
    l2     2024-07-11 10:00     FIRE       B           checked_out  no_issue       arrival
    l3     2024-07-12 10:00     MKT        A           cancelled    –              –

Non-site (ENV): n1 2025-07-05 12:00, n2 2025-07-31 23:30, n3 2025-08-01 00:30 (local; n3 is still 31 July
in UTC), l4 2024-07-12 12:00. Unfiled attempts: u1 2025-07-05 (FIRE-C1), u2 2025-07-06 (MKT-C1), u3
2025-08-01 (MKT-C1). Complaints: c1 2025-07-02 on h2 received; c2 2025-07-10 on h5 archived; c3 2025-07-12
no visit verifying; c4 2025-06-20 on h2 received. Ratings: h1 5★ (07-02), h2 3★ (07-03), h5 1★ (07-09),
h6 4★ (08-02).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from api.visits.rules import LOCAL_TZ
from models.nonsite_tables import NonsiteRecord
from models.tables import Enterprise, Inspector, Unit
from models.visit_tables import Complaint, Rating, Scan, UnfiledAttempt, Visit, VisitUnit
from tests.support.api import Api
from tests.support.world import USCC_A, USCC_B, USCC_W

VISITS: dict[str, tuple[str, list[str], str, str, str | None, str | None]] = {
    # name: (local time, units, enterprise, status, result, scan: None | "valid" | "backfill")
    "h1": ("2025-07-01 00:30", ["MKT", "FIRE"], USCC_A, "checked_out", "no_issue", "valid"),
    "h2": ("2025-07-01 15:00", ["MKT"], USCC_A, "checked_out", "no_issue", "valid"),
    "h3": ("2025-07-03 10:00", ["MKT"], USCC_A, "checked_out", "no_issue", "backfill"),
    "h4": ("2025-07-20 10:00", ["FIRE"], USCC_A, "checked_in", None, "valid"),
    "h5": ("2025-07-08 09:00", ["ENV"], USCC_B, "checked_out", "rectification", "valid"),
    "h6": ("2025-07-09 09:00", ["ENV"], USCC_B, "checked_out", "no_issue", "valid"),
    "h7": ("2025-07-10 09:00", ["STR"], USCC_B, "checked_out", "case_opened", "valid"),
    "h8": ("2025-07-15 10:00", ["MKT"], USCC_W, "cancelled", None, None),
    "h9": ("2025-07-16 10:00", ["MKT"], USCC_W, "approved", None, None),
    "h10": ("2025-07-17 10:00", ["MKT"], USCC_W, "checked_out", "no_issue", "valid"),
    "h11": ("2025-07-25 10:00", ["FIRE"], USCC_W, "checked_out", "other", "valid"),
    "h13": ("2025-08-05 10:00", ["MKT"], USCC_B, "checked_out", "no_issue", "valid"),
    "h14": ("2025-09-10 10:00", ["MKT"], USCC_B, "checked_out", "no_issue", "valid"),
    "l1": ("2024-07-10 10:00", ["MKT"], USCC_A, "checked_out", "no_issue", "valid"),
    "l2": ("2024-07-11 10:00", ["FIRE"], USCC_B, "checked_out", "no_issue", "valid"),
    "l3": ("2024-07-12 10:00", ["MKT"], USCC_A, "cancelled", None, None),
}
SERVICE = {"h10"}
EMERGENCY = {"h11"}


def local(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL_TZ)


def run_in_app(api: Api, query: Any) -> Any:
    """Await a Piccolo query (or coroutine) on the event loop and pool of the app under test."""

    async def run() -> Any:
        return await query

    return api.client.blocking_portal.call(run)


@dataclass
class History:
    visit_ids: dict[str, int] = field(default_factory=dict)
    unit_ids: dict[str, int] = field(default_factory=dict)


async def _ids() -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    units = {r["code"]: r["id"] for r in await Unit.select(Unit.id, Unit.code)}
    enterprises = {r["uscc"]: r["id"] for r in await Enterprise.select(Enterprise.id, Enterprise.uscc)}
    inspectors = {r["cert_no"]: r["id"] for r in await Inspector.select(Inspector.id, Inspector.cert_no)}
    return units, enterprises, inspectors


async def _visit(name: str, units: dict[str, int], enterprises: dict[str, int], inspectors: dict[str, int]) -> int:
    when, codes, uscc, status, result, scan = VISITS[name]
    start = local(when)
    emergency = name in EMERGENCY
    approved = None if emergency or status == "filed" else start - dt.timedelta(days=2)
    row = Visit(
        enterprise=enterprises[uscc],
        lead_unit=units[codes[0]],
        kind="service" if name in SERVICE else "enforcement",
        service_type="service" if name in SERVICE else None,
        origin="triggered" if emergency else "planned",
        trigger_type="emergency" if emergency else None,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
        year=start.year,
        status=status,
        is_emergency=emergency,
        approval_due_at=start + dt.timedelta(hours=24) if emergency else None,
        filed_by="planner-mkt",
        filed_at=start - dt.timedelta(days=3),
        approved_at=approved,
        checked_in_at=start if status in ("checked_in", "checked_out") else None,
        checked_out_at=start + dt.timedelta(hours=1) if status == "checked_out" else None,
        result=result,
    )
    visit_id = int((await Visit.insert(row).returning(Visit.id))[0]["id"])
    await VisitUnit.insert(*[VisitUnit(visit=visit_id, unit=units[c]) for c in codes])
    if scan:
        inspector = inspectors[f"{codes[0]}-C1"] if codes[0] != "STR" else inspectors["MKT-C1"]
        backfill = scan == "backfill"
        await Scan.insert(
            Scan(
                visit=visit_id,
                inspector=inspector,
                kind="arrival",
                at=start + dt.timedelta(minutes=5),
                backfill=backfill,
                backfill_reason="系统故障，事后补录" if backfill else "",
            )
        )
    return visit_id


async def insert_history() -> History:
    units, enterprises, inspectors = await _ids()
    history = History(unit_ids=units)
    for name in VISITS:
        history.visit_ids[name] = await _visit(name, units, enterprises, inspectors)
    v = history.visit_ids
    for when in ["2025-07-05 12:00", "2025-07-31 23:30", "2025-08-01 00:30", "2024-07-12 12:00"]:
        start = local(when)
        await NonsiteRecord.insert(
            NonsiteRecord(
                mode="camera",
                unit=units["ENV"],
                operator=inspectors["ENV-C1"],
                started_at=start,
                ended_at=start + dt.timedelta(minutes=30),
                geometry='{"type":"Point","coordinates":[117.06,36.68]}',
                result="no_issue",
                created_by="planner-env",
                created_at=start,
            )
        )
    for when, cert, uscc in [
        ("2025-07-05 10:00", "FIRE-C1", USCC_B),
        ("2025-07-06 10:00", "MKT-C1", USCC_W),
        ("2025-08-01 10:00", "MKT-C1", USCC_W),
    ]:
        await UnfiledAttempt.insert(
            UnfiledAttempt(
                inspector=inspectors[cert], username=cert, uscc=uscc, at=local(when), reason="no_matching_visit"
            )
        )
    for when, visit, status in [
        ("2025-07-02 10:00", v["h2"], "received"),
        ("2025-07-10 10:00", v["h5"], "archived"),
        ("2025-07-12 10:00", None, "verifying"),
        ("2025-06-20 10:00", v["h2"], "received"),
    ]:
        received = local(when)
        await Complaint.insert(
            Complaint(
                visit=visit,
                uscc=USCC_A,
                kind="too_frequent",
                description="频繁检查",
                status=status,
                received_at=received,
                due_at=received + dt.timedelta(days=30),
                closed_at=received + dt.timedelta(days=20) if status == "archived" else None,
            )
        )
    for name, score, when in [
        ("h1", 5, "2025-07-02 09:00"),
        ("h2", 3, "2025-07-03 09:00"),
        ("h5", 1, "2025-07-09 20:00"),
    ]:
        await Rating.insert(Rating(visit=v[name], score=score, at=local(when)))
    await Rating.insert(Rating(visit=v["h6"], score=4, at=local("2025-08-02 09:00")))
    return history


def build_history(api: Api) -> History:
    return run_in_app(api, insert_history())  # type: ignore[no-any-return]

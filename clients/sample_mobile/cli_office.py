"""The unit's desk, for demos and tests: file a visit (planner), approve it (unit head), cancel it.

Not a phone feature: planning happens on the web. It is here so that a new user can walk through both
phones' flows from one terminal.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from clients.sample_mobile.cli import EXIT_OK, Command, Phone
from clients.sample_mobile.offline import local_text
from clients.sample_mobile.schemas import Visit, VisitDraft
from clients.sample_mobile.store import utcnow


def _visit_out(phone: Phone, verb: str, visit: Visit) -> None:
    window = f"{local_text(visit.window_start)} – {local_text(visit.window_end)}"
    warnings = "".join(f"\nwarning: {w.code}: {w.detail}" for w in visit.warnings)
    phone.out(
        f"visit {visit.id} {verb}: {visit.enterprise_name} ({visit.uscc}), {window}, status {visit.status}{warnings}",
        {"id": visit.id, "status": visit.status, "uscc": visit.uscc},
    )


def file_visit(phone: Phone) -> int:
    phone.require_login("planner")
    ids = [int(i) if len(i) <= 9 else phone.api.inspector_id(i) for i in phone.args.inspector]
    start = phone.args.start or utcnow()
    draft = VisitDraft(
        uscc=phone.args.uscc,
        unit_codes=phone.args.unit or [phone.require_login().unit_code or ""],
        inspector_ids=ids,
        item_codes=phone.args.item,
        window_start=start,
        window_end=start + dt.timedelta(hours=phone.args.hours),
        origin="triggered" if phone.args.trigger else "planned",
        trigger_type=phone.args.trigger,
        trigger_ref=phone.args.trigger_ref,
        trigger_reason=phone.args.reason,
    )
    _visit_out(phone, "filed", phone.api.file_visit(draft))
    return EXIT_OK


def approve(phone: Phone) -> int:
    phone.require_login("approver")
    _visit_out(phone, "approved", phone.api.approve(phone.args.visit_id))
    return EXIT_OK


def cancel(phone: Phone) -> int:
    phone.require_login("planner", "approver")
    _visit_out(phone, "cancelled", phone.api.cancel(phone.args.visit_id, phone.args.reason))
    return EXIT_OK


def ratings(phone: Phone) -> int:
    """Supervisor: the ratings, without who rated. Unit accounts are refused (403): ratings are anonymous."""
    phone.require_login()
    page = phone.api.ratings()
    if not page.items:
        phone.out("no ratings yet", [])
    for r in page.items:
        units = "、".join(u.name for u in r.units)
        phone.out(f"visit #{r.visit_id} {units}: {r.score}/5 {r.comment}", {"visit_id": r.visit_id, "score": r.score})
    return EXIT_OK


def unfiled(phone: Phone) -> int:
    """Supervisor: scans rejected because no filed visit matched."""
    phone.require_login("supervisor")
    page = phone.api.unfiled_attempts(uscc=phone.args.uscc)
    if not page.items:
        phone.out("no unfiled attempts", [])
    for a in page.items:
        phone.out(f"{local_text(a.at)} {a.username} at {a.uscc}: {a.reason}", {"id": a.id, "uscc": a.uscc})
    return EXIT_OK


def register(commands: Any, parent: argparse.ArgumentParser) -> dict[str, Command]:
    p = commands.add_parser("file-visit", parents=[parent], help="planner: file (备案) a visit")
    p.add_argument("--uscc", required=True, help="the enterprise")
    p.add_argument("--inspector", action="append", required=True, help="执法证 number or registry id (twice or more)")
    p.add_argument("--item", action="append", default=[], help="inspection item code (repeat)")
    p.add_argument("--unit", action="append", help="unit code (default: the planner's unit)")
    p.add_argument("--start", type=dt.datetime.fromisoformat, help="window start, ISO with offset (default: now)")
    p.add_argument("--hours", type=float, default=2.0, help="window length")
    p.add_argument(
        "--trigger",
        choices=("complaint", "referral", "monitoring", "accident", "enterprise_request", "higher_assignment"),
        help="file a triggered visit (no plan task; yearly caps warn instead of refusing)",
    )
    p.add_argument("--trigger-ref", default="", help="the complaint or referral number")
    p.add_argument("--reason", default="", help="why the triggered visit is needed (required with --trigger)")
    p = commands.add_parser("approve", parents=[parent], help="unit head: approve a visit (issues its code)")
    p.add_argument("visit_id", type=int)
    p = commands.add_parser("cancel", parents=[parent], help="planner or unit head: cancel a visit (revokes its code)")
    p.add_argument("visit_id", type=int)
    p.add_argument("--reason", required=True)
    commands.add_parser("ratings", parents=[parent], help="supervisor: ratings (anonymous; units get 403)")
    p = commands.add_parser("unfiled", parents=[parent], help="supervisor: rejected scans with no filed visit")
    p.add_argument("--uscc")
    return {
        "file-visit": file_visit,
        "approve": approve,
        "cancel": cancel,
        "ratings": ratings,
        "unfiled": unfiled,
    }

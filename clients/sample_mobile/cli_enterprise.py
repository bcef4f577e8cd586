"""The enterprise's phone: verify (online/offline), refresh, watch, rate, complain."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import msgspec
from websockets.exceptions import InvalidStatus

from clients.sample_mobile import offline, outbox, qrimage
from clients.sample_mobile.api_client import TransientError
from clients.sample_mobile.cli import (
    EXIT_NEEDS_ONLINE,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNFINISHED,
    Command,
    Phone,
    UsageError,
)
from clients.sample_mobile.cli_inspector import run_sync
from clients.sample_mobile.live import LiveFeed
from clients.sample_mobile.schemas import COMPLAINT_KINDS, ComplaintRequest, RatingRequest, Verification

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff")


def scanned_text(code: str) -> str:
    """An image file is decoded; anything else is taken as the scanned URL or text."""
    path = Path(code)
    if path.is_file():
        return qrimage.decode(path)
    if "://" not in code and path.suffix.lower() in IMAGE_SUFFIXES:
        raise UsageError(f"no such image file: {code}")
    return code.strip()


def _online_text(result: Verification) -> str:
    lines = [f"{result.headline}  [{result.outcome}]"]
    if result.reason:
        lines.append(f"reason: {result.reason}")
    if result.detail:
        lines.append(result.detail)
    visit = result.visit
    if visit is not None:
        lines.append(f"visit #{visit.visit_id}: {visit.enterprise_name} ({visit.uscc}) — {visit.status_text}")
        lines.append(f"window: {visit.window_text}   kind: {visit.kind_text}")
        lines.append("units: " + "、".join(u.name + ("（牵头）" if u.lead else "") for u in visit.units))
        lines.extend(f"inspector: {i.name}  执法证 {i.cert_no}" for i in visit.inspectors)
        lines.extend(f"item: {i.code} {i.name} — {i.legal_basis}" for i in visit.items)
    if result.rights:
        lines.append(result.rights)
    if result.can_rate:
        lines.append("you can rate this visit: rate CODE --score 1..5 --comment …")
    if result.can_complain:
        lines.append("complain: complain CODE --kind … --description …")
    return "\n".join(lines)


def _offline_out(phone: Phone, verdict: offline.OfflineVerdict, prefix: str = "") -> int:
    claims = verdict.claims
    data: dict[str, Any] = {
        "mode": "offline",
        "outcome": verdict.outcome,
        "valid": verdict.valid,
        "needs_online_check": verdict.needs_online_check,
        "as_of": verdict.as_of.isoformat() if verdict.as_of else None,
        "message": verdict.message,
        "visit_id": claims.visit_id if claims else None,
    }
    lines = [f"{prefix}{verdict.message}  [{verdict.outcome}, offline]"]
    if claims is not None and claims.visit_id is not None:
        lines.append(f"visit #{claims.visit_id} for {claims.uscc}; 执法证 {', '.join(claims.cert_numbers)}")
        if claims.item_codes:
            lines.append(f"items: {', '.join(claims.item_codes)}")
    phone.out("\n".join(lines), data)
    if verdict.needs_online_check:
        return EXIT_NEEDS_ONLINE
    return EXIT_OK if verdict.valid else EXIT_REFUSED


def verify(phone: Phone) -> int:
    scanned = scanned_text(phone.args.code)

    def offline_verdict() -> offline.OfflineVerdict:
        return offline.verify_offline(phone.db, scanned, uscc=phone.args.uscc, max_age=phone.args.max_cache_age)

    if phone.args.offline:
        return _offline_out(phone, offline_verdict())
    try:
        result = phone.api.verify(scanned, phone.args.uscc)
    except TransientError:
        return _offline_out(phone, offline_verdict(), prefix="server unreachable; ")
    phone.out(_online_text(result), {"mode": "online", **msgspec.to_builtins(result)})
    return EXIT_OK if result.valid else EXIT_REFUSED


def refresh(phone: Phone) -> int:
    report = offline.refresh(phone.db, phone.api, force=phone.args.force)
    as_of = offline.local_text(report.as_of) if report.as_of else "never"
    phone.out(
        f"keys: {report.jwks}; cancellations: {report.revocations} (+{report.new_revocations}); status as of {as_of}",
        {
            "jwks": report.jwks,
            "revocations": report.revocations,
            "new_revocations": report.new_revocations,
            "as_of": report.as_of.isoformat() if report.as_of else None,
        },
    )
    return EXIT_OK


def rate(phone: Phone) -> int:
    # Only the inspected enterprise rates, with its own login: the code alone proves nothing.
    session = phone.require_login("enterprise")
    scanned = scanned_text(phone.args.code)
    request = RatingRequest(
        score=phone.args.score, comment=phone.args.comment, client_event_id=outbox.new_event_id("rating")
    )
    event = outbox.queue_rating(phone.db, scanned, request, owner=session.username)
    phone.out(f"queued {event.label} as {event.event_id}", {"queued": event.event_id, "seq": event.seq})
    return run_sync(phone) if phone.args.sync else EXIT_OK


def complain(phone: Phone) -> int:
    if not phone.args.code and not phone.args.uscc:
        raise UsageError("name the code you scanned (image or URL) or your --uscc")
    request = ComplaintRequest(
        kind=phone.args.kind,
        description=phone.args.description,
        client_event_id=outbox.new_event_id("complaint"),
        token=scanned_text(phone.args.code) if phone.args.code else None,
        uscc=phone.args.uscc,
        contact=phone.args.contact,
    )
    event = outbox.queue_complaint(phone.db, request)
    phone.out(f"queued {event.label} as {event.event_id}", {"queued": event.event_id, "seq": event.seq})
    return run_sync(phone) if phone.args.sync else EXIT_OK


def watch(phone: Phone) -> int:
    scanned = scanned_text(phone.args.code)
    deadline = time.monotonic() + phone.args.watch_seconds
    seen = 0
    try:
        feed = LiveFeed(phone.server, scanned)
    except InvalidStatus as exc:  # the server refuses to follow anything but a genuine visit code
        raise UsageError(f"the server does not follow this code ({exc.response.status_code})") from exc
    except OSError as exc:  # refused, unreachable, timed out
        raise TransientError(f"live updates: {exc}") from exc
    with feed:
        phone.out(f"following {feed.url} (Ctrl-C to stop)", {"following": feed.url})
        while phone.args.count is None or seen < phone.args.count:
            left = deadline - time.monotonic()
            message = feed.next(timeout=left) if left > 0 else None
            if message is None:
                break
            seen += 1
            phone.out(f"update: {message}", {"update": message})
    return EXIT_OK if seen and (phone.args.count is None or seen >= phone.args.count) else EXIT_UNFINISHED


def register(commands: Any, parent: argparse.ArgumentParser) -> dict[str, Command]:
    p = commands.add_parser("verify", parents=[parent], help="enterprise: verify a visit code (image or URL)")
    p.add_argument("code", help="image file of the code, or the scanned URL")
    p.add_argument("--offline", action="store_true", help="use only the cached keys and cancellations")
    p.add_argument("--uscc", help="your 统一社会信用代码: a code for another enterprise is refused")
    p = commands.add_parser("refresh", parents=[parent], help="enterprise: update cached keys and cancellations")
    p.add_argument("--force", action="store_true", help="revalidate even what is still fresh")
    p = commands.add_parser("watch", parents=[parent], help="enterprise: follow a visit's live updates")
    p.add_argument("code")
    p.add_argument("--count", type=int, help="stop after this many updates")
    p.add_argument("--for", dest="watch_seconds", type=float, default=3600.0, help="stop after this many seconds")
    p = commands.add_parser("rate", parents=[parent], help="enterprise: rate a checked-out visit (queued)")
    p.add_argument("code")
    p.add_argument("--score", type=int, choices=range(1, 6), required=True)
    p.add_argument("--comment", default="")
    p.add_argument("--sync", action="store_true", help="send right away")
    p = commands.add_parser("complain", parents=[parent], help="enterprise: complain, from any result (queued)")
    p.add_argument("code", nargs="?", help="the code you scanned (image or URL), even an invalid one")
    p.add_argument("--uscc", help="your 统一社会信用代码")
    p.add_argument("--kind", choices=COMPLAINT_KINDS, required=True)
    p.add_argument("--description", required=True)
    p.add_argument("--contact", default="", help="optional phone or e-mail for the answer")
    p.add_argument("--sync", action="store_true", help="send right away")
    return {"verify": verify, "refresh": refresh, "watch": watch, "rate": rate, "complain": complain}

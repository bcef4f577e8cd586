"""The inspector's phone: login, today, show-code, scan, checkout, sync, outbox (and the enterprise's own code)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
from pathlib import Path
from typing import Any

from clients.sample_mobile import outbox, qrimage
from clients.sample_mobile.api_client import LOCAL_TZ
from clients.sample_mobile.cli import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNFINISHED,
    Command,
    Phone,
    UsageError,
)
from clients.sample_mobile.offline import local_text
from clients.sample_mobile.schemas import VISIT_RESULTS, CheckoutRequest, ScanRequest
from clients.sample_mobile.store import Session, clear_session, save_session, utcnow
from clients.sample_mobile.tokens import peek

PASSWORD_ENV = "RUQI_PASSWORD"


def login(phone: Phone) -> int:
    password = (
        phone.args.password or os.environ.get(PASSWORD_ENV) or getpass.getpass(f"password for {phone.args.username}: ")
    )
    result = phone.api.login(phone.args.username, password)
    expires = utcnow() + dt.timedelta(seconds=result.expires_in or 3600)
    save_session(
        phone.db,
        Session(
            phone.server,
            result.username,
            result.role,
            result.access_token,
            expires,
            inspector_id=result.inspector_id,
            uscc=result.uscc,
            unit_code=result.unit_code,
        ),
    )
    bound = result.unit_code or result.uscc or ""
    phone.out(
        f"logged in as {result.username} ({result.role}{', ' + bound if bound else ''}) until {local_text(expires)}",
        {
            "username": result.username,
            "role": result.role,
            "inspector_id": result.inspector_id,
            "uscc": result.uscc,
            "unit_code": result.unit_code,
            "expires_at": expires.isoformat(),
        },
    )
    return EXIT_OK


def logout(phone: Phone) -> int:
    clear_session(phone.db)
    phone.out("logged out (queued events stay in the outbox)", {"logged_out": True})
    return EXIT_OK


def today(phone: Phone) -> int:
    phone.require_login("inspector")
    day = phone.args.date
    visits = phone.api.today(dt.datetime(day.year, day.month, day.day, 12, tzinfo=LOCAL_TZ) if day else None)
    if not visits:
        phone.out("no approved visits today", [])
    for v in visits:
        items = ", ".join(i.code for i in v.items)
        window = f"{local_text(v.window_start)} – {local_text(v.window_end)}"
        phone.out(f"#{v.id}  {v.enterprise_name} ({v.uscc})  {window}  items: {items}", {"id": v.id, "uscc": v.uscc})
    return EXIT_OK


def show_code(phone: Phone) -> int:
    phone.require_login()
    code = phone.api.visit_code(phone.args.visit_id)
    png = phone.api.visit_code_png(phone.args.visit_id)
    if phone.args.png:
        Path(phone.args.png).write_bytes(png)
    if not phone.args.json and not phone.args.no_terminal:
        print(qrimage.terminal(qrimage.modules(png)))
    validity = f"valid {local_text(code.not_before)} – {local_text(code.expires_at)}"
    saved = f"; PNG written to {phone.args.png}" if phone.args.png else ""
    phone.out(
        f"visit {code.visit_id}: {code.url}\n{validity} (QR version {code.qr_version}, key {code.kid}){saved}",
        {"visit_id": code.visit_id, "url": code.url, "png": phone.args.png, "expires_at": code.expires_at.isoformat()},
    )
    return EXIT_OK


def enterprise_code(phone: Phone) -> int:
    uscc = phone.args.uscc or phone.require_login().uscc
    if not uscc:
        raise UsageError("name the enterprise: enterprise-code USCC")
    code = phone.api.enterprise_code(uscc)
    png = phone.api.enterprise_code_png(uscc)
    if phone.args.png:
        Path(phone.args.png).write_bytes(png)
    if not phone.args.json and not phone.args.no_terminal:
        print(qrimage.terminal(qrimage.modules(png)))
    saved = f"; PNG written to {phone.args.png}" if phone.args.png else ""
    phone.out(f"企业码 of {code.uscc}: {code.url}{saved}", {"uscc": code.uscc, "url": code.url, "png": phone.args.png})
    return EXIT_OK


def image_path(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise UsageError(f"no such image file: {text}")
    return path


def _queued(phone: Phone, event: outbox.Event) -> int:
    phone.out(f"queued {event.label} as {event.event_id}", {"queued": event.event_id, "seq": event.seq})
    return run_sync(phone) if phone.args.sync else EXIT_OK


def scan(phone: Phone) -> int:
    session = phone.require_login("inspector")
    content = qrimage.decode(image_path(phone.args.image))
    request = ScanRequest(
        content=content,
        client_event_id=outbox.new_event_id("scan"),
        latitude=phone.args.lat,
        longitude=phone.args.lon,
        accuracy_m=phone.args.accuracy,
        mock_location=phone.args.mock,
        device_time=utcnow(),
    )
    claims = peek(content)
    label = f"check-in scan of the 企业码 of {claims.uscc}" if claims else "scan of a code that is not ours"
    event = outbox.queue_scan(phone.db, request, owner=session.username, label=label)
    return _queued(phone, event)


def checkout(phone: Phone) -> int:
    session = phone.require_login("inspector")
    request = CheckoutRequest(
        client_event_id=outbox.new_event_id("checkout"), result=phone.args.result, findings=phone.args.findings
    )
    return _queued(phone, outbox.queue_checkout(phone.db, phone.args.visit_id, request, owner=session.username))


def outcome_text(event: outbox.Event) -> str:
    """What the server's answer to a done event means, in a few words."""
    try:
        body = json.loads(event.response or b"null")
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    if event.kind == "scan":
        distance = body.get("distance_m")
        where = f", {distance:.0f} m from the enterprise" if isinstance(distance, int | float) else ""
        far = " (FAR: flagged for the supervisor)" if body.get("far_from_enterprise") else ""
        return f"{body.get('kind')} on visit #{body.get('visit_id')}, now {body.get('visit_status')}{where}{far}"
    if event.kind == "checkout":
        return f"visit #{body.get('id')} checked out: {body.get('result')}"
    if event.kind == "rating":
        return f"rating of visit #{body.get('visit_id')} received (anonymous to the unit)"
    if event.kind == "complaint":
        return f"complaint {body.get('reference')} received, answer due {str(body.get('due_at'))[:10]}"
    return ""


def _event_data(event: outbox.Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "event_id": event.event_id,
        "kind": event.kind,
        "state": event.state,
        "http_status": event.http_status,
        "error": event.error,
        "label": event.label,
    }


def run_sync(phone: Phone) -> int:
    with outbox.sync_lock(phone.state_dir) as locked:
        if not locked:
            phone.out("another sync of this profile is running", {"busy": True})
            return EXIT_UNFINISHED
        session = phone.session

        def show(event: outbox.Event) -> None:
            note = f" — {event.error or outcome_text(event)}"
            phone.out(f"{event.state:<9} {event.label} [{event.http_status}]{note}", _event_data(event))

        report = outbox.sync(phone.db, phone.api, username=session.username if session else None, on_event=show)
    summary = (
        f"sent: {len(report.done)} done, {len(report.conflicts)} conflicts, {len(report.rejected)} rejected; "
        f"{report.remaining} still queued"
    )
    if report.conflicts:
        summary += "\nconflicts: the server holds another request under the same event id; not resent (see `outbox`)"
    if report.stopped:
        summary += f"\nstopped: {report.stopped}"
    phone.out(
        summary,
        {
            "done": len(report.done),
            "conflicts": len(report.conflicts),
            "rejected": len(report.rejected),
            "remaining": report.remaining,
            "stopped": report.stopped,
        },
    )
    if report.remaining:
        return EXIT_UNFINISHED
    return EXIT_REFUSED if report.conflicts or report.rejected else EXIT_OK


def sync_command(phone: Phone) -> int:
    return run_sync(phone)


def list_outbox(phone: Phone) -> int:
    shown = outbox.events(phone.db) if phone.args.all else [e for e in outbox.events(phone.db) if e.state != "done"]
    if not shown:
        phone.out("the outbox is empty" if phone.args.all else "nothing waiting (use --all for the history)", [])
    for event in shown:
        note = f" — {event.error}" if event.error else ""
        phone.out(f"{event.seq:>4} {event.state:<9} {event.created_at[:19]} {event.label}{note}", _event_data(event))
    return EXIT_OK


def register(commands: Any, parent: argparse.ArgumentParser) -> dict[str, Command]:
    p = commands.add_parser("login", parents=[parent], help="log in (inspector, enterprise, planner, …)")
    p.add_argument("username")
    p.add_argument("--password", help=f"default: ${PASSWORD_ENV}, else asked")
    commands.add_parser("logout", parents=[parent], help="forget the login")
    p = commands.add_parser("today", parents=[parent], help="inspector: today's approved visits")
    p.add_argument("--date", type=dt.date.fromisoformat, help="another day (YYYY-MM-DD, China time)")
    p = commands.add_parser("show-code", parents=[parent], help="inspector: a visit's code (PNG and terminal)")
    p.add_argument("visit_id", type=int)
    p.add_argument("--png", help="write the PNG here")
    p.add_argument("--no-terminal", action="store_true", help="do not draw the code in the terminal")
    p = commands.add_parser("enterprise-code", parents=[parent], help="enterprise: its own 企业码 to post")
    p.add_argument("uscc", nargs="?", help="default: the logged-in enterprise's")
    p.add_argument("--png", help="write the PNG here")
    p.add_argument("--no-terminal", action="store_true")
    p = commands.add_parser("scan", parents=[parent], help="inspector: scan the 企业码 image to check in (queued)")
    p.add_argument("image", help="photo or PNG of the enterprise code")
    p.add_argument("--lat", type=float)
    p.add_argument("--lon", type=float)
    p.add_argument("--accuracy", type=float, help="metres")
    p.add_argument("--mock", action="store_true", help="the position comes from a mock-location app")
    p.add_argument("--sync", action="store_true", help="send right away")
    p = commands.add_parser("checkout", parents=[parent], help="inspector: check out with the result (queued)")
    p.add_argument("visit_id", type=int)
    p.add_argument("--result", choices=VISIT_RESULTS, required=True)
    p.add_argument("--findings", default="")
    p.add_argument("--sync", action="store_true", help="send right away")
    commands.add_parser("sync", parents=[parent], help="send the outbox in order")
    p = commands.add_parser("outbox", parents=[parent], help="what is queued, rejected or in conflict")
    p.add_argument("--all", action="store_true", help="include events already done")
    return {
        "login": login,
        "logout": logout,
        "today": today,
        "show-code": show_code,
        "enterprise-code": enterprise_code,
        "scan": scan,
        "checkout": checkout,
        "sync": sync_command,
        "outbox": list_outbox,
    }

"""PROTOTYPE, not production code: the app with two proposed fixes monkeypatched in, to measure them in the
same run as the app as it is (bench/prototype/compare.py). RUQI_PROTOTYPE selects them (comma-separated):

- ``verify``: the verify read in ONE SQL statement (visit, enterprise, and units, inspectors and items as JSON
  aggregates) through the engine's asyncpg pool, instead of four Piccolo queries whose SQL building costs
  more CPU than the queries themselves; the log row inserted with raw SQL.
- ``chain``: ``audit.append`` inserts the event unlinked, and a deferred constraint trigger links it at COMMIT
  (bench/prototype/audit_trigger.sql, applied by compare.py): nothing holds the chain's lock across a round trip.

It copies small pieces of api/services/verification.py and api/services/audit.py as of 2026-11-26 and will
drift from them; it exists to put numbers on the proposals in docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import api.controllers.public as public
import api.services.audit as audit
import api.services.verification as verification
from api.schemas.verification import InspectorOnCode, ItemOnCode, UnitOnCode, VerificationRead, VisitOnCode
from api.services import verification_texts as texts
from api.services.audit_formula import canonical_json, iso_utc, normalize
from api.services.visit_env import VisitEnv
from models.audit_tables import AuditEvent
from models.db import current_engine, is_postgres, write_transaction
from models.enums import ServiceType, VisitKind, VisitOrigin, VisitStatus, VisitTrigger

PATCHES = set(filter(None, os.environ.get("RUQI_PROTOTYPE", "").split(",")))
VISIT_SQL = """
SELECT v.*, e.name AS enterprise_name, e.uscc AS enterprise_uscc,
  (SELECT coalesce(json_agg(json_build_object('unit', vu.unit, 'name', u.name)), '[]')
     FROM visit_unit vu JOIN unit u ON u.id = vu.unit WHERE vu.visit = v.id) AS x_units,
  (SELECT coalesce(json_agg(json_build_object('name', i.name, 'cert_no', i.cert_no) ORDER BY vi.id), '[]')
     FROM visit_inspector vi JOIN inspector i ON i.id = vi.inspector WHERE vi.visit = v.id) AS x_inspectors,
  (SELECT coalesce(json_agg(json_build_object('code', it.code, 'name', it.name, 'legal_basis', it.legal_basis)
                            ORDER BY vt.id), '[]')
     FROM visit_item vt JOIN item it ON it.id = vt.item WHERE vt.visit = v.id) AS x_items
FROM visit v LEFT JOIN enterprise e ON e.id = v.enterprise WHERE v.id = $1
"""
UNLINKED_INSERT = (
    "INSERT INTO audit_event (seq, at, actor, type, subject, payload, prev_hash, hash, link_prefix, link_suffix) "
    "VALUES (-nextval('audit_placeholder_seq'), {}, {}, {}, {}, {}, '', '', {}, {})"
)
_original_append = audit.append


async def load_visit(visit_id: int) -> dict[str, Any] | None:
    if visit_id > verification.MAX_DB_INT:
        return None
    row = await current_engine().pool.fetchrow(VISIT_SQL, visit_id)  # type: ignore[attr-defined]
    return dict(row) if row else None


async def visit_on_code(row: dict[str, Any]) -> VisitOnCode:
    """api.services.verification._visit_on_code over the aggregates fetched with the visit."""
    units, inspectors, items = (json.loads(row[k]) for k in ("x_units", "x_inspectors", "x_items"))
    kind = VisitKind(row["kind"])
    service_type = ServiceType(row["service_type"]) if row["service_type"] else None
    trigger = VisitTrigger(row["trigger_type"]) if row["trigger_type"] else None
    kind_label, service_notice = texts.kind_text(kind, service_type)
    status = VisitStatus(row["status"])
    return VisitOnCode(
        visit_id=row["id"],
        enterprise_name=row["enterprise_name"] or "",
        uscc=row["enterprise_uscc"] or "",
        units=sorted(
            (UnitOnCode(name=u["name"], lead=u["unit"] == row["lead_unit"]) for u in units), key=lambda u: not u.lead
        ),
        inspectors=[InspectorOnCode(name=i["name"], cert_no=i["cert_no"] or "") for i in inspectors],
        items=[ItemOnCode(code=i["code"], name=i["name"], legal_basis=i["legal_basis"]) for i in items],
        window_start=texts.local(row["window_start"]),
        window_end=texts.local(row["window_end"]),
        window_text=texts.window_text(row["window_start"], row["window_end"]),
        status=status,
        status_text=texts.STATUS_TEXT[status],
        checked_in_at=texts.local(row["checked_in_at"]) if row["checked_in_at"] else None,
        checked_out_at=texts.local(row["checked_out_at"]) if row["checked_out_at"] else None,
        kind=kind,
        kind_text=kind_label,
        is_inspection=kind is VisitKind.enforcement,
        service_type=service_type,
        service_notice=service_notice,
        origin=VisitOrigin(row["origin"]),
        trigger_type=trigger,
        origin_text=texts.origin_text(row["origin"], trigger),
        is_emergency=bool(row["is_emergency"]),
    )


async def verify_visit_code(
    token_text: str, env: VisitEnv, now: dt.datetime, *, expected_uscc: str | None = None, channel: str, client: str
) -> VerificationRead:
    """api.services.verification.verify_visit_code with the log row inserted by raw SQL."""
    view = await verification._verify(token_text, env, now, expected_uscc)
    channel = channel if channel in verification.CHANNELS else "json"
    visit_id = view.visit.visit_id if view.visit else None
    async with write_transaction():
        rows = await AuditEvent.raw(
            "INSERT INTO verification_log (at, visit_id, outcome, channel, client) VALUES ({}, {}, {}, {}, {}) "
            "RETURNING id",
            now,
            visit_id,
            view.outcome.value,
            channel,
            client[: verification.CLIENT_CHARS],
        )
        if visit_id is not None:
            payload = {"log_id": rows[0]["id"], "visit_id": visit_id, "outcome": view.outcome.value}
            payload |= {"channel": channel, "at": now}
            await audit.append("verification", "public", audit.visit_subject(visit_id), payload)
    return view


async def append_unlinked(event_type: str, actor_name: str, subject: str, payload: Any) -> int:
    """The link text split around its seq; the trigger computes seq, prev_hash and hash at COMMIT."""
    if not is_postgres():
        return await _original_append(event_type, actor_name, subject, payload)
    audit._ensure_write_transaction()
    at = dt.datetime.now(dt.UTC)
    actor, subject = actor_name[:64], subject[:64]
    text = canonical_json(normalize(payload))

    def quoted(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    prefix = f'{{"actor":{quoted(actor)},"at":"{iso_utc(at)}","payload":{text},"seq":'
    suffix = f',"subject":{quoted(subject)},"type":{quoted(event_type)}}}'
    await AuditEvent.raw(UNLINKED_INSERT, at, actor, event_type, subject, text, prefix, suffix)
    return 0  # the seq is known only after COMMIT; no caller uses it


if "verify" in PATCHES:
    verification._load_visit = load_visit
    verification._visit_on_code = visit_on_code
    public.verify_visit_code = verify_visit_code  # type: ignore[assignment]
if "chain" in PATCHES:
    audit.append = append_unlinked

from api.app import create_app  # noqa: E402

app = create_app()

"""Public verification of a visit code (检查码) scanned by the enterprise's phone, and of enterprise codes.

Nothing here trusts the scanned text: it is parsed by ``qr.codec``, verified by ``qr.tokens`` and only a
token whose signature verified is looked up. What the page shows about the visit comes from the
database, never from the token. Every visit-code verification is logged with coarse client facts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from api.context import ServiceContext
from api.registry.uscc import InvalidUSCC, normalize_uscc
from api.verification import texts
from api.verification.schemas import (
    EnterpriseCodeView,
    InspectorOnCode,
    ItemOnCode,
    RevocationList,
    RevocationRead,
    UnitOnCode,
    VerificationOutcome,
    VerificationRead,
    VisitOnCode,
)
from api.visits.codes import revocations_since
from api.visits.enterprise_codes import verify_enterprise_token
from api.visits.people import InvalidInspector, invalid_inspectors
from api.visits.rules import LOCAL_TZ
from models.enums import ServiceType, VisitKind, VisitOrigin, VisitStatus, VisitTrigger
from models.fastsql import PrebuiltSQL
from models.tables import Enterprise
from models.visit_tables import VerificationLog, Visit, VisitInspector, VisitItem, VisitUnit
from qr import EnterpriseClaims, Outcome, VisitClaims, token_from_url_or_text, verify_token
from qr.codec import encode_token

VerificationView = VerificationRead

MAX_TOKEN_TEXT = 1024  # a real code is ~340 Base32 characters; anything longer is refused unread
MAX_DB_INT = 2**31 - 1
CLIENT_CHARS = 120
CHANNELS = ("page", "json")

_QR_OUTCOMES = {
    Outcome.VALID: VerificationOutcome.valid,
    Outcome.NOT_YET_VALID: VerificationOutcome.not_yet_valid,
    Outcome.EXPIRED: VerificationOutcome.expired,
    Outcome.UNKNOWN_KEY: VerificationOutcome.unknown_key,
    Outcome.BAD_SIGNATURE: VerificationOutcome.bad_signature,
    Outcome.MALFORMED: VerificationOutcome.malformed,
}
_SIGNED = (Outcome.VALID, Outcome.NOT_YET_VALID, Outcome.EXPIRED)

# Every phone scan runs these two statements, so they are written once here and run without building a Piccolo
# query (models/fastsql.py). The read brings the visit's columns that the page shows, its enterprise, and the
# facts of the two rare branches: a revocation voiding codes issued at or before the code's iat (a visit's codes
# have strictly increasing iat, so a revocation of an older code never touches a newer one) and a named inspector
# whose 执法证 is not valid today (checked on every verification, never cached).
_VISIT_SQL = PrebuiltSQL(
    Visit,
    "SELECT v.id, v.lead_unit, v.kind, v.service_type, v.origin, v.trigger_type, v.window_start, v.window_end, "
    "v.plan_task_id, "
    "v.status, v.is_emergency, v.code_token, v.code_issued_at, v.code_no, v.checked_in_at, v.checked_out_at, "
    "e.name AS enterprise_name, e.uscc AS enterprise_uscc, "
    "(SELECT MAX(r.reason) FROM code_revocation r WHERE r.visit = v.id AND r.revoked_before >= {}) AS revoked, "
    "EXISTS (SELECT 1 FROM visit_inspector vi JOIN inspector i ON i.id = vi.inspector WHERE vi.visit = v.id "
    "AND v.kind = 'enforcement' AND (i.status <> 'valid' OR i.is_auxiliary OR i.valid_from IS NULL "
    "OR i.valid_to IS NULL OR i.valid_from > {} OR i.valid_to < {})) AS people_invalid "
    "FROM visit v LEFT JOIN enterprise e ON e.id = v.enterprise WHERE v.id = {}",
)
_LOG_SQL = PrebuiltSQL(
    VerificationLog,
    "INSERT INTO verification_log (at, visit_id, outcome, channel, client) VALUES ({}, {}, {}, {}, {})",
)


def parse_token(token_text: object) -> bytes | None:
    """Token bytes from a path segment, bare Base32 or a scanned URL; None for anything else."""
    if not isinstance(token_text, str) or len(token_text) > MAX_TOKEN_TEXT:
        return None
    try:
        return token_from_url_or_text(token_text)
    except ValueError:  # MalformedToken and anything else the codec refuses
        return None


def _normalized_uscc(raw: str) -> str:
    try:
        return normalize_uscc(raw)
    except InvalidUSCC:
        return raw.strip().upper()


async def verify_visit_code(
    token_text: str,
    env: ServiceContext,
    now: dt.datetime,
    *,
    expected_uscc: str | None = None,
    channel: str,
    client: str,
) -> VerificationView:
    """Verify a scanned visit code; always returns a view (never raises for what a forger sends) and logs it."""
    view = await _verify(token_text, env, now, expected_uscc)
    # Logged, not linked one by one into the audit chain: audit_digest folds the log in before each checkpoint.
    row = (
        now,
        view.visit.visit_id if view.visit else None,
        view.outcome.value,
        channel if channel in CHANNELS else "json",
        client[:CLIENT_CHARS],
    )
    if env.verification_log_sink is not None:
        env.verification_log_sink(*row)  # written with the next batch (RUQI_VERIFY_LOG_FLUSH_MS)
    else:
        await _LOG_SQL.execute(*row)
    return view


async def _verify(
    token_text: str, env: ServiceContext, now: dt.datetime, expected_uscc: str | None
) -> VerificationView:
    raw = parse_token(token_text)
    if raw is None:
        return _view(VerificationOutcome.malformed, now)
    result = verify_token(raw, env.keyring, now)
    if result.outcome is Outcome.UNKNOWN_KEY:  # perhaps an enterprise code, signed with the enterprise key ring
        other = verify_enterprise_token(raw, env, now)
        if isinstance(other.claims, EnterpriseClaims):
            result = other
    claims = result.claims
    if result.outcome not in _SIGNED or claims is None:
        return _view(_QR_OUTCOMES[result.outcome], now)
    if isinstance(claims, EnterpriseClaims):
        return _view(VerificationOutcome.malformed, now, reason=texts.ENTERPRISE_TOKEN_REASON)
    assert isinstance(claims, VisitClaims)
    row = await _load_visit(claims, now)
    if row is None:
        return _view(VerificationOutcome.cancelled, now, claims, reason=texts.NO_VISIT_REASON)
    invalid = await invalid_inspectors(row["id"], now) if row["people_invalid"] else []
    visit = await _visit_on_code(row, env.filed_parts, invalid)
    void_reason = _void_reason(row, claims)
    if void_reason is None and not _lists_match(claims, visit):
        void_reason = texts.LISTS_MISMATCH_REASON
    if invalid and (void_reason is None or void_reason == texts.INSPECTOR_REVOKED_REASON):
        # Name whoever is no longer valid: the enterprise may refuse them.
        void_reason = texts.inspectors_invalid_reason([f"{i.name}（执法证号 {i.cert_no}）" for i in invalid])
    if void_reason is not None:
        return _view(
            VerificationOutcome.cancelled,
            now,
            claims,
            visit,
            reason=void_reason,
            detail=texts.VOID_DETAIL.get(texts.INSPECTOR_REVOKED_REASON if invalid else void_reason),
        )
    if expected_uscc and expected_uscc.strip() and _normalized_uscc(expected_uscc) != claims.uscc:
        return _view(VerificationOutcome.enterprise_mismatch, now, claims, visit)
    outcome = _QR_OUTCOMES[result.outcome]
    # Whether rating is open, never whether the enterprise has rated: the code's holders include the inspectors.
    can_rate = (
        outcome in (VerificationOutcome.valid, VerificationOutcome.expired)
        and row["status"] == VisitStatus.checked_out.value
    )
    return _view(outcome, now, claims, visit, can_rate=can_rate)


def _lists_match(claims: VisitClaims, visit: VisitOnCode) -> bool:
    """The code names (or digests) exactly the filed inspectors and items the page shows."""
    certs = [i.cert_no for i in visit.inspectors if i.cert_no]
    return claims.lists_match(certs, [i.code for i in visit.items]) or (
        # codes issued before this check existed left out the items of a joint visit that did not fit
        claims.lists_digest is None and not claims.item_codes and tuple(certs) == claims.cert_numbers
    )


def _void_reason(row: dict[str, Any], claims: VisitClaims) -> str | None:
    """Why a genuinely signed code no longer counts: cancelled, superseded by a newer code, or revoked."""
    if row["status"] == VisitStatus.cancelled.value:
        return texts.CANCELLED_REASON
    issued = row["code_issued_at"]
    if issued is None or claims.issued_at < issued:
        return texts.SUPERSEDED_REASON
    if row["revoked"]:
        return texts.INSPECTOR_REVOKED_REASON if row["revoked"] == "inspector" else texts.REVOKED_REASON
    return None


def _view(
    outcome: VerificationOutcome,
    now: dt.datetime,
    claims: VisitClaims | None = None,
    visit: VisitOnCode | None = None,
    *,
    reason: str | None = None,
    can_rate: bool = False,
    detail: str | None = None,
) -> VerificationView:
    tone, headline, default_reason, default_detail = texts.outcome_text(outcome)
    detail = detail or default_detail
    return VerificationRead(
        outcome=outcome,
        valid=outcome is VerificationOutcome.valid,
        tone=tone,
        headline=headline,
        reason=reason if reason is not None else default_reason,
        detail=detail,
        checked_at=texts.local(now),
        code_valid_from=texts.local(claims.not_before) if claims else None,
        code_valid_until=texts.local(claims.expires_at) if claims else None,
        visit=visit,
        rights=texts.RIGHTS,
        can_rate=can_rate,
    )


async def _load_visit(claims: VisitClaims, now: dt.datetime) -> dict[str, Any] | None:
    """The visit as ``_VISIT_SQL`` reads it; ``revoked`` is the reason of a revocation that voids this code."""
    if claims.visit_id > MAX_DB_INT:
        return None
    today = now.astimezone(LOCAL_TZ).date()
    row = await _VISIT_SQL.fetchrow(claims.issued_at, today, today, claims.visit_id)
    if row is not None:  # EXISTS has no declared type: SQLite gives 0/1, asyncpg a bool
        row["people_invalid"] = bool(row["people_invalid"])
    return row


# A visit's units, inspectors and items are fixed once it is filed, so the verify path (every phone scan)
# reads them once per process; the TTL bounds how long a renamed inspector or item shows its old name.
_PEOPLE_TTL_S = 300.0
_PEOPLE_MAX = 10_000


async def _people_and_items(vid: int, cache: dict[int, Any]) -> tuple[list[dict[str, Any]], ...]:
    cached = cache.get(vid)
    if cached is not None and cached[0] > time.monotonic():
        people_and_items: tuple[list[dict[str, Any]], ...] = cached[1]
        return people_and_items
    rows = await _read_people_and_items(vid)
    if len(cache) >= _PEOPLE_MAX:
        cache.clear()
    cache[vid] = (time.monotonic() + _PEOPLE_TTL_S, rows)
    return rows


async def _read_people_and_items(vid: int) -> tuple[list[dict[str, Any]], ...]:
    return tuple(
        await asyncio.gather(
            VisitUnit.select(VisitUnit.unit, VisitUnit.unit._.name.as_alias("name"))
            .where(VisitUnit.visit == vid)
            .run(),
            VisitInspector.select(
                VisitInspector.inspector._.name.as_alias("name"), VisitInspector.inspector._.cert_no.as_alias("cert_no")
            )
            .where(VisitInspector.visit == vid)
            .order_by(VisitInspector.id)
            .run(),
            VisitItem.select(
                VisitItem.item._.code.as_alias("code"),
                VisitItem.item._.name.as_alias("name"),
                VisitItem.item._.legal_basis.as_alias("legal_basis"),
            )
            .where(VisitItem.visit == vid)
            .order_by(VisitItem.id)
            .run(),
        )
    )


async def _visit_on_code(
    row: dict[str, Any], cache: dict[int, Any], invalid: list[InvalidInspector] | None = None
) -> VisitOnCode:
    units, inspectors, items = await _people_and_items(row["id"], cache)
    not_valid = {i.cert_no: texts.PROBLEM_TEXT[i.problem] for i in invalid or []}
    vid = row["id"]
    kind = VisitKind(row["kind"])
    service_type = ServiceType(row["service_type"]) if row["service_type"] else None
    trigger = VisitTrigger(row["trigger_type"]) if row["trigger_type"] else None
    kind_label, service_notice = texts.kind_text(kind, service_type)
    status = VisitStatus(row["status"])
    return VisitOnCode(
        visit_id=vid,
        enterprise_name=row["enterprise_name"] or "",
        uscc=row["enterprise_uscc"] or "",
        units=sorted(
            (UnitOnCode(name=u["name"], lead=u["unit"] == row["lead_unit"]) for u in units), key=lambda u: not u.lead
        ),
        inspectors=[
            InspectorOnCode(
                name=i["name"],
                cert_no=i["cert_no"] or "",
                valid=(i["cert_no"] or "") not in not_valid,
                problem=not_valid.get(i["cert_no"] or "", ""),
            )
            for i in inspectors
        ],
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
        origin_text=texts.origin_text(row["origin"], trigger, row["plan_task_id"] is not None),
        is_emergency=bool(row["is_emergency"]),
    )


def live_visit_id(token_text: str, env: ServiceContext, now: dt.datetime) -> int | None:
    """The visit whose live updates a page may follow: only for a visit code whose signature verified."""
    raw = parse_token(token_text)
    if raw is None:
        return None
    result = verify_token(raw, env.keyring, now)
    if result.outcome in _SIGNED and isinstance(result.claims, VisitClaims):
        return result.claims.visit_id
    return None


async def read_enterprise_code(token_text: str, env: ServiceContext, now: dt.datetime) -> EnterpriseCodeView:
    """What an ordinary camera that opened an enterprise code (/E/…) should be told."""
    raw = parse_token(token_text)
    result = None
    if raw is not None:
        result = verify_token(raw, env.keyring, now)
        if result.outcome is Outcome.UNKNOWN_KEY:  # an enterprise code: signed with the enterprise key ring
            result = verify_enterprise_token(raw, env, now)
    claims = result.claims if result is not None and result.outcome in _SIGNED else None
    if isinstance(claims, EnterpriseClaims):
        row = await Enterprise.select(Enterprise.name).where(Enterprise.uscc == claims.uscc).first()
        return EnterpriseCodeView(
            valid=True,
            headline="这是企业码",
            reason="供执法人员扫码签到，不是检查码",
            enterprise_name=row["name"] if row else "（未登记的企业）",
            uscc=claims.uscc,
            visit_path="",
        )
    if isinstance(claims, VisitClaims) and raw is not None:
        return EnterpriseCodeView(
            valid=False,
            headline="这是检查码，不是企业码",
            reason="请在检查码核验页面查看该检查是否已备案。",
            enterprise_name="",
            uscc="",
            visit_path=f"/V/{encode_token(raw)}",
        )
    outcome = _QR_OUTCOMES[result.outcome] if result is not None else VerificationOutcome.malformed
    reason = texts.outcome_text(outcome)[2].replace("检查码", "企业码")
    return EnterpriseCodeView(
        valid=False, headline="无效的企业码", reason=reason, enterprise_name="", uscc="", visit_path=""
    )


async def revocation_list(since: int, now: dt.datetime) -> RevocationList:
    """Unexpired revocations after the cursor, for verifiers that work offline from the JWK Set."""
    rows = await revocations_since(max(since, 0), now)
    return RevocationList(
        cursor=max((r["id"] for r in rows), default=since),
        items=[
            RevocationRead(
                visit_id=r["visit"],
                revoked_before=r["revoked_before"],
                expires_at=r["expires_at"],
                reason=r["reason"],
                revoked_through_code=r["revoked_through_code"],
                seq=r["id"],
            )
            for r in rows
        ],
    )

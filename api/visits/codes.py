"""Per-visit codes (检查码) and enterprise codes (企业码): signing, revocation and cached rendering."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from typing import Any

from api.audit import chain as audit
from api.context import ServiceContext
from api.errors import NotFound, RuleViolation
from api.visits.schemas import CodeRead
from models.enums import VisitStatus
from models.tables import Enterprise
from models.visit_tables import CodeRevocation, Visit, VisitInspector, VisitItem
from qr import (
    EnterpriseClaims,
    KeyRing,
    VisitClaims,
    enterprise_url,
    render_png,
    render_svg,
    sign_enterprise,
    sign_visit,
    verify_token,
)
from qr.codec import decode_token, encode_token, visit_url
from qr.render import MAX_VERSION, qr_version

# Statuses in which the visit's code is shown by the inspector (亮码).
CODE_STATUSES = (VisitStatus.approved.value, VisitStatus.checked_in.value, VisitStatus.checked_out.value)


def _whole_seconds(moment: dt.datetime) -> dt.datetime:
    """Tokens carry NumericDate seconds; stored issue times must match them exactly."""
    return moment.replace(microsecond=0)


async def issue_code(visit_id: int, env: ServiceContext, now: dt.datetime) -> str:
    """Sign a new code for the visit and store it; returns the token text (Base32)."""
    visit = (
        await Visit.select(Visit.id, Visit.window_start, Visit.window_end, Visit.enterprise)
        .where(Visit.id == visit_id)
        .first()
    )
    if visit is None:
        raise NotFound(f"Visit {visit_id} does not exist.", code="visit_not_found")
    enterprise = await Enterprise.select(Enterprise.uscc).where(Enterprise.id == visit["enterprise"]).first()
    certs = [
        r["cert_no"]
        for r in await VisitInspector.select(VisitInspector.inspector._.cert_no.as_alias("cert_no"))
        .where(VisitInspector.visit == visit_id)
        .order_by(VisitInspector.id)
    ]
    items = [
        r["code"]
        for r in await VisitItem.select(VisitItem.item._.code.as_alias("code"))
        .where(VisitItem.visit == visit_id)
        .order_by(VisitItem.id)
    ]
    issued_at = _whole_seconds(now)
    token = b""
    # The QR must stay at version <= 11: if every item code does not fit, the offline claims keep the
    # inspectors and the verification page (online) still lists the items from the filing.
    for item_codes in (items, []):
        claims = VisitClaims.for_window(
            issuer=env.issuer,
            visit_id=visit_id,
            uscc=enterprise["uscc"] if enterprise else "",
            window_start=visit["window_start"],
            window_end=visit["window_end"],
            issued_at=issued_at,
            cert_numbers=[c for c in certs if c],
            item_codes=item_codes,
            grace=env.code_grace,
        )
        token = sign_visit(claims, env.keyring)
        version = qr_version(visit_url(env.public_base_url, token))
        if version is not None and version <= MAX_VERSION:
            break
    else:
        raise RuleViolation("The visit's code does not fit a QR code; file fewer inspectors.", code="code_too_large")
    text = encode_token(token)
    await Visit.update({Visit.code_token: text, Visit.code_issued_at: issued_at}).where(Visit.id == visit_id)
    await audit.append(
        "code.issued",
        "system",
        audit.visit_subject(visit_id),
        {
            "visit_id": visit_id,
            "issued_at": issued_at,
            "kid": env.keyring.signing_kid,
            "token_sha256": hashlib.sha256(text.encode("ascii")).hexdigest(),
            "item_codes_in_token": len(item_codes),
        },
        at=now,
    )
    return text


async def revoke_codes(
    visit_id: int, revoked_through: dt.datetime, expires_at: dt.datetime, reason: str, now: dt.datetime
) -> None:
    """Codes of the visit issued at or before ``revoked_through`` (the last voided code's issue time) are void.

    Using the voided code's own issue time, not the clock, keeps a code re-issued in the same second valid.
    The entry is listed for offline verifiers until the voided codes expire.
    """
    await CodeRevocation.insert(
        CodeRevocation(visit=visit_id, revoked_before=revoked_through, reason=reason, expires_at=expires_at, at=now)
    )


async def revocations_since(cursor: int, now: dt.datetime, limit: int = 1000) -> list[dict[str, Any]]:
    rows = (
        await CodeRevocation.select()
        .where((CodeRevocation.id > cursor) & (CodeRevocation.expires_at > now))
        .order_by(CodeRevocation.id)
        .limit(limit)
    )
    return rows


async def current_code(visit_row: dict[str, Any], env: ServiceContext) -> CodeRead:
    if visit_row["status"] not in CODE_STATUSES or not visit_row["code_token"]:
        raise RuleViolation(
            "The visit has no code: codes are issued only for filed visits approved by the unit head.",
            code="code_not_issued",
        )
    return _code_read(visit_row["id"], visit_row["code_token"], visit_row["code_issued_at"], env)


def _code_read(visit_id: int, token_text: str, issued_at: dt.datetime, env: ServiceContext) -> CodeRead:
    url, kid, version, size, claims = _token_facts(token_text, env.public_base_url, env.keyring, issued_at)
    return CodeRead(
        visit_id=visit_id,
        url=url,
        token=token_text,
        kid=kid,
        qr_version=version,
        token_bytes=size,
        not_before=claims.not_before,
        expires_at=claims.expires_at,
        issued_at=claims.issued_at,
    )


# A stored code never changes (a new code is a new token), so its signature check and QR version are
# computed once per process: the inspector's phone re-fetches the same code many times a day.
@lru_cache(maxsize=4096)
def _token_facts(
    token_text: str, base_url: str, keyring: KeyRing, issued_at: dt.datetime
) -> tuple[str, str, int, int, VisitClaims]:
    token = decode_token(token_text)
    url = visit_url(base_url, token)
    result = verify_token(token, keyring, issued_at)
    claims = result.claims
    assert isinstance(claims, VisitClaims)
    return url, result.kid or "", qr_version(url) or 0, len(token), claims


@lru_cache(maxsize=4096)
def render_cached(url: str, fmt: str) -> bytes:
    """Render each code once per process; later requests are served from memory."""
    if fmt == "png":
        return render_png(url, box_size=8)
    return render_svg(url, box_size=8).encode()


def enterprise_code_url(uscc: str, env: ServiceContext) -> str:
    """The enterprise's static code: deterministic (Ed25519) for a given signing key."""
    signing = next(k for k in env.keyring.key_infos() if k.kid == env.keyring.signing_kid)
    claims = EnterpriseClaims(issuer=env.issuer, uscc=uscc, issued_at=_whole_seconds(signing.created_at))
    return enterprise_url(env.public_base_url, sign_enterprise(claims, env.keyring))

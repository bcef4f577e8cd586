"""Per-visit codes (检查码) and enterprise codes (企业码): signing, revocation and cached rendering."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from typing import Any

from api.audit import chain as audit
from api.context import ServiceContext
from api.errors import NotFound, RuleViolation
from api.i18n import tr
from api.visits.schemas import CodeRead
from models.enums import VisitStatus
from models.tables import Enterprise
from models.visit_tables import CodeRevocation, Visit, VisitInspector, VisitItem, VisitUnit
from qr import (
    KeyRing,
    VisitClaims,
    render_png,
    render_svg,
    sign_visit,
    verify_token,
)
from qr.codec import decode_token, encode_token, visit_url
from qr.render import LARGE_MAX_VERSION, MAX_VERSION, qr_version

# Statuses in which the visit's code is shown by the inspector (亮码).
CODE_STATUSES = (VisitStatus.approved.value, VisitStatus.checked_in.value, VisitStatus.checked_out.value)


def _whole_seconds(moment: dt.datetime) -> dt.datetime:
    """Tokens carry NumericDate seconds; stored issue times must match them exactly."""
    return moment.replace(microsecond=0)


SMALL_VISIT_INSPECTORS = 4  # a single-unit visit with up to this many inspectors keeps QR version <= 11


def version_limit(unit_count: int, inspector_count: int) -> int:
    """The largest QR version a visit's code may use: 11 for a small visit, 15 for a joint or larger one."""
    small = unit_count <= 1 and inspector_count <= SMALL_VISIT_INSPECTORS
    return MAX_VERSION if small else LARGE_MAX_VERSION


def fit_claims(
    env: ServiceContext,
    *,
    visit_id: int,
    uscc: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    issued_at: dt.datetime,
    certs: list[str],
    items: list[str],
    limit: int,
) -> tuple[bytes, VisitClaims]:
    """The signed code: with the full lists when they fit ``limit``, else with their digest (never silently
    without a list). RuleViolation ``code_too_large`` when even the compact form does not fit."""
    for compact in (False, True):
        claims = VisitClaims.for_window(
            issuer=env.issuer,
            visit_id=visit_id,
            uscc=uscc,
            window_start=window_start,
            window_end=window_end,
            issued_at=issued_at,
            cert_numbers=certs,
            item_codes=items,
            grace=env.code_grace,
            compact=compact,
        )
        token = sign_visit(claims, env.keyring)
        version = qr_version(visit_url(env.public_base_url, token))
        if version is not None and version <= limit:
            return token, claims
    raise RuleViolation(
        tr("The visit's code would not fit a QR code of version {limit}; file fewer inspectors or items.", limit=limit),
        code="code_too_large",
    )


async def check_code_fits(
    env: ServiceContext,
    uscc: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    units: int,
    certs: list[str],
    items: list[str],
    now: dt.datetime,
) -> None:
    """At filing: refuse a visit whose code could not be encoded (with the largest id, so the real one fits)."""
    fit_claims(
        env,
        visit_id=2**31 - 1,
        uscc=uscc,
        window_start=window_start,
        window_end=window_end,
        issued_at=_whole_seconds(now),
        certs=certs,
        items=items,
        limit=version_limit(units, len(certs)),
    )


async def _next_issue_time(visit_id: int, current: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """Whole seconds (tokens carry NumericDate), and strictly after every earlier code of the visit, revoked or
    not: "void if issued at or before T" then never reaches a newer code, even one re-issued in the same second."""
    latest = (
        await CodeRevocation.select(CodeRevocation.revoked_before)
        .where(CodeRevocation.visit == visit_id)
        .order_by(CodeRevocation.revoked_before, ascending=False)
        .first()
    )
    earlier = [m for m in (current, latest["revoked_before"] if latest else None) if m is not None]
    issued_at = _whole_seconds(now)
    if earlier and issued_at <= max(earlier):
        issued_at = _whole_seconds(max(earlier)) + dt.timedelta(seconds=1)
    return issued_at


async def issue_code(visit_id: int, env: ServiceContext, now: dt.datetime) -> str:
    """Sign a new code for the visit (the next serial) and store it; returns the token text (Base32)."""
    visit = (
        await Visit.select(
            Visit.id, Visit.window_start, Visit.window_end, Visit.enterprise, Visit.code_no, Visit.code_issued_at
        )
        .where(Visit.id == visit_id)
        .first()
    )
    if visit is None:
        raise NotFound(tr("Visit {visit_id} does not exist.", visit_id=visit_id), code="visit_not_found")
    enterprise = await Enterprise.select(Enterprise.uscc).where(Enterprise.id == visit["enterprise"]).first()
    certs, items = await visit_lists(visit_id)
    units = await VisitUnit.count().where(VisitUnit.visit == visit_id)
    issued_at = await _next_issue_time(visit_id, visit["code_issued_at"], now)
    code_no = int(visit["code_no"] or 0) + 1
    token, claims = fit_claims(
        env,
        visit_id=visit_id,
        uscc=enterprise["uscc"] if enterprise else "",
        window_start=visit["window_start"],
        window_end=visit["window_end"],
        issued_at=issued_at,
        certs=certs,
        items=items,
        limit=version_limit(units, len(certs)),
    )
    text = encode_token(token)
    await Visit.update({Visit.code_token: text, Visit.code_issued_at: issued_at, Visit.code_no: code_no}).where(
        Visit.id == visit_id
    )
    await audit.append(
        "code.issued",
        "system",
        audit.visit_subject(visit_id),
        {
            "visit_id": visit_id,
            "issued_at": issued_at,
            "code_no": code_no,
            "kid": env.keyring.signing_kid,
            "token_sha256": hashlib.sha256(text.encode("ascii")).hexdigest(),
            "item_codes_in_token": len(claims.item_codes),
            "lists_digest": claims.lists_digest.hex() if claims.lists_digest else None,
        },
        at=now,
    )
    return text


async def visit_lists(visit_id: int) -> tuple[list[str], list[str]]:
    """The 执法证 numbers and item codes of the visit in filing order: what its code names (or digests)."""
    certs = [
        r["cert_no"]
        for r in await VisitInspector.select(VisitInspector.inspector._.cert_no.as_alias("cert_no"))
        .where(VisitInspector.visit == visit_id)
        .order_by(VisitInspector.id)
        if r["cert_no"]
    ]
    items = [
        r["code"]
        for r in await VisitItem.select(VisitItem.item._.code.as_alias("code"))
        .where(VisitItem.visit == visit_id)
        .order_by(VisitItem.id)
    ]
    return certs, items


async def revoke_codes(
    visit_id: int,
    through_code: int,
    revoked_through: dt.datetime,
    expires_at: dt.datetime,
    reason: str,
    now: dt.datetime,
) -> None:
    """Codes of the visit issued at or before ``revoked_through`` (the last voided code's issue time; its serial is
    ``through_code``) are void. A later code is issued strictly after it (``_next_issue_time``), so it stays valid
    even when re-issued in the same second. The entry is listed for offline verifiers until the voided codes
    expire, ordered by its ``seq``."""
    await CodeRevocation.insert(
        CodeRevocation(
            visit=visit_id,
            revoked_before=revoked_through,
            revoked_through_code=through_code,
            reason=reason,
            expires_at=expires_at,
            at=now,
        )
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
            tr("The visit has no code: codes are issued only for filed visits approved by the unit head."),
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
    # The version limit was applied when the code was issued (11 or 15); the image only draws it.
    if fmt == "png":
        return render_png(url, box_size=8, max_version=LARGE_MAX_VERSION)
    return render_svg(url, box_size=8, max_version=LARGE_MAX_VERSION).encode()


def enterprise_code_url(uscc: str, env: ServiceContext) -> str:
    """The enterprise's first code (never re-issued): see ``api.visits.enterprise_codes``."""
    from api.visits.enterprise_codes import code_url

    return code_url(uscc, env, None)

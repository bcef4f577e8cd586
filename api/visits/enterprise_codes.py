"""The enterprise code (企业码): signed with its own long-lived key, re-issued on request.

Visit codes live for hours and their signing key is rotated (``ruqi rotate-keys``); an enterprise code is printed
and posted at the premises for years. So enterprise codes are signed with a separate key ring
(``$RUQI_DATA_DIR/enterprise_keys``) that ``rotate-keys`` never touches: rotating the visit key leaves every
printed enterprise code working. Codes printed before that key existed (signed with a visit key) keep working
while their key is kept.

An enterprise (or an admin or the supervisor) re-issues its code when a copy went astray: the new code is issued
now, and older printed copies keep working for a grace period (default 7 days, 0–30) so the new print can be
posted, then scans of them are refused (``enterprise_code_replaced``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import anyio
import msgspec

from api.actor import Actor
from api.audit import chain as audit
from api.clock import LOCAL_TZ
from api.context import ServiceContext
from api.errors import NotFound, RuleViolation
from api.i18n import tr
from api.registry.uscc import normalize_uscc
from models.db import write_transaction
from models.enums import Role
from models.tables import Enterprise
from qr import EnterpriseClaims, KeyRing, Outcome, VerifyResult, enterprise_url, sign_enterprise, verify_token
from qr.poster import PosterText, render_poster

DEFAULT_GRACE_DAYS = 7


class EnterpriseCodeReissue(msgspec.Struct):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    grace_days: Annotated[int, msgspec.Meta(ge=0, le=30)] = DEFAULT_GRACE_DAYS


class EnterpriseCodeReissued(msgspec.Struct):
    uscc: str
    url: str
    issued_at: dt.datetime
    previous_valid_until: dt.datetime  # older printed copies are refused from then on


def signing_ring(env: ServiceContext) -> KeyRing:
    return env.enterprise_keyring or env.keyring


def _whole_seconds(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=0)


def _first_issue_time(env: ServiceContext) -> dt.datetime:
    ring = signing_ring(env)
    signing = next(k for k in ring.key_infos() if k.kid == ring.signing_kid)
    return _whole_seconds(signing.created_at)


def code_url(uscc: str, env: ServiceContext, issued_at: dt.datetime | None) -> str:
    """Deterministic (Ed25519) for a given key and issue time: the same print every time it is fetched."""
    claims = EnterpriseClaims(issuer=env.issuer, uscc=uscc, issued_at=issued_at or _first_issue_time(env))
    return enterprise_url(env.public_base_url, sign_enterprise(claims, signing_ring(env)))


def verify_enterprise_token(content: bytes | str, env: ServiceContext, now: dt.datetime) -> VerifyResult:
    """Against the enterprise key ring, then the visit key ring (codes printed before the dedicated key)."""
    result = verify_token(content, signing_ring(env), now)
    if result.outcome is Outcome.UNKNOWN_KEY and env.enterprise_keyring is not None:
        return verify_token(content, env.keyring, now)
    return result


def code_accepted(row: dict[str, Any], issued_at: dt.datetime, now: dt.datetime) -> bool:
    """The current code, or an older copy within the grace period of the last re-issue."""
    current = row.get("code_issued_at")
    if current is None or issued_at >= current:
        return True
    previous, until = row.get("code_previous_issued_at"), row.get("code_previous_until")
    if until is None or now >= until:
        return False
    return previous is None or issued_at >= previous


def _ensure_reader(actor: Actor, uscc: str) -> None:
    own = actor.role == Role.enterprise and actor.uscc == uscc
    if not (own or actor.role in (Role.admin, Role.supervisor)):
        raise NotFound(tr("No enterprise code for {uscc} here.", uscc=uscc), code="enterprise_not_found")


async def _enterprise(uscc: str) -> dict[str, Any]:
    row = (
        await Enterprise.select(
            Enterprise.id, Enterprise.code_issued_at, Enterprise.code_previous_issued_at, Enterprise.code_previous_until
        )
        .where(Enterprise.uscc == uscc)
        .first()
    )
    if row is None:
        raise NotFound(tr("No enterprise with 统一社会信用代码 {uscc}.", uscc=uscc), code="enterprise_not_found")
    return row


async def current_code_url(actor: Actor, uscc: str, env: ServiceContext) -> str:
    code = normalize_uscc(uscc)
    _ensure_reader(actor, code)
    row = await _enterprise(code)
    return code_url(code, env, row["code_issued_at"])


async def reissue(
    actor: Actor, uscc: str, data: EnterpriseCodeReissue, env: ServiceContext, now: dt.datetime
) -> EnterpriseCodeReissued:
    code = normalize_uscc(uscc)
    _ensure_reader(actor, code)
    async with write_transaction():
        row = await _enterprise(code)
        current = row["code_issued_at"] or _first_issue_time(env)
        issued_at = max(_whole_seconds(now), current + dt.timedelta(seconds=1))
        until = now + dt.timedelta(days=data.grace_days)
        # Every older print (also one still in an earlier grace period) works until this re-issue's grace ends.
        in_grace = row["code_previous_until"] is not None and now < row["code_previous_until"]
        previous = row["code_previous_issued_at"] if in_grace else current
        updated = (
            await Enterprise.update(
                {
                    Enterprise.code_issued_at: issued_at,
                    Enterprise.code_previous_issued_at: previous,
                    Enterprise.code_previous_until: until,
                }
            )
            .where((Enterprise.id == row["id"]) & _same(row["code_issued_at"]))
            .returning(Enterprise.id)
        )
        if not updated:
            raise RuleViolation(
                tr("The enterprise code was re-issued by another request meanwhile; reload it."),
                code="state_changed",
            )
        await audit.append(
            "enterprise.code_reissued",
            actor.username,
            audit.enterprise_subject(code),
            {
                "uscc": code,
                "issued_at": issued_at,
                "previous_issued_at": previous,
                "previous_valid_until": until,
                "reason": data.reason,
            },
            at=now,
        )
    return EnterpriseCodeReissued(
        uscc=code, url=code_url(code, env, issued_at), issued_at=issued_at, previous_valid_until=until
    )


def _same(issued_at: dt.datetime | None) -> Any:
    column = Enterprise.code_issued_at
    return column.is_null() if issued_at is None else column == issued_at


async def enterprise_poster(uscc: str, url: str, env: ServiceContext, now: dt.datetime) -> bytes:
    """The enterprise code ``url`` as an A4 poster (PNG, 300 dpi); rendered in a worker thread (about 0.6 s of CPU)."""
    row = await Enterprise.select(Enterprise.name).where(Enterprise.uscc == uscc).first()
    if row is None:
        raise NotFound(tr("No enterprise with 统一社会信用代码 {uscc}.", uscc=uscc), code="enterprise_not_found")
    day = now.astimezone(LOCAL_TZ).date().isoformat()
    text = PosterText(str(row["name"]), uscc, footer=f"核验网址 {env.public_base_url} · {day} 生成")
    return await anyio.to_thread.run_sync(render_poster, url, text)

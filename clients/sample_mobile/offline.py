"""The enterprise phone without a network: a cached JWK Set and revocation list, and an offline verdict.

``refresh`` follows HTTP caching: an entry younger than its ``Cache-Control: max-age`` is not asked for
again (unless forced); an older one is revalidated with ``If-None-Match`` (304 costs no body). The
revocation list is fetched by cursor (``?since=``), page after page, and kept locally until each entry's
code has expired.

``verify_offline`` checks the code's signature against the cached keys and looks the visit up in the
cached revocations. "as of" is when the cache was last confirmed by the server (the older of keys and
revocations); past ``max_age`` a valid-looking code "needs an online check".
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

import msgspec

from clients.sample_mobile.api_client import JWKS_PATH, LOCAL_TZ, REVOCATIONS_PATH, ApiClient
from clients.sample_mobile.schemas import RevocationList
from clients.sample_mobile.store import get, iso, parse_iso, utcnow
from clients.sample_mobile.tokens import (
    KIND_VISIT,
    BadSignature,
    Claims,
    Malformed,
    UnknownKey,
    keys_from_jwks,
    lists_match,
    token_bytes,
    verify_signature,
)

DEFAULT_MAX_AGE = dt.timedelta(hours=24)
CURSOR_KEY = "revocation_cursor"
MAX_PAGES = 100


@dataclass(frozen=True)
class Fetch:
    path: str
    result: str  # "fetched", "not modified", "fresh in cache"
    body: bytes | None = None  # only when fetched: the caller stores it with ``_store`` in its transaction
    etag: str | None = None
    max_age: int = 0


@dataclass(frozen=True)
class RefreshReport:
    jwks: str
    revocations: str
    new_revocations: int
    as_of: dt.datetime | None


def _validated(db: sqlite3.Connection, path: str) -> dt.datetime | None:
    row = db.execute("SELECT validated_at FROM http_cache WHERE url = ?", (path,)).fetchone()
    return parse_iso(row["validated_at"]) if row else None


def _fetch(db: sqlite3.Connection, api: ApiClient, path: str, force: bool, now: dt.datetime) -> Fetch:
    """One cacheable GET: skipped while fresh, revalidated with If-None-Match, or fetched."""
    row = db.execute("SELECT * FROM http_cache WHERE url = ?", (path,)).fetchone()
    if row and not force and now < parse_iso(row["validated_at"]) + dt.timedelta(seconds=row["max_age"]):
        return Fetch(path, "fresh in cache")
    answer = api.conditional_get(path, row["etag"] if row else None, force=force)
    if answer.status == 304 and row:
        with db:
            db.execute(
                "UPDATE http_cache SET validated_at = ?, max_age = ?, etag = ? WHERE url = ?",
                (iso(now), answer.max_age, answer.etag, path),
            )
        return Fetch(path, "not modified")
    return Fetch(path, "fetched", answer.body or b"", answer.etag, answer.max_age)


def _store(db: sqlite3.Connection, fetch: Fetch, now: dt.datetime) -> None:
    """Keep a fetched body; call inside the transaction that also stores what was read from it."""
    db.execute(
        "INSERT INTO http_cache (url, etag, body, validated_at, max_age) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, body = excluded.body, "
        "validated_at = excluded.validated_at, max_age = excluded.max_age",
        (fetch.path, fetch.etag, fetch.body, iso(now), fetch.max_age),
    )


def _revocations_path(cursor: int) -> str:
    return f"{REVOCATIONS_PATH}?since={cursor}"


def refresh(
    db: sqlite3.Connection, api: ApiClient, *, force: bool = False, now: dt.datetime | None = None
) -> RefreshReport:
    """Bring keys and revocations up to date (network); TransientError when the server cannot be reached."""
    now = now or utcnow()
    keys = _fetch(db, api, JWKS_PATH, force, now)
    if keys.body is not None:
        keys_from_jwks(json.loads(keys.body))  # a body that is not a JWK Set raises here and is not kept
        with db:
            _store(db, keys, now)
    cursor = int(get(db, CURSOR_KEY) or 0)
    results, added = [], 0
    for _ in range(MAX_PAGES):
        page = _fetch(db, api, _revocations_path(cursor), force, now)
        results.append(page.result)
        if page.body is None:
            break
        listing = msgspec.json.decode(page.body, type=RevocationList)
        with db:  # the page, its items and the new cursor together: a kill leaves all or none of them
            _store(db, page, now)
            for item in listing.items:
                added += db.execute(
                    "INSERT OR IGNORE INTO revocation (visit_id, revoked_before, expires_at, reason) "
                    "VALUES (?, ?, ?, ?)",
                    (item.visit_id, item.revoked_before.timestamp(), item.expires_at.timestamp(), item.reason),
                ).rowcount
            db.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (CURSOR_KEY, json.dumps(max(listing.cursor, cursor))),
            )
        if not listing.items or listing.cursor <= cursor:
            break
        cursor = listing.cursor
    with db:
        db.execute("DELETE FROM revocation WHERE expires_at <= ?", (now.timestamp(),))
    return RefreshReport(keys.result, results[-1] if results else "", added, cache_as_of(db))


def cache_as_of(db: sqlite3.Connection) -> dt.datetime | None:
    """When the server last confirmed both the keys and the revocation list (None before the first refresh)."""
    cursor = int(get(db, CURSOR_KEY) or 0)
    keys, revocations = _validated(db, JWKS_PATH), _validated(db, _revocations_path(cursor))
    if keys is None or revocations is None:
        return None
    return min(keys, revocations)


@dataclass(frozen=True)
class OfflineVerdict:
    outcome: str  # valid, not_yet_valid, expired, cancelled, unknown_key, bad_signature, malformed, enterprise_mismatch
    needs_online_check: bool
    as_of: dt.datetime | None
    message: str
    claims: Claims | None = None
    revocation_reason: str = ""

    @property
    def valid(self) -> bool:
        return self.outcome == "valid" and not self.needs_online_check


def local_text(moment: dt.datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S %Z")


def _revocation(db: sqlite3.Connection, claims: Claims) -> str | None:
    # The server issues each new code of a visit strictly after the last one (revoked or not), so "revoked at or
    # before this code's issue time" never reaches a code re-issued after a revocation, even in the same second.
    row = db.execute(
        "SELECT reason FROM revocation WHERE visit_id = ? AND revoked_before >= ? ORDER BY revoked_before LIMIT 1",
        (claims.visit_id, claims.issued_at.timestamp()),
    ).fetchone()
    return None if row is None else str(row["reason"] or "cancelled")


def verify_offline(
    db: sqlite3.Connection,
    scanned: str,
    *,
    uscc: str | None = None,
    max_age: dt.timedelta = DEFAULT_MAX_AGE,
    now: dt.datetime | None = None,
    lists: tuple[list[str], list[str]] | None = None,
) -> OfflineVerdict:
    """``lists``: the 执法证 numbers and item codes the inspector shows, checked against the code (its lists or,
    for a large joint visit, their digest)."""
    now = now or utcnow()
    as_of = cache_as_of(db)
    stale = as_of is None or now - as_of > max_age
    row = db.execute("SELECT body FROM http_cache WHERE url = ?", (JWKS_PATH,)).fetchone()
    keys = keys_from_jwks(json.loads(row["body"])) if row else {}

    def verdict(outcome: str, message: str, claims: Claims | None = None, needs_check: bool = False) -> OfflineVerdict:
        return OfflineVerdict(outcome, needs_check, as_of, message, claims)

    try:
        claims, _ = verify_signature(token_bytes(scanned), keys)
    except Malformed as exc:
        return verdict("malformed", f"not a visit code ({exc})")
    except UnknownKey as exc:
        return verdict(
            "unknown_key", f"signed by key {exc} that the cache does not hold: refresh or check online", None, True
        )
    except BadSignature:
        return verdict("bad_signature", "the signature does not verify: the code was altered or forged")
    if claims.kind != KIND_VISIT or claims.not_before is None or claims.expires_at is None:
        return verdict("malformed", "this is an enterprise code (企业码), not a visit code", claims)
    reason = _revocation(db, claims)
    if reason is not None:
        why = {
            "cancelled": "the visit was cancelled",
            "rescheduled": "the visit was re-scheduled: a new code replaces this one",
            "inspector": "an inspector named on it no longer holds a valid 执法证",
        }
        when = f"; cancellation list as of {local_text(as_of)}" if as_of else ""
        message = f"cancelled: {why.get(reason, reason)} — this code is void{when}"
        return OfflineVerdict("cancelled", False, as_of, message, claims, reason)
    if lists is not None and not lists_match(claims, *lists):
        return verdict("malformed", "the inspectors or items shown are not the ones this code names", claims)
    if uscc and uscc.strip().upper() != claims.uscc:
        return verdict("enterprise_mismatch", f"this code is for enterprise {claims.uscc}, not {uscc}", claims)
    if now < claims.not_before:
        return verdict("not_yet_valid", f"not valid before {local_text(claims.not_before)}", claims)
    if now >= claims.expires_at:
        return verdict("expired", f"expired at {local_text(claims.expires_at)}", claims)
    if stale:
        since = f"the cache is from {local_text(as_of)}" if as_of else "nothing is cached yet"
        return verdict("valid", f"needs an online check: {since}, older than the limit of {max_age}", claims, True)
    assert as_of is not None
    note = ""
    if claims.lists_digest is not None and lists is None:
        note = "; this code carries a digest of its inspectors and items: check them against the inspector's list"
    return verdict("valid", f"verified offline, status as of {local_text(as_of)}{note}", claims)

"""Compact visit codes (a digest instead of long lists) and revocation order, on the server's ``qr`` package and
in the offline verifier of the sample phone: both sides agree (no I/O; the phone's cache is in memory)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import cbor2
import pytest

from clients.sample_mobile import offline
from clients.sample_mobile.api_client import JWKS_PATH, REVOCATIONS_PATH
from clients.sample_mobile.store import SCHEMA, iso
from clients.sample_mobile.tokens import keys_from_jwks, lists_match, verify_signature
from clients.sample_mobile.tokens import lists_digest as phone_digest
from qr import KeyRing, VisitClaims, sign_visit, verify_token
from qr.claims import CLAIM_RUQI, InvalidClaims, from_claim_map, lists_digest, to_claim_map
from qr.codec import encode_token, visit_url
from qr.render import qr_version

NOW = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)
RING = KeyRing.generate(NOW)
CERTS = [f"3701120{u:02d}2{n:04d}" for u in range(5) for n in range(3)]
ITEMS = [f"JC-U{u}-D21-{n:03d}" for u in range(5) for n in range(2)]


def claims(compact: bool, issued_at: dt.datetime = NOW, visit_id: int = 2_000_000_000) -> VisitClaims:
    return VisitClaims.for_window(
        issuer="ruqi",
        visit_id=visit_id,
        uscc="91370112MA3C1234X5",
        window_start=NOW,
        window_end=NOW + dt.timedelta(hours=3),
        issued_at=issued_at,
        cert_numbers=CERTS,
        item_codes=ITEMS,
        compact=compact,
    )


def test_the_compact_form_of_a_5_units_visit_fits_version_15_where_the_lists_do_not() -> None:
    base = "HTTPS://RUQI.EXAMPLE.GOV.CN"
    full = qr_version(visit_url(base, sign_visit(claims(False), RING)))
    compact = qr_version(visit_url(base, sign_visit(claims(True), RING)))
    assert full is not None and full > 15
    assert compact is not None and compact <= 11


def test_a_compact_code_names_its_lists_by_digest_on_both_sides() -> None:
    token = sign_visit(claims(True), RING)
    server = verify_token(token, RING, NOW + dt.timedelta(minutes=1)).claims
    assert isinstance(server, VisitClaims) and server.cert_numbers == () and server.item_codes == ()
    assert server.lists_match(CERTS, ITEMS) and not server.lists_match(CERTS[:-1], ITEMS)
    assert not server.lists_match(CERTS, list(reversed(ITEMS)))  # order is part of what was filed
    phone, _ = verify_signature(token, keys_from_jwks(RING.jwks(NOW)))
    assert phone.lists_digest == server.lists_digest == lists_digest(CERTS, ITEMS) == phone_digest(CERTS, ITEMS)
    assert lists_match(phone, CERTS, ITEMS) and not lists_match(phone, CERTS, ITEMS[:-1])


@pytest.mark.parametrize(
    "details",
    [
        [1, 7, [], [], b"short"],
        [1, 7, ["C1"], [], bytes(16)],  # a digest never travels with lists
        [1, 7, [], [], "not bytes"],
        [1, 7, [], [], bytes(16), 0],
    ],
)
def test_a_malformed_digest_claim_is_refused(details: list[object]) -> None:
    value = to_claim_map(claims(False))
    value[CLAIM_RUQI] = details
    with pytest.raises(InvalidClaims):
        from_claim_map(cbor2.loads(cbor2.dumps(value)))


def _phone_cache(revoked_before: dt.datetime) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.executescript(SCHEMA)
    with db:
        for url in (JWKS_PATH, f"{REVOCATIONS_PATH}?since=0"):
            body = json.dumps(RING.jwks(NOW)).encode() if url == JWKS_PATH else b"{}"
            db.execute(
                "INSERT INTO http_cache (url, etag, body, validated_at, max_age) VALUES (?, ?, ?, ?, ?)",
                (url, None, body, iso(NOW), 60),
            )
        db.execute(
            "INSERT INTO revocation (visit_id, revoked_before, expires_at, reason) VALUES (?, ?, ?, ?)",
            (7, revoked_before.timestamp(), (NOW + dt.timedelta(days=1)).timestamp(), "rescheduled"),
        )
    return db


def test_offline_a_code_reissued_after_a_revocation_of_the_same_second_is_valid() -> None:
    # The server issues the new code one second after the revoked one (api.visits.codes._next_issue_time).
    revoked = sign_visit(claims(False, issued_at=NOW, visit_id=7), RING)
    reissued = sign_visit(claims(False, issued_at=NOW + dt.timedelta(seconds=1), visit_id=7), RING)
    db = _phone_cache(revoked_before=NOW)
    at = NOW + dt.timedelta(minutes=5)
    assert offline.verify_offline(db, encode_token(revoked), now=at).outcome == "cancelled"
    verdict = offline.verify_offline(db, encode_token(reissued), now=at)
    assert verdict.outcome == "valid" and verdict.valid


def test_offline_a_compact_code_is_checked_against_the_lists_shown() -> None:
    token = encode_token(sign_visit(claims(True, visit_id=8), RING))
    db = _phone_cache(revoked_before=NOW)
    at = NOW + dt.timedelta(minutes=5)
    assert "digest" in offline.verify_offline(db, token, now=at).message
    assert offline.verify_offline(db, token, now=at, lists=(CERTS, ITEMS)).valid
    wrong = offline.verify_offline(db, token, now=at, lists=(CERTS[1:], ITEMS))
    assert wrong.outcome == "malformed" and not wrong.valid

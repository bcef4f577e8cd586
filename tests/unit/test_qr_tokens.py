"""Visit and enterprise tokens: sign, verify, and every way a forged or damaged token is turned away."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import cbor2
import pytest
from cwt import COSE
from hypothesis import given, settings
from hypothesis import strategies as st

from qr.claims import CLAIM_RUQI, EnterpriseClaims, TokenKind, VisitClaims
from qr.codec import encode_token, visit_url
from qr.keys import KeyRing
from qr.tokens import (
    MAX_TOKEN_BYTES,
    Outcome,
    sign_enterprise,
    sign_visit,
    verify_token,
    verify_with_jwks,
)

ISSUED = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
START = datetime(2026, 7, 6, 1, 30, tzinfo=UTC)  # 09:30 Asia/Shanghai
END = START + timedelta(hours=3)
GRACE = timedelta(minutes=30)
USCC = "91370112MA3C1234X5"
RING = KeyRing.generate(ISSUED)
NOT_VALID = set(Outcome) - {Outcome.VALID}


def visit_claims(visit_id: int = 40213) -> VisitClaims:
    return VisitClaims.for_window(
        issuer="ruqi",
        visit_id=visit_id,
        uscc=USCC,
        window_start=START,
        window_end=END,
        issued_at=ISSUED,
        cert_numbers=["37011200123456", "37011200123457"],
        item_codes=["JC-U-D21-007", "JC-U-D21-008", "JC-A-B02-011"],
        grace=GRACE,
    )


TOKEN = sign_visit(visit_claims(), RING)


def test_sign_then_verify_gives_back_the_claims() -> None:
    result = verify_token(TOKEN, RING, START + timedelta(hours=1))
    assert result.outcome is Outcome.VALID and result.ok
    assert result.claims == visit_claims()
    assert result.kid == RING.signing_kid
    assert isinstance(result.claims, VisitClaims) and result.claims.kind is TokenKind.VISIT


@pytest.mark.parametrize(
    ("now", "outcome"),
    [
        (ISSUED, Outcome.NOT_YET_VALID),
        (START - timedelta(seconds=1), Outcome.NOT_YET_VALID),
        (START, Outcome.VALID),
        (END, Outcome.VALID),
        (END + GRACE - timedelta(seconds=1), Outcome.VALID),  # the grace after the window
        (END + GRACE, Outcome.EXPIRED),
        (END + timedelta(days=30), Outcome.EXPIRED),
    ],
)
def test_the_window_plus_grace_decides_validity(now: datetime, outcome: Outcome) -> None:
    result = verify_token(TOKEN, RING, now)
    assert result.outcome is outcome
    assert result.claims == visit_claims()  # decodable: the caller may show what the code was for


def test_enterprise_token_has_its_kind_and_no_expiry() -> None:
    token = sign_enterprise(EnterpriseClaims(issuer="ruqi", uscc=USCC, issued_at=ISSUED), RING)
    result = verify_token(token, RING, ISSUED + timedelta(days=3650))
    assert result.outcome is Outcome.VALID
    assert result.claims == EnterpriseClaims("ruqi", USCC, ISSUED)
    assert result.claims.kind is TokenKind.ENTERPRISE
    assert 4 not in cbor2.loads(cbor2.loads(token).value[2])  # no exp claim


def test_token_accepted_as_url_and_as_base32_text() -> None:
    now = START + timedelta(minutes=5)
    for text in (visit_url("https://ruqi.example.gov.cn", TOKEN), encode_token(TOKEN), encode_token(TOKEN).lower()):
        assert verify_token(text, RING, now).outcome is Outcome.VALID


@pytest.mark.parametrize("delta", [0x01, 0x80, 0xFF])
def test_a_one_byte_change_anywhere_is_never_valid(delta: int) -> None:
    kid_at = TOKEN.index(RING.verification_keys(ISSUED).popitem()[0])
    kid_positions = range(kid_at, kid_at + 5)
    for i in range(len(TOKEN)):
        damaged = TOKEN[:i] + bytes([TOKEN[i] ^ delta]) + TOKEN[i + 1 :]
        result = verify_token(damaged, RING, START)
        expected = {Outcome.BAD_SIGNATURE, Outcome.MALFORMED} | ({Outcome.UNKNOWN_KEY} if i in kid_positions else set())
        assert result.outcome in expected, (i, result)


def test_truncated_or_extended_tokens_are_malformed() -> None:
    for n in range(len(TOKEN)):
        assert verify_token(TOKEN[:n], RING, START).outcome is Outcome.MALFORMED
    assert verify_token(TOKEN + b"\x00", RING, START).outcome is Outcome.MALFORMED
    assert verify_token(TOKEN + b"\x00" * MAX_TOKEN_BYTES, RING, START).outcome is Outcome.MALFORMED


def test_a_token_signed_by_an_unknown_key() -> None:
    stranger = KeyRing.generate(ISSUED)
    result = verify_token(sign_visit(visit_claims(), stranger), RING, START)
    assert result.outcome is Outcome.UNKNOWN_KEY
    assert result.kid == stranger.signing_kid and result.claims is None


def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_kid() -> None:
    ring = KeyRing.generate(ISSUED)
    old_token, old_kid = sign_visit(visit_claims(), ring), ring.signing_kid
    rotated_at = ISSUED + timedelta(hours=1)
    lifetime = END + GRACE - ISSUED  # the longest exp - iat this ring signed
    new_kid = ring.rotate(rotated_at, lifetime)
    new_token = sign_visit(visit_claims(), ring)

    assert verify_token(old_token, ring, START).kid == old_kid
    assert verify_token(old_token, ring, START).outcome is Outcome.VALID
    assert verify_token(new_token, ring, START).kid == new_kid
    assert verify_token(new_token, ring, START).outcome is Outcome.VALID

    # once the old key is past verify_until it leaves the JWK Set and its tokens are unknown
    later = rotated_at + lifetime
    assert old_kid not in {k["kid"] for k in ring.jwks(later)["keys"]}
    assert verify_token(old_token, ring, later).outcome is Outcome.UNKNOWN_KEY
    assert verify_with_jwks(old_token, ring.jwks(later), later).outcome is Outcome.UNKNOWN_KEY


def test_an_offline_verifier_needs_only_the_published_jwks_json() -> None:
    jwks = json.loads(json.dumps(RING.jwks(ISSUED)))
    assert verify_with_jwks(TOKEN, jwks, START).claims == visit_claims()
    assert verify_with_jwks(TOKEN, jwks, END + GRACE).outcome is Outcome.EXPIRED
    assert verify_token(visit_url("http://127.0.0.1:8000", TOKEN), jwks, START).outcome is Outcome.VALID


def _sign1(protected: dict[int, object], unprotected: dict[int, object], payload: bytes, tag: int = 18) -> bytes:
    protected_bytes = cbor2.dumps(protected)
    signature = RING.signing_key().sign(cbor2.dumps(["Signature1", protected_bytes, b"", payload]))
    return cbor2.dumps(cbor2.CBORTag(tag, [protected_bytes, unprotected, payload, signature]))


def test_structures_that_are_not_our_cose_sign1_are_malformed() -> None:
    kid = RING.signing_key().kid
    payload = cbor2.loads(TOKEN).value[2]
    cases = [
        cbor2.dumps({1: "ruqi"}),  # valid CBOR, not COSE
        cbor2.dumps(cbor2.loads(TOKEN).value),  # untagged
        _sign1({1: -8, 4: kid}, {}, payload, tag=98),  # COSE_Sign, not Sign1
        _sign1({1: -7, 4: kid}, {}, payload),  # ES256 claimed
        _sign1({1: -8}, {4: kid}, payload),  # kid outside the signed header
        _sign1({1: -8, 4: kid, 2: [99]}, {}, payload),  # a critical header we do not know
        _sign1({1: -8, 4: kid}, {}, cbor2.dumps({1: "ruqi", 2: USCC})),  # signed by us, not our claims
        _sign1({1: -8, 4: kid}, {}, cbor2.dumps({1: "ruqi", 2: USCC, 6: 1, CLAIM_RUQI: [2]}) + b"\x00"),
    ]
    for raw in cases:
        assert verify_token(raw, RING, START).outcome is Outcome.MALFORMED, raw.hex()
    assert verify_token(_sign1({1: -8, 4: kid}, {}, payload), RING, START).outcome is Outcome.VALID


def test_the_token_is_a_plain_cose_sign1_that_cwt_verifies_on_its_own() -> None:
    _, _, payload = COSE.new().decode_with_headers(TOKEN, RING.verification_keys(ISSUED).popitem()[1])
    assert payload == cbor2.loads(TOKEN).value[2]


def test_signing_refuses_naive_times_and_empty_windows() -> None:
    with pytest.raises(ValueError):
        sign_visit(VisitClaims("ruqi", 1, USCC, START.replace(tzinfo=None), END, ISSUED, (), ()), RING)
    with pytest.raises(ValueError):
        sign_visit(VisitClaims("ruqi", 1, USCC, START, START, ISSUED, (), ()), RING)


@settings(max_examples=400, deadline=None)
@given(
    st.binary(max_size=3 * MAX_TOKEN_BYTES)
    | st.text(max_size=600)
    | st.binary(max_size=300).map(lambda b: visit_url("https://ruqi.example.gov.cn", b))
)
def test_verify_never_raises_on_arbitrary_input(raw: bytes | str) -> None:
    assert verify_token(raw, RING, START).outcome in NOT_VALID


@settings(max_examples=400, deadline=None)
@given(st.integers(0, len(TOKEN)), st.integers(0, 8), st.binary(max_size=8))
def test_verify_never_raises_on_spliced_tokens(at: int, cut: int, insert: bytes) -> None:
    damaged = TOKEN[:at] + insert + TOKEN[at + cut :]
    result = verify_token(damaged, RING, START)
    assert result.outcome in NOT_VALID or damaged == TOKEN

"""Signed QR tokens: CWT claims in a COSE_Sign1 (EdDSA / Ed25519), signed and verified with ``cwt``.

Wire shape (tagged COSE_Sign1, RFC 9052):
    18([ << {1: -8, 4: kid(5 bytes)} >>, {}, << claim map (see qr.claims) >>, signature(64 bytes) ])
alg and kid are both in the protected header, so every byte but the (empty) unprotected map is signed.

``verify_token`` never raises for anything a scanner hands it: every input ends as one ``Outcome``.
Enterprise mismatch, a cancelled visit and the wrong token kind for a route are the caller's
decisions; ``VerifyResult.claims`` gives it what it needs (kind, USCC, visit id).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import cbor2
from cwt import COSE, VerifyError
from cwt.cose_key_interface import COSEKeyInterface

from qr.claims import Claims, EnterpriseClaims, VisitClaims, from_claim_map, to_claim_map
from qr.codec import MalformedToken, token_from_url_or_text
from qr.keys import COSE_ALG_EDDSA, KID_BYTES, KeyRing, kid_text, public_keys_from_jwks

MAX_TOKEN_BYTES = 2048  # a token that fits a QR code is ~210 bytes; longer input is refused unread
COSE_SIGN1_TAG = 18
HEADER_ALG, HEADER_KID = 1, 4

_cose = COSE.new()  # no automatic headers: we set alg and kid in the protected header ourselves


class Outcome(StrEnum):
    VALID = "valid"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class VerifyResult:
    outcome: Outcome
    claims: Claims | None = None  # only once the signature verified (valid, not_yet_valid, expired)
    kid: str | None = None  # the key the token names, when it names one well-formed

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.VALID


def sign_visit(claims: VisitClaims, keyring: KeyRing) -> bytes:
    return _sign(claims, keyring)


def sign_enterprise(claims: EnterpriseClaims, keyring: KeyRing) -> bytes:
    return _sign(claims, keyring)


def verify_token(raw: bytes | str, keys: KeyRing | Mapping[str, Any], now: datetime) -> VerifyResult:
    """Check a token (bytes, Base32 text or a scanned URL) against a key ring or a public JWK Set."""
    if isinstance(keys, KeyRing):
        result = _verify(raw, keys.verification_keys(now), now)
        if result.outcome is Outcome.UNKNOWN_KEY and keys.reload_if_changed():
            # signed by a key another process rotated in moments ago
            result = _verify(raw, keys.verification_keys(now), now)
        return result
    return verify_with_jwks(raw, keys, now)


def verify_with_jwks(raw: bytes | str, jwks: Mapping[str, Any], now: datetime) -> VerifyResult:
    """The offline verifier's path: only the published ``jwks.json`` is needed."""
    return _verify(raw, public_keys_from_jwks(jwks), now)


def _sign(claims: Claims, keyring: KeyRing) -> bytes:
    key = keyring.signing_key()
    payload = cbor2.dumps(to_claim_map(claims))
    protected = {HEADER_ALG: COSE_ALG_EDDSA, HEADER_KID: key.kid}
    return bytes(_cose.encode_and_sign(payload, key, protected=protected, unprotected={}))


def _verify(raw: bytes | str, keys: Mapping[bytes, COSEKeyInterface], now: datetime) -> VerifyResult:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")  # a programming error, not forger input
    try:
        message = _parse_sign1(_as_bytes(raw))
    except Exception:  # a scanner may send anything; all of it is "malformed"
        return VerifyResult(Outcome.MALFORMED)
    kid = kid_text(message.kid)
    key = keys.get(message.kid)
    if key is None:
        return VerifyResult(Outcome.UNKNOWN_KEY, kid=kid)
    tag = cbor2.CBORTag(COSE_SIGN1_TAG, [message.protected, {}, message.payload, message.signature])
    try:
        _, _, payload = _cose.decode_with_headers(tag, key)
        claims = from_claim_map(_loads_exact(payload))
    except VerifyError:
        return VerifyResult(Outcome.BAD_SIGNATURE, kid=kid)
    except Exception:  # signed by our key, yet not a claim map of ours
        return VerifyResult(Outcome.MALFORMED, kid=kid)
    return VerifyResult(_timeliness(claims, now.astimezone(UTC)), claims, kid)


def _timeliness(claims: Claims, now: datetime) -> Outcome:
    if isinstance(claims, VisitClaims):
        if now < claims.not_before:
            return Outcome.NOT_YET_VALID
        if now >= claims.expires_at:  # RFC 8392: exp is the first moment the token is not accepted
            return Outcome.EXPIRED
    return Outcome.VALID


def _as_bytes(raw: bytes | str) -> bytes:
    if isinstance(raw, str):
        return token_from_url_or_text(raw)
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise MalformedToken("a token is bytes or text")
    return bytes(raw)


@dataclass(frozen=True)
class _Sign1:
    protected: bytes  # as sent: the signature covers these exact bytes
    kid: bytes
    payload: bytes
    signature: bytes


def _parse_sign1(data: bytes) -> _Sign1:
    """The COSE_Sign1 structure, checked strictly (before any key is looked at). Raises on anything else."""
    if not 0 < len(data) <= MAX_TOKEN_BYTES:
        raise MalformedToken("empty or too long")
    message = _loads_exact(data)
    if not (isinstance(message, cbor2.CBORTag) and message.tag == COSE_SIGN1_TAG):
        raise MalformedToken("not a tagged COSE_Sign1")
    body = message.value
    if not (isinstance(body, list) and len(body) == 4):
        raise MalformedToken("COSE_Sign1 is an array of four")
    protected, unprotected, payload, signature = body
    if not (isinstance(protected, bytes) and isinstance(payload, bytes) and isinstance(signature, bytes)):
        raise MalformedToken("COSE_Sign1 members have the wrong types")
    if unprotected != {} or len(signature) != 64:
        raise MalformedToken("unexpected unprotected header or signature size")
    header = _loads_exact(protected)
    if not (isinstance(header, dict) and header.keys() == {HEADER_ALG, HEADER_KID}):
        raise MalformedToken("protected header must hold exactly alg and kid")
    kid = header[HEADER_KID]
    if header[HEADER_ALG] != COSE_ALG_EDDSA or not (isinstance(kid, bytes) and len(kid) == KID_BYTES):
        raise MalformedToken("not EdDSA or not one of our kids")
    return _Sign1(protected, kid, payload, signature)


def _loads_exact(data: bytes) -> Any:
    """One CBOR item and nothing after it (trailing bytes would make tokens malleable)."""
    stream = io.BytesIO(data)
    item = cbor2.CBORDecoder(stream).decode()
    if stream.tell() != len(data):
        raise MalformedToken("trailing bytes after the CBOR item")
    return item

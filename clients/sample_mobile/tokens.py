"""Reading and checking a scanned code without the server: COSE_Sign1 (EdDSA / Ed25519) over a CWT claim map.

What a code looks like (documented by the server, re-implemented here so a phone needs no server code):

- the QR holds ``HTTP(S)://HOST/V/<BASE32>`` (visit code) or ``/E/<BASE32>`` (enterprise code); Base32 is
  RFC 4648 upper case without padding;
- the bytes are a tagged COSE_Sign1: ``18([<<{1: -8, 4: kid}>>, {}, <<claims>>, signature(64)])`` — alg
  EdDSA and a 5-byte kid in the protected header;
- the kid is printed in the JWK Set (``/.well-known/jwks.json``) as 8 Base32 characters;
- claims: 1 iss, 2 sub (USCC), 4 exp, 5 nbf, 6 iat (NumericDate seconds), -65537 details:
  ``[1, visit_id, [执法证 number, …], [item code, …]]`` for a visit, ``[2]`` for an enterprise code; a visit
  whose lists are too long for the code carries ``[1, visit_id, [], [], digest]``: the first 16 bytes of
  SHA-256 over the CBOR array ``[[执法证 number, …], [item code, …]]``, checked against the lists the inspector
  shows (``lists_match``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cwt import COSE, COSEKey
from cwt.cose_key_interface import COSEKeyInterface

COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
KID_BYTES = 5
MAX_TOKEN_BYTES = 2048
ISS, SUB, EXP, NBF, IAT, RUQI = 1, 2, 4, 5, 6, -65537
KIND_VISIT, KIND_ENTERPRISE = 1, 2
_BASE32 = re.compile(r"[A-Z2-7]+")
_cose = COSE.new()


class Malformed(ValueError):
    """Not a code of ours (wrong text, wrong structure, wrong claims)."""


class UnknownKey(LookupError):
    """Well-formed, but signed by a key the cached JWK Set does not hold."""


class BadSignature(ValueError):
    """Signed by a known key id, but the signature does not verify (altered or forged)."""


@dataclass(frozen=True)
class Claims:
    kind: int  # KIND_VISIT or KIND_ENTERPRISE
    issuer: str
    uscc: str
    issued_at: dt.datetime
    visit_id: int | None = None
    not_before: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    cert_numbers: tuple[str, ...] = ()
    item_codes: tuple[str, ...] = ()
    lists_digest: bytes | None = None  # set when the code carries a digest instead of the lists


DIGEST_BYTES = 16


def lists_digest(cert_numbers: tuple[str, ...] | list[str], item_codes: tuple[str, ...] | list[str]) -> bytes:
    return hashlib.sha256(cbor2.dumps([list(cert_numbers), list(item_codes)])).digest()[:DIGEST_BYTES]


def lists_match(
    claims: Claims, cert_numbers: tuple[str, ...] | list[str], item_codes: tuple[str, ...] | list[str]
) -> bool:
    """Whether these full lists (as the inspector's phone or the page shows them) are the ones the code names."""
    if claims.lists_digest is None:
        return tuple(cert_numbers) == claims.cert_numbers and tuple(item_codes) == claims.item_codes
    return lists_digest(cert_numbers, item_codes) == claims.lists_digest


def token_text(scanned: str) -> str:
    """The Base32 token from a scanned URL (any case) or bare text; the text itself when it is neither."""
    text = scanned.strip()
    if "/" in text:
        parts = [p for p in urlsplit(text).path.split("/") if p]
        if len(parts) >= 2 and parts[-2].upper() in ("V", "E"):
            return parts[-1].upper()
        return parts[-1] if parts else "-"
    return text.upper() or "-"


def token_bytes(scanned: str) -> bytes:
    text = token_text(scanned)
    if len(text) > 4096 or not _BASE32.fullmatch(text):
        raise Malformed("not Base32 text")
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error as exc:
        raise Malformed("not Base32 text") from exc


def kid_text(kid: bytes) -> str:
    return base64.b32encode(kid).decode("ascii")


def keys_from_jwks(jwks: Mapping[str, Any]) -> dict[str, COSEKeyInterface]:
    """Public Ed25519 keys by printable kid; other key types are skipped (RFC 7517 §5)."""
    keys: dict[str, COSEKeyInterface] = {}
    for jwk in jwks.get("keys", []) if isinstance(jwks, Mapping) else []:
        if not (isinstance(jwk, Mapping) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519"):
            continue
        try:
            x = str(jwk["x"])
            raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
            Ed25519PublicKey.from_public_bytes(raw)  # refuses anything that is not a 32-byte public key
            kid = base64.b32decode(str(jwk["kid"]))
        except (KeyError, ValueError, binascii.Error):
            continue
        if len(kid) == KID_BYTES:
            keys[kid_text(kid)] = COSEKey.new({1: 1, 2: kid, 3: ALG_EDDSA, -1: 6, -2: raw})
    return keys


def _one_item(data: bytes) -> Any:
    stream = io.BytesIO(data)
    try:
        item = cbor2.CBORDecoder(stream).decode()
    except Exception as exc:  # cbor2 raises several types for bad input
        raise Malformed("not CBOR") from exc
    if stream.tell() != len(data):
        raise Malformed("trailing bytes")
    return item


def read_kid(raw: bytes) -> tuple[cbor2.CBORTag, str]:
    """The COSE_Sign1 message and the kid it names, checked strictly before any key is looked at."""
    if not 0 < len(raw) <= MAX_TOKEN_BYTES:
        raise Malformed("empty or too long")
    message = _one_item(raw)
    if not (isinstance(message, cbor2.CBORTag) and message.tag == COSE_SIGN1_TAG):
        raise Malformed("not a tagged COSE_Sign1")
    body = message.value
    if not (isinstance(body, list) and len(body) == 4):
        raise Malformed("COSE_Sign1 is an array of four")
    protected, unprotected, payload, signature = body
    if not (isinstance(protected, bytes) and isinstance(payload, bytes) and isinstance(signature, bytes)):
        raise Malformed("wrong member types")
    if unprotected != {} or len(signature) != 64:
        raise Malformed("unexpected unprotected header or signature size")
    header = _one_item(protected)
    if not (isinstance(header, dict) and set(header) == {1, 4}):
        raise Malformed("protected header must hold exactly alg and kid")
    kid = header[4]
    if header[1] != ALG_EDDSA or not (isinstance(kid, bytes) and len(kid) == KID_BYTES):
        raise Malformed("not EdDSA or not a 5-byte kid")
    return message, kid_text(kid)


def verify_signature(raw: bytes, keys: Mapping[str, COSEKeyInterface]) -> tuple[Claims, str]:
    """Claims and kid of a token whose signature verifies; Malformed, UnknownKey or BadSignature otherwise."""
    message, kid = read_kid(raw)
    key = keys.get(kid)
    if key is None:
        raise UnknownKey(kid)
    try:
        payload = _cose.decode(message, key)
    except Exception as exc:  # cwt raises VerifyError (and DecodeError for odd input)
        raise BadSignature(kid) from exc
    return parse_claims(_one_item(payload)), kid


def _moment(value: object) -> dt.datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Malformed("NumericDate expected")
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise Malformed("NumericDate out of range") from exc


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise Malformed("text expected")
    return value


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Malformed("list expected")
    return tuple(_text(v) for v in value)


def parse_claims(claims: object) -> Claims:
    if not isinstance(claims, dict):
        raise Malformed("claims are not a map")
    details = claims.get(RUQI)
    if not (isinstance(details, list) and details):
        raise Malformed("no ruqi claim")
    issuer, uscc, issued_at = _text(claims.get(ISS)), _text(claims.get(SUB)), _moment(claims.get(IAT))
    if details == [KIND_ENTERPRISE]:
        return Claims(kind=KIND_ENTERPRISE, issuer=issuer, uscc=uscc, issued_at=issued_at)
    visit_id = details[1] if len(details) in (4, 5) else None
    if details[0] == KIND_VISIT and isinstance(visit_id, int) and not isinstance(visit_id, bool) and visit_id >= 0:
        digest = details[4] if len(details) == 5 else None
        if digest is not None and not (
            isinstance(digest, bytes) and len(digest) == DIGEST_BYTES and not details[2] and not details[3]
        ):
            raise Malformed("bad lists digest")
        return Claims(
            kind=KIND_VISIT,
            issuer=issuer,
            uscc=uscc,
            issued_at=issued_at,
            visit_id=visit_id,
            not_before=_moment(claims.get(NBF)),
            expires_at=_moment(claims.get(EXP)),
            cert_numbers=_texts(details[2]),
            item_codes=_texts(details[3]),
            lists_digest=digest,
        )
    raise Malformed("unknown token kind")


def peek(scanned: str) -> Claims | None:
    """The claims WITHOUT checking the signature: for labels on the phone's own screen only, never trust."""
    try:
        message, _ = read_kid(token_bytes(scanned))
        return parse_claims(_one_item(message.value[2]))
    except Malformed:
        return None

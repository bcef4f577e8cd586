"""The pure arithmetic of the audit chain (no database): canonical JSON, link hashes, checkpoint signatures.

The formulas are stated in ``api.audit.chain``'s docstring; this module is their only implementation.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from qr import KeyRing

GENESIS_HASH = "0" * 64


def normalize(value: Any) -> Any:
    """Plain JSON values: datetimes as UTC ISO text, dates as ISO, enums by value, floats as ``repr`` text."""
    if isinstance(value, enum.Enum):
        return normalize(value.value)
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return repr(value)  # languages print floats differently; text hashes the same everywhere
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [normalize(v) for v in value]
        return sorted(items, key=canonical_json) if isinstance(value, set | frozenset) else items
    raise TypeError(f"audit payloads hold JSON values, not {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, non-ASCII kept as is (the bytes hashed are its UTF-8 encoding)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def iso_utc(moment: dt.datetime) -> str:
    """``2026-03-01T02:03:04.000005+00:00``: UTC, always with six fractional digits."""
    if moment.tzinfo is None:
        raise ValueError("audit times are timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def link_record(seq: int, at: dt.datetime, actor: str, event_type: str, subject: str, payload: Any) -> str:
    return canonical_json(
        {"seq": seq, "at": iso_utc(at), "actor": actor, "type": event_type, "subject": subject, "payload": payload}
    )


def link_hash(
    prev_hash: str, seq: int, at: dt.datetime, actor: str, event_type: str, subject: str, payload: Any
) -> str:
    """``sha256(prev_hash || canonical_json(link))`` as 64 lower-case hex characters."""
    record = link_record(seq, at, actor, event_type, subject, payload)
    return hashlib.sha256((prev_hash + record).encode("utf-8")).hexdigest()


def link_hash_of_text(
    prev_hash: str, seq: int, at: dt.datetime, actor: str, event_type: str, subject: str, payload_text: str
) -> str:
    """``link_hash`` for a payload already in canonical JSON text, without re-encoding it (the verifier's path).

    Equal to ``link_hash(..., json.loads(payload_text))`` whenever ``payload_text`` is canonical.
    """
    prefix, suffix = link_text_around_seq(at, actor, event_type, subject, payload_text)
    return hashlib.sha256((prev_hash + prefix + str(seq) + suffix).encode("utf-8")).hexdigest()


def link_text_around_seq(
    at: dt.datetime, actor: str, event_type: str, subject: str, payload_text: str
) -> tuple[str, str]:
    """The canonical link text split around its seq: ``link_record(seq, …) == prefix + str(seq) + suffix``.

    PostgreSQL links an event at COMMIT, when its seq is known, as ``sha256(prev_hash || prefix || seq ||
    suffix)``; the keys are in sorted order, so "seq" falls between "payload" and "subject".
    """
    prefix = "".join(('{"actor":', _string(actor), ',"at":"', iso_utc(at), '","payload":', payload_text, ',"seq":'))
    suffix = "".join((',"subject":', _string(subject), ',"type":', _string(event_type), "}"))
    return prefix, suffix


def _string(text: str) -> str:
    return encode_basestring(text)  # what json.dumps(text, ensure_ascii=False) returns, without its overhead


def checkpoint_message(seq: int, head_hash: str, at: dt.datetime) -> bytes:
    return canonical_json({"seq": seq, "head_hash": head_hash, "at": iso_utc(at)}).encode("utf-8")


def sign_checkpoint(keyring: KeyRing, seq: int, head_hash: str, at: dt.datetime) -> tuple[str, str]:
    """(kid, base64url signature without padding) by the ring's current key."""
    signature = keyring.signing_key().sign(checkpoint_message(seq, head_hash, at))
    return keyring.signing_kid, base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii")


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def checkpoint_signature_ok(checkpoint: Mapping[str, Any], jwks: Mapping[str, Any]) -> bool:
    """Check an exported checkpoint (seq, head_hash, at as ISO text or datetime, kid, signature) against a JWK Set."""
    at = checkpoint["at"]
    moment = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
    message = checkpoint_message(int(checkpoint["seq"]), str(checkpoint["head_hash"]), moment)
    for jwk in jwks.get("keys", []):
        if jwk.get("kid") != checkpoint["kid"] or jwk.get("crv") != "Ed25519":
            continue
        try:
            Ed25519PublicKey.from_public_bytes(_b64url(str(jwk["x"]))).verify(
                _b64url(str(checkpoint["signature"])), message
            )
            return True
        except (InvalidSignature, ValueError):
            return False
    return False

"""What a QR token says, and its compact CBOR claim map (RFC 8392 CWT claims).

Claim map (integer keys keep the token small enough for QR version 11 at level M):

    1  iss  issuer (text)                  4  exp  visit only: window end + grace (NumericDate)
    2  sub  the enterprise's USCC (text)   5  nbf  visit only: window start
                                           6  iat  issued at
    -65537  (private use) ruqi details, an array whose first element is the kind:
            visit:      [1, visit_id, [执法证 number, ...], [item code, ...]]
                        or, when the lists do not fit the QR version limit,
                        [1, visit_id, [], [], lists digest (16 bytes)]
            enterprise: [2]

The issue time (iat) of a visit's codes grows strictly from one code to the next (the service issues a new code
at least one second after the last one, revoked or not), so "revoked at or before iat T" never touches a newer code.

The lists digest is the first 16 bytes of SHA-256 over the CBOR array [[执法证 number, ...], [item code, ...]]
(definite lengths, text strings) in filing order: the page and offline verifiers recompute it from the full
lists they are shown and refuse a code whose lists do not match.

No names or phone numbers: a token is readable by anyone who scans it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any, ClassVar, TypeGuard

import cbor2

ISS, SUB, EXP, NBF, IAT = 1, 2, 4, 5, 6
CLAIM_RUQI = -65537
DEFAULT_GRACE = timedelta(minutes=30)
DIGEST_BYTES = 16


def lists_digest(cert_numbers: Sequence[str], item_codes: Sequence[str]) -> bytes:
    """The 16-byte digest of the inspector and item lists a compact code carries instead of the lists."""
    return hashlib.sha256(cbor2.dumps([list(cert_numbers), list(item_codes)])).digest()[:DIGEST_BYTES]


class TokenKind(IntEnum):
    VISIT = 1
    ENTERPRISE = 2


class InvalidClaims(ValueError):
    """A claim map that is not one of ours (only after its signature verified)."""


@dataclass(frozen=True)
class VisitClaims:
    """The per-visit code (检查码): which enterprise, when, who (by 执法证 number), what."""

    kind: ClassVar[TokenKind] = TokenKind.VISIT

    issuer: str
    visit_id: int
    uscc: str
    not_before: datetime
    expires_at: datetime
    issued_at: datetime
    cert_numbers: tuple[str, ...]
    item_codes: tuple[str, ...]
    lists_digest: bytes | None = None  # set when the lists are too long for the code (then both lists are empty)

    def lists_match(self, cert_numbers: Sequence[str], item_codes: Sequence[str]) -> bool:
        """Whether the full lists (from the filing) are the ones this code names."""
        if self.lists_digest is None:
            return tuple(cert_numbers) == self.cert_numbers and tuple(item_codes) == self.item_codes
        return lists_digest(cert_numbers, item_codes) == self.lists_digest

    @classmethod
    def for_window(
        cls,
        *,
        issuer: str,
        visit_id: int,
        uscc: str,
        window_start: datetime,
        window_end: datetime,
        issued_at: datetime,
        cert_numbers: Sequence[str],
        item_codes: Sequence[str],
        grace: timedelta = DEFAULT_GRACE,
        compact: bool = False,
    ) -> VisitClaims:
        """Claims for a filed window: valid from its start until its end plus ``grace``; ``compact`` puts the
        lists' digest in place of the lists."""
        if compact:
            return cls(
                issuer=issuer,
                visit_id=visit_id,
                uscc=uscc,
                not_before=window_start,
                expires_at=window_end + grace,
                issued_at=issued_at,
                cert_numbers=(),
                item_codes=(),
                lists_digest=lists_digest(cert_numbers, item_codes),
            )
        return cls(
            issuer=issuer,
            visit_id=visit_id,
            uscc=uscc,
            not_before=window_start,
            expires_at=window_end + grace,
            issued_at=issued_at,
            cert_numbers=tuple(cert_numbers),
            item_codes=tuple(item_codes),
        )


@dataclass(frozen=True)
class EnterpriseClaims:
    """The enterprise's own static code (企业码), posted at its premises. It does not expire."""

    kind: ClassVar[TokenKind] = TokenKind.ENTERPRISE

    issuer: str
    uscc: str
    issued_at: datetime


Claims = VisitClaims | EnterpriseClaims


def to_claim_map(claims: Claims) -> dict[int, Any]:
    """The CWT claim map; ValueError for claims that must not be signed."""
    common = {ISS: _text(claims.issuer), SUB: _text(claims.uscc), IAT: _seconds(claims.issued_at)}
    if isinstance(claims, EnterpriseClaims):
        return {**common, CLAIM_RUQI: [int(TokenKind.ENTERPRISE)]}
    nbf, exp = _seconds(claims.not_before), _seconds(claims.expires_at)
    if exp <= nbf:
        raise ValueError("a visit token must expire after it becomes valid")
    if not (_is_int(claims.visit_id) and claims.visit_id >= 0):
        raise ValueError("visit_id must be a non-negative int")
    details: list[Any] = [
        int(TokenKind.VISIT),
        claims.visit_id,
        [_text(c) for c in claims.cert_numbers],
        [_text(i) for i in claims.item_codes],
    ]
    if claims.lists_digest is not None:
        if len(claims.lists_digest) != DIGEST_BYTES or claims.cert_numbers or claims.item_codes:
            raise ValueError("a compact code carries a 16-byte digest instead of the lists")
        details.append(bytes(claims.lists_digest))
    return {**common, NBF: nbf, EXP: exp, CLAIM_RUQI: details}


def from_claim_map(value: object) -> Claims:
    """Claims from a decoded CWT payload; InvalidClaims for anything else."""
    if not isinstance(value, dict):
        raise InvalidClaims("claims are not a map")
    details = value.get(CLAIM_RUQI)
    if not (isinstance(details, list) and details and _is_int(details[0])):
        raise InvalidClaims("no ruqi claim")
    keys = value.keys()
    if details == [TokenKind.ENTERPRISE] and keys == {ISS, SUB, IAT, CLAIM_RUQI}:
        return EnterpriseClaims(_text_claim(value[ISS]), _text_claim(value[SUB]), _moment(value[IAT]))
    if details[0] == TokenKind.VISIT and len(details) in (4, 5) and keys == {ISS, SUB, IAT, NBF, EXP, CLAIM_RUQI}:
        visit_id, certs, items = details[1:4]
        digest = details[4] if len(details) == 5 else None
        if not (_is_int(visit_id) and visit_id >= 0):
            raise InvalidClaims("bad visit id")
        if digest is not None and not (
            isinstance(digest, bytes) and len(digest) == DIGEST_BYTES and not certs and not items
        ):
            raise InvalidClaims("bad lists digest")
        return VisitClaims(
            issuer=_text_claim(value[ISS]),
            visit_id=visit_id,
            uscc=_text_claim(value[SUB]),
            not_before=_moment(value[NBF]),
            expires_at=_moment(value[EXP]),
            issued_at=_moment(value[IAT]),
            cert_numbers=_text_list(certs),
            item_codes=_text_list(items),
            lists_digest=digest,
        )
    raise InvalidClaims("unknown token kind or claim set")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("claims must be non-empty text")
    return value


def _seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return int(moment.timestamp())


def _text_claim(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidClaims("expected non-empty text")
    return value


def _text_list(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise InvalidClaims("expected a list of text")
    return tuple(_text_claim(v) for v in value)


def _moment(value: object) -> datetime:
    if not _is_int(value):
        raise InvalidClaims("expected a NumericDate (int)")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise InvalidClaims("NumericDate out of range") from exc

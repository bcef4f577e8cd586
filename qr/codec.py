"""Token bytes ⇄ text in a URL path, kept inside the QR alphanumeric character set.

Base32 (RFC 4648, upper case, no padding) uses only A–Z and 2–7, and an upper-case URL such as
``HTTPS://HOST/V/<BASE32>`` is entirely alphanumeric-mode text (0–9 A–Z space $ % * + - . / :), so
the QR code stores 5.5 bits per character instead of 8. Scheme and host are case-insensitive; the
routes are registered upper case: ``/V/{token}`` (visit) and ``/E/{token}`` (enterprise).
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

VISIT_PREFIX = "V"
ENTERPRISE_PREFIX = "E"
MAX_TEXT_CHARS = 4096  # far above any token that fits a QR code; longer input is refused unread
_BASE32 = re.compile(r"[A-Z2-7]+")


class MalformedToken(ValueError):
    """Text that cannot be a token of ours."""


def encode_token(token: bytes) -> str:
    return base64.b32encode(token).decode("ascii").rstrip("=")


def decode_token(text: str) -> bytes:
    text = text.strip().upper()
    if not text or len(text) > MAX_TEXT_CHARS or not _BASE32.fullmatch(text):
        raise MalformedToken("not Base32 text")
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error as exc:  # a length no byte string encodes to
        raise MalformedToken("not Base32 text") from exc


def visit_url(base_url: str, token: bytes) -> str:
    """``HTTPS://HOST[/prefix]/V/<BASE32>`` for a visit token."""
    return _url(base_url, VISIT_PREFIX, token)


def enterprise_url(base_url: str, token: bytes) -> str:
    """``HTTPS://HOST[/prefix]/E/<BASE32>`` for an enterprise token."""
    return _url(base_url, ENTERPRISE_PREFIX, token)


def token_from_url_or_text(text: str) -> bytes:
    """The token bytes from a scanned URL (any case), a ``/V/…`` or ``/E/…`` path, or bare Base32."""
    if len(text) > MAX_TEXT_CHARS:
        raise MalformedToken("too long")
    text = text.strip()
    if "/" in text:
        try:
            path = urlsplit(text).path
        except ValueError as exc:  # e.g. an unbalanced "[" in the host
            raise MalformedToken("not a URL") from exc
        parts = [p for p in path.split("/") if p]
        if len(parts) < 2 or parts[-2].upper() not in (VISIT_PREFIX, ENTERPRISE_PREFIX):
            raise MalformedToken("not a /V/ or /E/ token path")
        text = parts[-1]
    return decode_token(text)


def _url(base_url: str, prefix: str, token: bytes) -> str:
    parts = urlsplit(base_url.strip())
    if not parts.scheme or not parts.hostname or parts.username or parts.query or parts.fragment:
        raise ValueError(f"base_url must be scheme://host[:port][/path]: {base_url!r}")
    # Scheme and host are case-insensitive, so upper-casing them is safe; a path prefix is kept as
    # given (paths are case-sensitive) and costs QR capacity if it has lower-case letters.
    root = f"{parts.scheme.upper()}://{parts.netloc.upper()}{parts.path.rstrip('/')}"
    return f"{root}/{prefix}/{encode_token(token)}"

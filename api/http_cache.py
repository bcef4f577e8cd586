"""Strong ETags and If-None-Match (RFC 9110) for the answers phones re-fetch: key sets, revocations, code images."""

from __future__ import annotations

import hashlib


def etag_of(content: bytes) -> str:
    """A strong validator: the answer is a pure function of ``content``."""
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """``*`` or any listed validator equals ``etag`` (weak comparison, as RFC 9110 asks for If-None-Match)."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags

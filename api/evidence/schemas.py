"""What an evidence file is, as the API shows it: its hashes, type, sizes, capture time and where to fetch it."""

from __future__ import annotations

import datetime as dt

import msgspec


class EvidenceRead(msgspec.Struct):
    sha256: str
    stored_sha256: str
    media_type: str
    size: int
    stored_size: int
    filename: str
    captured_at: dt.datetime | None
    has_thumbnail: bool
    uploaded_by: str
    uploaded_at: dt.datetime
    url: str
    thumbnail_url: str | None

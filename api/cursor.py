"""Page cursors (``after``): the sort key of a page's last row, opaque to clients, checked when read back."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from api.errors import InvalidInput
from api.i18n import tr


def encode_cursor(*values: int | dt.datetime) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).rstrip(b"=").decode("ascii")


def _bad() -> InvalidInput:
    return InvalidInput(tr("after is not a page cursor this list gave."), code="invalid_cursor", field="after")


def decode_ids(text: str, count: int = 1) -> list[int]:
    """A cursor of ``count`` whole numbers (an id, a seq)."""
    ids = [v for v in _values(text, count) if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63]
    if len(ids) != count:
        raise _bad()
    return ids


def decode_time_and_id(text: str) -> tuple[dt.datetime, int]:
    """A cursor of (an aware instant, an id)."""
    at, row_id = _values(text, 2)
    if not isinstance(at, str) or not isinstance(row_id, int) or isinstance(row_id, bool) or row_id < 0:
        raise _bad()
    try:
        instant = dt.datetime.fromisoformat(at)
    except ValueError:
        raise _bad() from None
    if instant.tzinfo is None:
        raise _bad()
    return instant, row_id


def _values(text: str, count: int) -> list[object]:
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad() from None
    if not isinstance(values, list) or len(values) != count:
        raise _bad()
    return values

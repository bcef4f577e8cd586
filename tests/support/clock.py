"""Pinned dates for the tests: every unit and integration test runs at a named instant.

By default a test runs at ``WORLD_INSTANT`` (the hand-made world is built then); a test that needs
another moment names it: ``@pytest.mark.at("2026-12-31T23:50:00+08:00")``. The process clock is moved
with ``time-machine`` (ticking from that instant), so the app's ``SystemClock``, Litestar's JWT checks
and the test's own arithmetic all agree. End-to-end and failure tests start real server processes,
which keep the real clock: they are written relative to "now" and are not pinned.
"""

from __future__ import annotations

import datetime as dt

from api.clock import LOCAL_TZ

# A Wednesday in a year with official holiday data, far from month and year ends.
WORLD_INSTANT = dt.datetime(2026, 6, 10, 10, 0, tzinfo=LOCAL_TZ)
WORLD_DAY = WORLD_INSTANT.date()


def instant(text: str) -> dt.datetime:
    """An ISO 8601 instant with its offset, e.g. ``2026-12-31T23:50:00+08:00`` (Beijing time)."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"name the offset of {text!r}, e.g. +08:00 for Beijing time")
    return value

"""The one clock: every rule and service takes "now" from the ``Clock`` in the app's context.

Nothing else in ``api``, ``models``, ``schedules`` or ``qr`` reads the wall clock
(``tests/unit/test_one_clock.py`` fails if something does), and no business decision uses the
database server's clock. Instants are aware UTC; local dates (Asia/Shanghai) are derived at the edge.

Tests either hand ``create_app`` a ``FixedClock`` or pin the process time with ``time-machine``
(which ``SystemClock`` then reads).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, aware, in UTC."""
        ...


class SystemClock:
    """The wall clock: the only reader of the system time in the service."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A clock that stands still until moved (tests, ``ruqi seed --as-of``)."""

    def __init__(self, instant: dt.datetime) -> None:
        self._instant = _utc(instant)

    def now(self) -> dt.datetime:
        return self._instant

    def set(self, instant: dt.datetime) -> None:
        self._instant = _utc(instant)

    def advance(self, delta: dt.timedelta) -> None:
        self._instant += delta

    def __repr__(self) -> str:
        return f"FixedClock({self._instant.isoformat()})"


def local_today(clock: Clock) -> dt.date:
    """Today's date in Beijing time."""
    return clock.now().astimezone(LOCAL_TZ).date()


def _utc(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None:
        raise ValueError("a clock instant must be timezone-aware")
    return instant.astimezone(dt.UTC)

"""What the use cases need from the running service (keys, policies, live updates), handed in by the app.

No Litestar types: services take a ``ServiceContext`` and never reach into the app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from api.policies import FilingPolicy
from qr import KeyRing

Publish = Callable[[str, dict[str, Any]], Awaitable[None]]


async def _no_publish(channel: str, message: dict[str, Any]) -> None:
    return None


@dataclass(frozen=True)
class ServiceContext:
    keyring: KeyRing
    policy: FilingPolicy
    public_base_url: str
    issuer: str = "ruqi"
    code_grace: dt.timedelta = dt.timedelta(minutes=30)
    scan_radius_m: float = 300.0
    backfill_window: dt.timedelta = dt.timedelta(days=10)
    publish: Publish = _no_publish
    # Per-app cache of what never changes after filing (units, inspectors, items), for the verify path.
    filed_parts: dict[int, Any] = field(default_factory=dict)

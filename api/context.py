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
# Called inside the transaction that changed an inspector's 执法证: the visit ids whose codes it voided.
InspectorChanged = Callable[[int, dt.datetime], Awaitable[list[int]]]
# Called inside the check-out's transaction: the supervision domain may open a case (no valid on-site scan).
VisitCheckedOut = Callable[[int, dt.datetime], Awaitable[int | None]]


async def _no_publish(channel: str, message: dict[str, Any]) -> None:
    return None


async def _nothing_escalated(visit_id: int, now: dt.datetime) -> int | None:
    return None


async def _nothing_voided(inspector_id: int, now: dt.datetime) -> list[int]:
    return []


@dataclass(frozen=True)
class ServiceContext:
    keyring: KeyRing
    policy: FilingPolicy
    public_base_url: str
    issuer: str = "ruqi"
    code_grace: dt.timedelta = dt.timedelta(minutes=30)
    scan_radius_m: float = 300.0
    scan_max_accuracy_m: float = 100.0
    # Enterprise codes (企业码) are signed with their own long-lived key ring, never rotated with the visit key.
    enterprise_keyring: KeyRing | None = None
    backfill_window: dt.timedelta = dt.timedelta(days=10)
    publish: Publish = _no_publish
    # Wired by the app to api.visits.voiding: the registry (below visits) must not import visits.
    inspector_changed: InspectorChanged = _nothing_voided
    # RUQI_VERIFY_LOG_FLUSH_MS > 0: verification-log rows go to this batch (api.verification.log_batch) instead of
    # one INSERT per verification.
    verification_log_sink: Callable[[dt.datetime, int | None, str, str, str], None] | None = None
    # Wired by the app to api.supervision.escalation: visits (below supervision) must not import it.
    visit_checked_out: VisitCheckedOut = _nothing_escalated
    # Per-app cache of what never changes after filing (units, inspectors, items), for the verify path.
    filed_parts: dict[int, Any] = field(default_factory=dict)

"""Is a login token still good? Its token version against the account's, read briefly cached.

Every authenticated request asks ``TokenVersions.check``; the answer for an account is kept for
``RUQI_TOKEN_CHECK_SECONDS`` per worker (so a revocation reaches every worker within that time, and this
worker at once: the services that raise a version call ``forget_token_version``).
"""

from __future__ import annotations

import time
import weakref

from api.actor import Actor
from models.tables import User

_caches: weakref.WeakSet[TokenVersions] = weakref.WeakSet()


class TokenVersions:
    MAX_ENTRIES = 50_000

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._known: dict[int, tuple[float, int, bool]] = {}  # user id -> (read at, version, active)
        _caches.add(self)

    async def check(self, actor: Actor, version: int) -> bool:
        now = time.monotonic()
        known = self._known.get(actor.user_id)
        if known is None or now - known[0] >= self.ttl:
            row = await User.select(User.token_version, User.active).where(User.id == actor.user_id).first()
            known = (now, -1, False) if row is None else (now, int(row["token_version"] or 0), bool(row["active"]))
            if len(self._known) >= self.MAX_ENTRIES:
                self._known.clear()
            self._known[actor.user_id] = known
        _, current, active = known
        return active and version == current

    def forget(self, user_id: int) -> None:
        self._known.pop(user_id, None)


def forget_token_version(user_id: int) -> None:
    """Drop the cached version of ``user_id`` in every cache of this process (after raising it)."""
    for cache in list(_caches):
        cache.forget(user_id)

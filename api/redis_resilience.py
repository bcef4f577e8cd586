"""Redis is an accelerator here, never the truth: when it is down the service keeps working without it.

* ``FailOpenStore`` wraps a ``RedisStore``: a Redis error is logged (once per outage) and the operation
  degrades — reads miss, writes are dropped — so rate limiting fails open instead of failing the request.
* ``ResilientPubSubBackend`` keeps live updates best-effort: a failed publish is logged and dropped (an
  exception would end the channels plugin's publishing task for good, and shutdown would then wait forever
  on its queue), and the event stream reconnects — re-subscribing its channels — when Redis is back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncGenerator, Iterable
from typing import Any

from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.stores.base import Store
from redis.exceptions import RedisError

logger = logging.getLogger("ruqi.redis")

STREAM_RETRY_SECONDS = 1.0


class _OutageLog:
    """Logs the first failure of an outage and the recovery, not every failed call."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.down = False

    def failed(self, operation: str, exc: BaseException) -> None:
        if not self.down:
            self.down = True
            logger.warning("Redis unavailable: %s degrades (%s failed: %r)", self.what, operation, exc)

    def succeeded(self) -> None:
        if self.down:
            self.down = False
            logger.warning("Redis available again: %s restored", self.what)


class FailOpenStore(Store):
    """A store that answers as if empty while its Redis store fails."""

    def __init__(self, inner: Store, name: str) -> None:
        self.inner = inner
        self._log = _OutageLog(f"store {name!r}")

    async def set(self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None) -> None:
        try:
            await self.inner.set(key, value, expires_in)
        except RedisError as exc:
            self._log.failed("set", exc)
            return
        self._log.succeeded()

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        try:
            value = await self.inner.get(key, renew_for)
        except RedisError as exc:
            self._log.failed("get", exc)
            return None
        self._log.succeeded()
        return value

    async def delete(self, key: str) -> None:
        try:
            await self.inner.delete(key)
        except RedisError as exc:
            self._log.failed("delete", exc)

    async def delete_all(self) -> None:
        try:
            await self.inner.delete_all()
        except RedisError as exc:
            self._log.failed("delete_all", exc)

    async def exists(self, key: str) -> bool:
        try:
            return await self.inner.exists(key)
        except RedisError as exc:
            self._log.failed("exists", exc)
            return False

    async def expires_in(self, key: str) -> int | None:
        try:
            return await self.inner.expires_in(key)
        except RedisError as exc:
            self._log.failed("expires_in", exc)
            return None


class ResilientPubSubBackend(RedisChannelsPubSubBackend):
    """Redis pub/sub whose failures degrade live updates instead of ending them until a restart."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._outage = _OutageLog("live updates")

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        try:
            await super().publish(data, channels)
        except RedisError as exc:
            self._outage.failed("publish", exc)
            return
        self._outage.succeeded()

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        try:
            await super().unsubscribe(channels)
        except RedisError as exc:
            self._outage.failed("unsubscribe", exc)

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        while True:
            try:
                async for event in super().stream_events():
                    self._outage.succeeded()
                    yield event
            except RedisError as exc:
                self._outage.failed("receive", exc)
                await asyncio.sleep(STREAM_RETRY_SECONDS)

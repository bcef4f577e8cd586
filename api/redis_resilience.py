"""Redis is an accelerator here, never the truth: when it is down the service keeps working without it.

* ``ResilientPubSubBackend`` keeps live updates best-effort: a failed publish is logged and dropped (an
  exception would end the channels plugin's publishing task for good, and shutdown would then wait forever
  on its queue), and the event stream reconnects — re-subscribing its channels — when Redis is back.
* ``RedisWindowCounter`` counts requests for the rate limits and keeps login lockouts (``api.throttle``); a
  Redis error is logged (once per outage) and the request is let through, so rate limiting fails open
  instead of failing the request.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncGenerator, Iterable
from typing import Any

from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.asyncio import Redis
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


class RedisWindowCounter:
    """Fixed-window request counter: one pipelined round trip (INCR, EXPIRE NX, TTL), atomic across workers.

    Litestar's own limiter reads and rewrites a per-client request history (GET + SET under a per-process
    lock), which two workers can race and which grows with the limit; a counter does neither. Fails open.
    """

    # Both counters of ``hit_then`` in one round trip, with hit's semantics: INCR, EXPIRE NX, TTL on the first key;
    # only while it is within the limit the same on the second. A script runs atomically, as a pipeline does.
    _HIT_THEN = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1], 'NX')
local ttl = redis.call('TTL', KEYS[1])
if #KEYS > 1 and count <= tonumber(ARGV[2]) then
  count = redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], ARGV[1], 'NX')
  ttl = redis.call('TTL', KEYS[2])
end
return {count, ttl}
"""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.namespace = namespace
        self._log = _OutageLog("rate limiting")
        self._hit_then = redis.register_script(self._HIT_THEN)  # EVALSHA, loaded on first use

    async def hit(self, key: str, window_s: int) -> tuple[int, int]:
        """Count one request; (requests in the current window, seconds until it resets). (0, window) if Redis fails."""
        name = f"{self.namespace}:{key}"
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.incr(name)
                pipe.expire(name, window_s, nx=True)
                pipe.ttl(name)
                count, _, ttl = await pipe.execute()
        except RedisError as exc:
            self._log.failed("rate counter", exc)
            return 0, window_s
        self._log.succeeded()
        return int(count), int(ttl) if int(ttl) > 0 else window_s

    async def hit_then(self, key: str, then_key: str | None, limit: int, window_s: int) -> tuple[int, int]:
        """``hit(key)``, then — only while ``key`` is within ``limit`` — ``hit(then_key)``, whose figures are then
        the answer: one round trip instead of two. (0, window) if Redis fails."""
        keys = [f"{self.namespace}:{key}"] + ([f"{self.namespace}:{then_key}"] if then_key else [])
        try:
            count, ttl = await self._hit_then(keys=keys, args=[window_s, limit])
        except RedisError as exc:
            self._log.failed("rate counter", exc)
            return 0, window_s
        self._log.succeeded()
        return int(count), int(ttl) if int(ttl) > 0 else window_s

    async def block(self, key: str, seconds: int) -> None:
        """Mark ``key`` blocked for ``seconds`` (a lockout); fails open like ``hit``."""
        try:
            await self.redis.set(f"{self.namespace}:block:{key}", 1, ex=max(1, seconds))
        except RedisError as exc:
            self._log.failed("block", exc)

    async def blocked_for(self, key: str) -> int:
        """Seconds left of ``key``'s block, 0 when it is not blocked (or Redis fails)."""
        try:
            ttl = int(await self.redis.ttl(f"{self.namespace}:block:{key}"))
        except RedisError as exc:
            self._log.failed("block check", exc)
            return 0
        return max(ttl, 0)

    async def clear(self, key: str) -> None:
        """Forget ``key``'s count (a successful login ends a run of failures)."""
        try:
            await self.redis.delete(f"{self.namespace}:{key}")
        except RedisError as exc:
            self._log.failed("clear", exc)


class MemoryWindowCounter:
    """The in-process twin of ``RedisWindowCounter`` for the embedded default (one process)."""

    MAX_KEYS = 100_000

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}
        self._blocks: dict[str, float] = {}

    async def hit(self, key: str, window_s: int) -> tuple[int, int]:
        now = time.monotonic()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            if len(self._windows) >= self.MAX_KEYS:
                self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
            ends, count = now + window_s, 0
        self._windows[key] = (ends, count + 1)
        return count + 1, max(1, math.ceil(ends - now))

    async def hit_then(self, key: str, then_key: str | None, limit: int, window_s: int) -> tuple[int, int]:
        count, reset_in = await self.hit(key, window_s)
        if then_key and count <= limit:
            return await self.hit(then_key, window_s)
        return count, reset_in

    async def block(self, key: str, seconds: int) -> None:
        now = time.monotonic()
        if len(self._blocks) >= self.MAX_KEYS:
            self._blocks = {k: v for k, v in self._blocks.items() if v > now}
        self._blocks[key] = now + max(1, seconds)

    async def blocked_for(self, key: str) -> int:
        left = self._blocks.get(key, 0.0) - time.monotonic()
        return math.ceil(left) if left > 0 else 0

    async def clear(self, key: str) -> None:
        self._windows.pop(key, None)

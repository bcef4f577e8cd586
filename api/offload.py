"""CPU-heavy work off the event loop, in bounded pools of worker threads.

Password hashing (argon2), spreadsheet parsing and image processing each hold a thread for tens of
milliseconds to seconds; on the event loop they would stall every other request (``/health`` included).
``run_in_pool(pool, fn, *args)`` runs ``fn`` in a worker thread; at most ``size`` calls of one pool run at
once (the rest wait their turn without blocking the loop). Limiters belong to an event loop, so each loop
gets its own (tests start several).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")

POOL_SIZES: dict[str, int] = {"password": 2, "heavy": 2}
"""Threads per pool: ``password`` (argon2: each hash also uses 4 lanes), ``heavy`` (spreadsheets, images;
``RUQI_HEAVY_WORK_CONCURRENCY`` sets it at startup)."""

_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, anyio.CapacityLimiter]] = (
    weakref.WeakKeyDictionary()
)


def configure(pool: str, size: int) -> None:
    POOL_SIZES[pool] = size
    for limiters in _limiters.values():
        if pool in limiters:
            limiters[pool].total_tokens = size


def limiter(pool: str) -> anyio.CapacityLimiter:
    per_loop = _limiters.setdefault(asyncio.get_running_loop(), {})
    if pool not in per_loop:
        per_loop[pool] = anyio.CapacityLimiter(POOL_SIZES[pool])
    return per_loop[pool]


async def run_in_pool(pool: str, fn: Callable[..., T], *args: object) -> T:
    return await anyio.to_thread.run_sync(fn, *args, limiter=limiter(pool))

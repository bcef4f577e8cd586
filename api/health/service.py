"""Health: can we reach the database, and Redis when it is configured?"""

from __future__ import annotations

import asyncio
from typing import Any

from api import __version__
from models.tables import DatasetInfo

HEALTH_TIMEOUT_S = 2.0


async def check_health(redis_client: Any | None) -> dict[str, Any]:
    detail: dict[str, str] = {}
    database = "ok"
    dataset = "empty"
    try:
        row = await asyncio.wait_for(
            DatasetInfo.select(DatasetInfo.value).where(DatasetInfo.key == "dataset").first(), HEALTH_TIMEOUT_S
        )
        dataset = row["value"] if row else "empty"
    except Exception as exc:  # any failure means "down"; the reason goes in the body
        database = "down"
        detail["database"] = f"{type(exc).__name__}: {exc}"[:200]
    redis = "not_configured"
    if redis_client is not None:
        try:
            await asyncio.wait_for(redis_client.ping(), HEALTH_TIMEOUT_S)
            redis = "ok"
        except Exception as exc:
            redis = "down"
            detail["redis"] = f"{type(exc).__name__}: {exc}"[:200]
    status = "ok" if database == "ok" else "down"
    if status == "ok" and redis == "down":
        status = "degraded"
    return {
        "status": status,
        "database": database,
        "redis": redis,
        "dataset": dataset,
        "version": __version__,
        "detail": detail,
    }

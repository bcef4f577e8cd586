"""Health: can we reach the database, and Redis when it is configured?"""

from __future__ import annotations

import asyncio
from typing import Any

from api import __version__
from models.tables import DatasetInfo

HEALTH_TIMEOUT_S = 2.0


async def dataset_kind() -> str:
    """``sample`` when the loaded data is the generated sample district, ``empty`` when nothing is loaded."""
    row = await DatasetInfo.select(DatasetInfo.value).where(DatasetInfo.key == "dataset").first()
    return str(row["value"]) if row else "empty"


async def check_health(redis_client: Any | None) -> dict[str, Any]:
    detail: dict[str, str] = {}
    database = "ok"
    dataset = "empty"
    try:
        dataset = await asyncio.wait_for(dataset_kind(), HEALTH_TIMEOUT_S)
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

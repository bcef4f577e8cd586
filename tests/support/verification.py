"""Helpers for tests of the public verification routes: codes, tokens, and reaching into the app's loop."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from litestar.testing import TestClient

from api.app import create_app
from api.context import ServiceContext
from api.settings import Settings
from api.visits.rules import LOCAL_TZ
from models.visit_tables import Visit
from qr.codec import decode_token, encode_token
from tests.support.api import Api
from tests.support.visits import approved_visit
from tests.support.world import World

T = TypeVar("T")


def now_window(hours: int = 2) -> tuple[str, str]:
    """A window that has just started (within the filing rules' five-minute tolerance)."""
    start = dt.datetime.now(LOCAL_TZ).replace(microsecond=0) - dt.timedelta(minutes=2)
    return start.isoformat(), (start + dt.timedelta(hours=hours)).isoformat()


def current_visit(api: Api, **overrides: Any) -> dict[str, Any]:
    """An approved visit whose window holds now: its code verifies as valid."""
    start, end = now_window()
    return approved_visit(api, **{"window_start": start, "window_end": end, **overrides})


def code_of(api: Api, visit_id: int, as_: str = "planner-mkt") -> str:
    response = api.get(f"/api/v1/visits/{visit_id}/code", as_=as_)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def env_of(api: Api) -> ServiceContext:
    env: ServiceContext = api.app.state.context
    return env


def in_app(api: Api, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run a coroutine function on the app's own event loop (its database pool lives there)."""
    return api.client.blocking_portal.call(fn, *args)


def set_status(api: Api, visit_id: int, status: str, **columns: Any) -> None:
    values: dict[Any, Any] = {Visit.status: status}
    values.update({getattr(Visit, k): v for k, v in columns.items()})

    async def update() -> None:
        await Visit.update(values).where(Visit.id == visit_id)

    in_app(api, update)


def altered(token: str, index: int = -1) -> str:
    """The token with one byte changed (XOR 1), Base32 again."""
    raw = bytearray(decode_token(token))
    raw[index] ^= 0x01
    return encode_token(bytes(raw))


def verify(api: Api, token: str, **params: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/public/verify/{token}", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def log_total(api: Api, visit_id: int | None = None) -> int:
    params = {"visit_id": str(visit_id)} if visit_id is not None else {}
    response = api.get("/api/v1/verifications", as_="supervisor", params={**params, "limit": "1"})
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


@contextmanager
def make_api(settings: Settings, world: World, backend: str, **changes: Any) -> Iterator[Api]:
    """The app with changed settings (e.g. a small rate limit), over the test's own database."""
    app = create_app(dataclasses.replace(settings, **changes))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client=client, world=world, backend=backend)

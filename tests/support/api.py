"""The test client of the integration tests: the app plus the world's actors, with bearer headers per username."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from api.auth import token_extras
from tests.support.world import World


@dataclass
class Api:
    """A test client plus the world's actors, with bearer headers per username."""

    client: TestClient[Litestar]
    world: World
    backend: str

    @property
    def app(self) -> Litestar:
        app: Litestar = self.client.app
        return app

    def headers(self, username: str) -> dict[str, str]:
        actor = self.world.actors[username]
        token = self.app.state.jwt_auth.create_token(identifier=actor.username, token_extras=token_extras(actor))
        return {"Authorization": f"Bearer {token}"}

    def _merged(self, as_: str | None, extra: dict[str, str] | None) -> dict[str, str] | None:
        """The bearer header of ``as_`` (if any) with the request's own headers (Accept-Language, say)."""
        if as_ is None:
            return extra
        return {**self.headers(as_), **(extra or {})}

    def get(self, path: str, as_: str | None = None, **kw: Any) -> Any:
        return self.client.get(path, headers=self._merged(as_, kw.pop("headers", None)), **kw)

    def post(self, path: str, as_: str | None = None, **kw: Any) -> Any:
        return self.client.post(path, headers=self._merged(as_, kw.pop("headers", None)), **kw)

    def patch(self, path: str, as_: str | None = None, **kw: Any) -> Any:
        return self.client.patch(path, headers=self._merged(as_, kw.pop("headers", None)), **kw)

    def delete(self, path: str, as_: str | None = None, **kw: Any) -> Any:
        return self.client.delete(path, headers=self._merged(as_, kw.pop("headers", None)), **kw)

"""A real server reached over HTTP, as the browser tests use it: log in as a world user and call the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.world import PASSWORD, World


@dataclass
class LiveServer:
    base_url: str
    world: World
    http: httpx.Client

    def login(self, username: str) -> dict[str, str]:
        response = self.http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def call(self, method: str, path: str, as_: str, **kw: Any) -> Any:
        response = self.http.request(method, path, headers=self.login(as_), **kw)
        assert response.status_code < 300, response.text
        return response.json()

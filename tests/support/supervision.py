"""Helpers for the supervision tests: complaints, their workflow, and visits put into a checked-out state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.visit_tables import Visit
from tests.support.api import Api


def run_in_app(api: Api, query: Any) -> Any:
    """Run a Piccolo query on the loop (and pool) of the app under test."""

    async def run() -> Any:
        return await query

    return api.client.blocking_portal.call(run)


def complain(api: Api, client_event_id: str = "c-1", as_: str | None = None, **fields: Any) -> Any:
    body = {
        "kind": "inspector_conduct",
        "description": "检查人员态度粗暴",
        "client_event_id": client_event_id,
        **fields,
    }
    path = "/api/v1/complaints" if as_ else "/api/v1/public/complaints"
    return api.post(path, as_=as_, json=body)


def advance(api: Api, complaint_id: int, to: str, **fields: Any) -> Any:
    return api.post(f"/api/v1/complaints/{complaint_id}/advance", as_="supervisor", json={"to": to, **fields})


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def set_checked_out(api: Api, visit_id: int, result: str = "no_issue", at: dt.datetime | None = None) -> None:
    """The state the check-out endpoint leaves (the scans are not what these tests are about)."""
    when = at or dt.datetime.now(dt.UTC)
    run_in_app(
        api,
        Visit.update(
            {Visit.status: "checked_out", Visit.checked_in_at: when, Visit.checked_out_at: when, Visit.result: result}
        ).where(Visit.id == visit_id),
    )

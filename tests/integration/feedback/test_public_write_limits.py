"""Public writes are bounded (issue 13): a flood gets 429 with when to retry; what was accepted is kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.settings import Settings
from models.visit_tables import Complaint
from tests.support.api import Api
from tests.support.verification import in_app, make_api
from tests.support.world import USCC_A, USCC_B, World

PER_CLIENT, PER_TARGET = 5, 3


@pytest.fixture
def limited(settings: Settings, world: World, backend: str) -> Iterator[Api]:
    with make_api(
        settings, world, backend, public_write_rate_per_hour=PER_CLIENT, public_write_rate_per_target=PER_TARGET
    ) as api:
        yield api


def _complain(api: Api, n: int, headers: dict[str, str] | None = None, **extra: Any) -> Any:
    body = {"kind": "too_frequent", "description": f"第{n}次投诉", "client_event_id": f"flood-{n}", **extra}
    return api.client.post("/api/v1/public/complaints", json=body, headers=headers)


def _stored(api: Api) -> list[str]:
    async def rows() -> list[dict[str, Any]]:
        return await Complaint.select(Complaint.description).order_by(Complaint.id)

    return [r["description"] for r in in_app(api, rows) if r["description"].startswith("第")]


def test_a_flood_of_anonymous_complaints_is_told_when_to_retry(limited: Api) -> None:
    answers = [_complain(limited, n) for n in range(PER_CLIENT + 3)]
    assert [a.status_code for a in answers] == [201] * PER_CLIENT + [429] * 3
    refused = answers[-1]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "rate_limited"
    retry = int(refused.headers["Retry-After"])
    assert 0 < retry <= 3600 and refused.json()["retry_after"] == retry
    assert str(retry) in refused.json()["detail"]  # the person reads when to try again
    # Every accepted complaint is kept; the refused ones were never received (the sender was told so).
    assert _stored(limited) == [f"第{n}次投诉" for n in range(PER_CLIENT)]


def test_rotating_x_forwarded_for_does_not_lift_the_limit(limited: Api) -> None:
    codes = [
        _complain(limited, n, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(PER_CLIENT + 1)
    ]
    assert codes[-1] == 429


def test_complaints_about_one_enterprise_are_bounded_whoever_sends_them(limited: Api) -> None:
    # Logged-in enterprises are counted per account; the enterprise complained about is counted across them.
    codes = [_complain(limited, n, uscc=USCC_A).status_code for n in range(PER_TARGET + 1)]
    assert codes == [201] * PER_TARGET + [429]
    assert _complain(limited, 99, uscc=USCC_B).status_code == 201  # another enterprise is not affected


def test_an_enterprise_account_is_limited_on_its_own(limited: Api) -> None:
    def complain(user: str, n: int) -> int:
        body = {"kind": "other", "description": f"第{n}次", "client_event_id": f"{user}-{n}"}
        return int(limited.post("/api/v1/complaints", as_=user, json=body).status_code)

    assert [complain("enterprise-a", n) for n in range(PER_TARGET + 1)] == [201] * PER_TARGET + [429]
    assert complain("enterprise-b", 0) == 201


def test_ratings_of_one_visit_are_bounded(limited: Api) -> None:
    rating = {"score": 1, "client_event_id": "same"}
    codes = [
        limited.post("/api/v1/visits/999999/rating", as_="enterprise-a", json=rating).status_code for _ in range(4)
    ]
    assert codes[:PER_TARGET] == [404] * PER_TARGET and codes[PER_TARGET] == 429

"""The big lists page by cursor: following ``next_after`` visits every row once, in the list's order, ties included;
a cursor the list did not give is a 400; an unfiltered list of a huge table says its total is an estimate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from api.metrics.sql import fetch
from models import estimates
from models.nonsite_tables import NonsiteRecord
from models.visit_tables import VerificationLog
from tests.support.api import Api
from tests.support.metrics_data import build_history, local, run_in_app
from tests.support.supervision import problem

LISTS = {
    "/api/v1/visits": "id",
    "/api/v1/nonsite/records": "id",
    "/api/v1/verifications": "id",
    "/api/v1/audit/events": "seq",
}


def page(api: Api, path: str, **query: Any) -> dict[str, Any]:
    response = api.get(path, as_="supervisor", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def more_rows(api: Api) -> None:
    """The metrics history, five non-site records starting at the same minute (ties) and 7 verifications."""
    history = build_history(api)
    same = local("2025-07-20 09:00")

    async def insert() -> None:
        for n in range(5):
            await NonsiteRecord.insert(
                NonsiteRecord(
                    mode="drone",
                    unit=history.unit_ids["ENV"],
                    started_at=same,
                    ended_at=same + dt.timedelta(minutes=20 + n),
                    geometry='{"type":"Point","coordinates":[117.06,36.68]}',
                    result="no_issue",
                    created_by="planner-env",
                    created_at=same,
                )
            )
        for n in range(7):
            await VerificationLog.insert(
                VerificationLog(at=same + dt.timedelta(minutes=n), visit_id=None, outcome="valid", channel="json")
            )

    run_in_app(api, insert())


@pytest.mark.parametrize("path", list(LISTS))
def test_following_next_after_reads_every_row_once_in_order(api: Api, path: str) -> None:
    more_rows(api)
    key = LISTS[path]
    whole = page(api, path, limit=500)
    assert whole["next_after"] is None and whole["total"] == len(whole["items"]) and whole["total_exact"]
    assert whole["total"] >= 7
    seen: list[int] = []
    after: str | None = None
    for _ in range(whole["total"]):
        body = page(api, path, limit=3, **({"after": after} if after else {}))
        assert body["total"] == whole["total"]  # the total of the list, not of what is left
        seen += [row[key] for row in body["items"]]
        after = body["next_after"]
        if after is None:
            break
    assert seen == [row[key] for row in whole["items"]]
    # offset paging still answers the same rows
    assert [r[key] for r in page(api, path, limit=3, offset=3)["items"]] == seen[3:6]


@pytest.mark.parametrize("path", list(LISTS))
@pytest.mark.parametrize(
    "cursor", ["not-a-cursor", "W10", "WyJ4Il0", "WyIyMDI1LTA3LTIwVDA5OjAwOjAwIiwgMV0", "WzEsMiwzXQ"]
)
def test_a_cursor_the_list_did_not_give_is_refused(api: Api, path: str, cursor: str) -> None:
    # '[]', '["x"]', '["2025-07-20T09:00:00", 1]' (no offset) and '[1,2,3]': no list gave any of them.
    body = problem(api.get(path, as_="supervisor", params={"after": cursor}), 400, "invalid_cursor")
    assert body["detail"]


@pytest.mark.parametrize("backend", ["postgres"])  # SQLite keeps no planner statistics to estimate from
def test_an_unfiltered_list_of_a_huge_table_gives_an_estimated_total(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    more_rows(api)
    run_in_app(api, fetch("ANALYZE audit_event"))
    exact = int(run_in_app(api, fetch("SELECT COUNT(*) AS n FROM audit_event"))[0]["n"])
    monkeypatch.setattr(estimates, "ESTIMATE_FROM_ROWS", 10)  # "huge" for this small world
    unfiltered = page(api, "/api/v1/audit/events", limit=5)
    assert unfiltered["total_exact"] is False
    assert abs(unfiltered["total"] - exact) <= max(5, exact // 10)
    assert len(unfiltered["items"]) == 5 and unfiltered["next_after"]
    filtered = page(api, "/api/v1/audit/events", limit=5, type="visit.filed")
    assert filtered["total_exact"] is True

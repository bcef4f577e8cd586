"""Two visits of the same enterprise and inspector with open windows: the scan checks in the one not yet
checked out (the sample client's walkthrough files a second visit while the first one's window is open)."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.scans import enterprise_code, live_visit, now_window, scan


def test_a_scan_checks_in_the_open_visit_not_the_finished_one(api: Api) -> None:
    first = live_visit(api, item_codes=["MKT-001"])
    code = enterprise_code(api)
    assert scan(api, code, "open-1").json()["visit_id"] == first["id"]
    done = {"client_event_id": "open-1-out", "result": "no_issue"}
    assert api.post(f"/api/v1/visits/{first['id']}/checkout", as_="inspector-mkt1", json=done).status_code == 200
    triggered = {"origin": "triggered", "trigger_type": "complaint", "trigger_reason": "投诉"}
    second = live_visit(api, item_codes=["MKT-001"], **triggered, **now_window(2))
    arrival = scan(api, code, "open-2")
    assert arrival.status_code == 201, arrival.text
    assert arrival.json()["visit_id"] == second["id"] and arrival.json()["kind"] == "arrival"

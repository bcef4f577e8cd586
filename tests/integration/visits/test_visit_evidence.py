"""Photos of an on-site visit (the phone app's check-out): hash-checked, cleaned, idempotent, audited, private."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from tests.support.api import Api
from tests.support.nonsite import jpeg_with_gps, png_bytes, sha256
from tests.support.scans import enterprise_code, live_visit, scan


def _upload(api: Api, visit_id: int, data: bytes, *, as_: str = "inspector-mkt1", claimed: str = "") -> Any:
    return api.post(
        f"/api/v1/visits/{visit_id}/evidence",
        as_=as_,
        files={"file": ("现场.jpg", data, "image/jpeg")},
        data={"sha256": claimed or sha256(data)},
    )


def _checked_in(api: Api) -> dict[str, Any]:
    visit = live_visit(api)
    assert scan(api, enterprise_code(api), "evidence-scan").status_code == 201
    return visit


def test_photo_is_kept_without_gps_once_and_audited(api: Api) -> None:
    visit = _checked_in(api)
    photo = jpeg_with_gps()
    first = _upload(api, visit["id"], photo)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["sha256"] == sha256(photo) and body["url"] == f"/api/v1/visits/{visit['id']}/evidence/{sha256(photo)}"
    again = _upload(api, visit["id"], photo)  # the outbox resends after a lost answer
    assert again.status_code == 200 and again.json()["sha256"] == body["sha256"]
    listed = api.get(f"/api/v1/visits/{visit['id']}/evidence", as_="supervisor").json()
    assert [e["sha256"] for e in listed] == [sha256(photo)]
    kept = api.get(body["url"], as_="planner-mkt")
    assert kept.status_code == 200 and kept.headers["content-type"] == "image/jpeg"
    assert 34853 not in Image.open(io.BytesIO(kept.content)).getexif()  # no GPS in what is kept
    assert api.get(body["thumbnail_url"], as_="planner-mkt").status_code == 200
    events = api.get(f"/api/v1/audit/events?subject=visit:{visit['id']}", as_="supervisor").json()["items"]
    assert [e["type"] for e in events].count("visit_evidence") == 1


def test_evidence_after_checkout_is_accepted(api: Api) -> None:
    """A phone that was offline sends its photos after the check-out it queued first."""
    visit = _checked_in(api)
    checkout = {"client_event_id": "evidence-out", "result": "no_issue"}
    assert api.post(f"/api/v1/visits/{visit['id']}/checkout", as_="inspector-mkt1", json=checkout).status_code == 200
    assert _upload(api, visit["id"], png_bytes()).status_code == 201


def test_refusals(api: Api) -> None:
    visit = live_visit(api)
    photo = png_bytes()
    not_in = _upload(api, visit["id"], photo)
    assert not_in.status_code == 422 and not_in.json()["code"] == "visit_not_checked_in"
    assert "签到" in not_in.json()["detail"]
    assert scan(api, enterprise_code(api), "evidence-scan-2").status_code == 201
    mismatch = _upload(api, visit["id"], photo, claimed="0" * 64)
    assert mismatch.status_code == 422 and mismatch.json()["code"] == "hash_mismatch"
    bad_hash = _upload(api, visit["id"], photo, claimed="xyz")
    assert bad_hash.status_code == 400 and bad_hash.json()["code"] == "sha256_invalid"
    other_unit = _upload(api, visit["id"], photo, as_="inspector-fire1")
    assert other_unit.status_code == 404  # another unit's visit is not confirmed to exist
    planner = _upload(api, visit["id"], photo, as_="planner-mkt")
    assert planner.status_code == 403
    assert _upload(api, 999_999, photo).status_code == 404
    assert api.get(f"/api/v1/visits/{visit['id']}/evidence/{'a' * 64}", as_="supervisor").status_code == 404
    assert api.get(f"/api/v1/visits/{visit['id']}/evidence", as_="enterprise-a").status_code == 403
    assert api.get(f"/api/v1/visits/{visit['id']}/evidence", as_="inspector-fire1").status_code == 404

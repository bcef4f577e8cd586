"""Codes a phone camera reads for every visit that can be filed; enterprise codes that outlive key rotation and
can be re-issued; triggered visits kept from the enterprise (issue 12, points 5, 6 and 9)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import zxingcpp
from litestar.testing import TestClient
from PIL import Image

from api.app import create_app
from api.settings import Settings
from qr import KeyRing
from qr.claims import lists_digest
from qr.codec import decode_token
from qr.tokens import verify_token
from tests.support.api import Api
from tests.support.scans import NEAR, enterprise_code, live_visit, now_window, scan
from tests.support.verification import env_of, verify
from tests.support.visits import file_visit, window
from tests.support.world import TODAY, USCC_A, World

UNITS = ["MKT", "FIRE", "ENV", "STR", "TAXJ"]


def _decoded(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png))
    return [
        r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    ]


def _joint_world(api: Api, per_unit: int = 3, items_per_unit: int = 2) -> tuple[list[int], list[str]]:
    """Five units with ``per_unit`` certified inspectors and ``items_per_unit`` published items each."""
    unit = {"code": "TAXJ", "name": "历城区税务局", "kind": "department"}
    assert api.post("/api/v1/units", as_="admin", json=unit).status_code == 201
    inspector_ids: list[int] = []
    item_codes: list[str] = []
    for u, code in enumerate(UNITS):
        for n in range(per_unit):
            body = {
                "name": f"联检{u}{n}",
                "unit_code": code,
                "cert_no": f"3701120{u:02d}2{n:04d}",  # 14 characters, as real 执法证 numbers
                "valid_from": (TODAY - dt.timedelta(days=30)).isoformat(),
                "valid_to": (TODAY + dt.timedelta(days=700)).isoformat(),
            }
            created = api.post("/api/v1/inspectors", as_="admin", json=body)
            assert created.status_code == 201, created.text
            inspector_ids.append(created.json()["id"])
        for n in range(items_per_unit):
            item = {
                "code": f"JC-{code}-D21-{n:03d}",
                "name": f"{code} 联合检查事项 {n}",
                "unit_code": code,
                "legal_basis": "《中华人民共和国行政处罚法》",
                "yearly_cap": 4,
                "status": "published",
            }
            assert api.post("/api/v1/items", as_="admin", json=item).status_code == 201
            item_codes.append(str(item["code"]))
    return inspector_ids, item_codes


def test_a_joint_visit_of_5_units_3_inspectors_each_and_10_items_gets_a_readable_code(api: Api) -> None:
    inspector_ids, item_codes = _joint_world(api)
    assert len(inspector_ids) == 15 and len(item_codes) == 10
    start, end = now_window(minutes_ahead=-2)["window_start"], now_window(minutes_ahead=-2)["window_end"]
    body: dict[str, Any] = {
        "unit_codes": UNITS,
        "lead_unit_code": "MKT",
        "inspector_ids": inspector_ids,
        "item_codes": item_codes,
        "window_start": start,
        "window_end": end,
        "origin": "triggered",
        "trigger_type": "higher_assignment",
        "trigger_reason": "上级交办联合检查",
    }
    visit = file_visit(api, **body)
    assert api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt").status_code == 200
    code = api.get(f"/api/v1/visits/{visit['id']}/code", as_="planner-mkt").json()
    assert code["qr_version"] <= 15
    png = api.get(f"/api/v1/visits/{visit['id']}/code.png", as_="planner-mkt")
    assert _decoded(png.content) == [code["url"]]

    # The code names the lists, or carries their digest: never silently without them.
    claims = verify_token(decode_token(code["token"]), env_of(api).keyring, dt.datetime.now(dt.UTC)).claims
    certs = [i["cert_no"] for i in sorted(visit["inspectors"], key=lambda i: inspector_ids.index(i["id"]))]
    assert claims is not None and claims.lists_match(certs, item_codes)  # type: ignore[union-attr]
    if claims.lists_digest is not None:  # type: ignore[union-attr]
        assert claims.lists_digest == lists_digest(certs, item_codes)  # type: ignore[union-attr]
    shown = verify(api, code["token"])
    assert shown["outcome"] == "valid"
    assert len(shown["visit"]["inspectors"]) == 15 and len(shown["visit"]["items"]) == 10


def test_a_single_unit_visit_with_four_inspectors_and_three_items_stays_at_version_11(api: Api) -> None:
    inspector = {
        "name": "赵四",
        "unit_code": "MKT",
        "cert_no": "37011200123499",
        "valid_from": (TODAY - dt.timedelta(days=30)).isoformat(),
        "valid_to": (TODAY + dt.timedelta(days=700)).isoformat(),
    }
    fourth = api.post("/api/v1/inspectors", as_="admin", json=inspector).json()["id"]
    ids = api.world.inspector_ids
    visit = file_visit(
        api,
        inspector_ids=[ids["MKT-C1"], ids["MKT-C2"], ids["MKT-C3"], fourth],
        item_codes=["MKT-001", "MKT-002"],
    )
    assert api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt").status_code == 200
    code = api.get(f"/api/v1/visits/{visit['id']}/code", as_="planner-mkt").json()
    assert code["qr_version"] <= 11
    claims = verify_token(decode_token(code["token"]), env_of(api).keyring, dt.datetime.now(dt.UTC)).claims
    assert claims is not None and claims.item_codes == ("MKT-001", "MKT-002")  # type: ignore[union-attr]
    assert len(claims.cert_numbers) == 4  # type: ignore[union-attr]


def test_a_code_whose_lists_do_not_match_the_filing_is_not_green(api: Api) -> None:
    visit = live_visit(api, **now_window(minutes_ahead=-2))

    async def swap_items() -> None:
        from models.tables import Item
        from models.visit_tables import VisitItem

        other = await Item.select(Item.id).where(Item.code == "MKT-002").first()
        assert other is not None
        await VisitItem.update({VisitItem.item: other["id"]}).where(VisitItem.visit == visit["id"])

    token = api.get(f"/api/v1/visits/{visit['id']}/code", as_="planner-mkt").json()["token"]
    api.client.blocking_portal.call(swap_items)
    env_of(api).filed_parts.clear()
    shown = verify(api, token)
    assert shown["outcome"] == "cancelled" and "不一致" in shown["reason"]


# -- enterprise codes ------------------------------------------------------------------------------------------
def test_printed_enterprise_codes_survive_rotating_and_retiring_the_visit_key(
    api: Api, settings: Settings, world: World
) -> None:
    printed = enterprise_code(api)
    now = dt.datetime.now(dt.UTC)
    ring = KeyRing.load_or_create(settings.data_dir / "keys", now)
    ring.rotate(now, dt.timedelta(seconds=1))  # what `ruqi rotate-keys --keep-days` does …
    retired = ring.prune(now + dt.timedelta(days=1))  # … and, once its codes expired, the old key is gone
    assert retired
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        restarted = Api(client=client, world=world, backend=api.backend)
        live_visit(restarted, **now_window(minutes_ahead=-2))
        answer = scan(restarted, printed, "after-rotation")
        assert answer.status_code == 201, answer.text
        assert enterprise_code(restarted) == printed  # the same print: the enterprise key was not rotated


def test_a_reissued_enterprise_code_retires_old_prints_after_the_grace_period(api: Api) -> None:
    live_visit(api, **now_window(minutes_ahead=-2))
    old = enterprise_code(api)
    kept = api.post(f"/api/v1/enterprises/{USCC_A}/code/reissue", as_="enterprise-a", json={"reason": "码被冒用"})
    assert kept.status_code == 201, kept.text
    new = kept.json()["url"]
    assert new != old and enterprise_code(api) == new
    assert scan(api, old, "s-old").status_code == 201  # within the 7-day grace
    assert scan(api, new, "s-new").status_code == 201
    body = {"reason": "立即停用旧码", "grace_days": 0}
    newest = api.post(f"/api/v1/enterprises/{USCC_A}/code/reissue", as_="supervisor", json=body).json()["url"]
    # Grace 0: every older print (the first and the one just replaced) stops at once.
    for printed, event in ((new, "s-new-2"), (old, "s-old-2")):
        refused = scan(api, printed, event)
        assert refused.status_code == 422 and refused.json()["code"] == "enterprise_code_replaced"
    assert scan(api, newest, "s-newest").status_code == 201
    trail = api.get("/api/v1/audit/events", as_="supervisor", params={"subject": f"enterprise:{USCC_A}"}).json()
    items = trail["items"] if isinstance(trail, dict) else trail
    reissues = [e for e in items if e["type"] == "enterprise.code_reissued"]
    assert [e["actor"] for e in reissues] == ["enterprise-a", "supervisor"]
    bad = api.post(
        f"/api/v1/enterprises/{USCC_A}/code/reissue", as_="enterprise-a", json={"reason": "", "grace_days": 99}
    )
    assert bad.status_code == 400


def test_an_old_print_is_refused_once_its_grace_is_over(api: Api) -> None:
    live_visit(api, **now_window(minutes_ahead=-2))
    old = enterprise_code(api)
    body = {"reason": "旧码遗失", "grace_days": 0}
    assert api.post(f"/api/v1/enterprises/{USCC_A}/code/reissue", as_="enterprise-a", json=body).status_code == 201
    refused = scan(api, old, "s-old")
    assert refused.status_code == 422 and refused.json()["code"] == "enterprise_code_replaced"
    assert scan(api, enterprise_code(api), "s-new").status_code == 201


# -- triggered visits and the enterprise -----------------------------------------------------------------------
def _triggered(api: Api, **overrides: Any) -> dict[str, Any]:
    body = {
        "origin": "triggered",
        "trigger_type": "complaint",
        "trigger_ref": "12345-0042",
        "trigger_reason": "群众投诉后厨卫生问题，投诉人：王某",
        **overrides,
    }
    return file_visit(api, **body)


def test_an_enterprise_does_not_see_a_triggered_visit_before_its_window(api: Api) -> None:
    start, end = window(days_ahead=2)
    future = _triggered(api, window_start=start, window_end=end)
    listed = api.get("/api/v1/visits", as_="enterprise-a").json()
    assert future["id"] not in [v["id"] for v in listed["items"]]
    assert api.get(f"/api/v1/visits/{future['id']}", as_="enterprise-a").status_code == 404
    assert api.get(f"/api/v1/visits/{future['id']}", as_="planner-mkt").json()["trigger_ref"] == "12345-0042"

    started = _triggered(api, **now_window(minutes_ahead=-2), item_codes=["MKT-002"])
    seen = api.get(f"/api/v1/visits/{started['id']}", as_="enterprise-a").json()
    assert seen["trigger_type"] == "complaint" and seen["trigger_ref"] == "" and seen["trigger_reason"] == ""
    listed = api.get("/api/v1/visits", as_="enterprise-a").json()["items"]
    [row] = [v for v in listed if v["id"] == started["id"]]
    assert row["trigger_ref"] == "" and row["trigger_reason"] == ""
    assert "12345" not in str(listed) and "王某" not in str(listed)

    assert api.post(f"/api/v1/visits/{started['id']}/approve", as_="approver-mkt").status_code == 200
    token = api.get(f"/api/v1/visits/{started['id']}/code", as_="planner-mkt").json()["token"]
    page = api.get(f"/V/{token}").text
    shown = verify(api, token)
    for text in (page, str(shown)):
        assert "12345" not in text and "王某" not in text and "后厨卫生" not in text
    assert "投诉举报" in shown["visit"]["origin_text"]  # only the general phrase
    assert NEAR  # the scan helpers are shared with the other trust tests

"""Public verification of visit codes: every outcome, the page, and the verification log (both backends)."""

from __future__ import annotations

import datetime as dt

from api.context import ServiceContext
from api.verification.schemas import VerificationRead
from api.verification.service import verify_visit_code
from api.visits.codes import enterprise_code_url, issue_code
from models.db import write_transaction
from models.visit_tables import CodeRevocation, Rating
from qr import KeyRing, VisitClaims, sign_visit
from qr.codec import decode_token, encode_token
from tests.support.api import Api
from tests.support.verification import (
    altered,
    code_of,
    current_visit,
    env_of,
    in_app,
    log_total,
    set_status,
    verify,
)
from tests.support.visits import approved_visit, window
from tests.support.world import USCC_A, USCC_B

FOOD_LAW = "《中华人民共和国食品安全法》第八十七条"


def claims_for(api: Api, visit_id: int, start: dt.datetime, end: dt.datetime, issued: dt.datetime) -> VisitClaims:
    return VisitClaims.for_window(
        issuer=env_of(api).issuer,
        visit_id=visit_id,
        uscc=USCC_A,
        window_start=start,
        window_end=end,
        issued_at=issued.replace(microsecond=0),
        cert_numbers=["MKT-C1", "MKT-C2"],
        item_codes=["MKT-001"],
        grace=env_of(api).code_grace,
    )


def test_valid_code_shows_the_filed_visit_from_the_database(api: Api) -> None:
    visit = current_visit(api)
    body = verify(api, code_of(api, visit["id"]))
    assert body["outcome"] == "valid" and body["valid"] and body["tone"] == "green"
    assert body["headline"] == "已备案 · 有效" and body["reason"] == ""
    shown = body["visit"]
    assert shown["enterprise_name"] == visit["enterprise_name"] and shown["uscc"] == USCC_A
    assert shown["inspectors"] == [
        {"name": "张明", "cert_no": "MKT-C1", "valid": True, "problem": ""},
        {"name": "李华", "cert_no": "MKT-C2", "valid": True, "problem": ""},
    ]
    assert shown["items"] == [{"code": "MKT-001", "name": "MKT-001 检查事项", "legal_basis": FOOD_LAW}]
    assert shown["units"] == [{"name": "历城区市场监督管理局", "lead": True}]
    assert shown["window_start"].endswith("+08:00") and "年" in shown["window_text"]
    assert shown["status"] == "approved" and shown["kind"] == "enforcement" and shown["is_inspection"]
    assert shown["origin"] == "planned" and shown["service_notice"] == ""
    assert "陈述" in body["rights"] and "回避" in body["rights"] and "投诉" in body["rights"]
    assert body["can_complain"] and not body["can_rate"]
    text = str(body)
    for secret in ("inspector_id", "phone", "warnings", "trigger_reason", "'id'"):
        assert secret not in text


def test_not_yet_valid_before_the_window(api: Api) -> None:
    visit = approved_visit(api)  # tomorrow 09:00
    body = verify(api, code_of(api, visit["id"]))
    assert body["outcome"] == "not_yet_valid" and body["tone"] == "amber"
    assert body["headline"] == "时间未到 · 尚未生效" and body["reason"] == "检查码尚未生效"
    assert body["visit"]["inspectors"][0]["cert_no"] == "MKT-C1"
    assert body["code_valid_from"] == body["visit"]["window_start"]


def test_expired_after_the_window_and_its_grace(api: Api) -> None:
    visit = current_visit(api)
    now = dt.datetime.now(dt.UTC)
    past = claims_for(api, visit["id"], now - dt.timedelta(hours=5), now - dt.timedelta(hours=3), now)
    body = verify(api, encode_token(sign_visit(past, env_of(api).keyring)))
    assert body["outcome"] == "expired" and body["reason"] == "检查码已过期" and body["tone"] == "red"
    assert body["visit"]["visit_id"] == visit["id"]

    # The real code, verified the day after its window.
    later = dt.datetime.fromisoformat(visit["window_end"]) + dt.timedelta(days=1)
    view = in_app(api, _verify_at, env_of(api), code_of(api, visit["id"]), later)
    assert view.outcome == "expired"


async def _verify_at(env: ServiceContext, token: str, now: dt.datetime) -> VerificationRead:
    return await verify_visit_code(token, env, now, channel="json", client="test")


def test_cancelled_visit(api: Api) -> None:
    visit = current_visit(api)
    token = code_of(api, visit["id"])
    api.post(f"/api/v1/visits/{visit['id']}/cancel", as_="planner-mkt", json={"reason": "企业停业"})
    body = verify(api, token)
    assert body["outcome"] == "cancelled" and body["reason"] == "该检查已取消"
    assert body["visit"]["status"] == "cancelled" and body["headline"] == "未备案/无效"


def test_rescheduled_visit_voids_the_old_code(api: Api) -> None:
    visit = current_visit(api)
    old = code_of(api, visit["id"])
    start, end = window(days_ahead=2)
    moved = api.post(
        f"/api/v1/visits/{visit['id']}/reschedule",
        as_="planner-mkt",
        json={"window_start": start, "window_end": end, "reason": "企业申请改期"},
    )
    assert moved.status_code == 200, moved.text
    assert verify(api, old)["outcome"] == "cancelled"
    api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt")
    new = code_of(api, visit["id"])
    # Superseded by the newer code, or (re-approved within the same second) caught by the revocation.
    assert verify(api, old)["reason"] in ("检查码已作废（检查已改期或重新签发）", "检查码已被撤销")
    assert verify(api, new)["outcome"] == "not_yet_valid"


def test_a_revocation_voids_codes_of_its_second_and_a_code_reissued_then_is_one_second_later(api: Api) -> None:
    visit = current_visit(api)
    row = api.get(f"/api/v1/visits/{visit['id']}", as_="supervisor").json()
    issued = dt.datetime.fromisoformat(row["code_issued_at"])
    start, end = dt.datetime.fromisoformat(visit["window_start"]), dt.datetime.fromisoformat(visit["window_end"])
    other = encode_token(
        sign_visit(claims_for(api, visit["id"], start, end + dt.timedelta(hours=1), issued), env_of(api).keyring)
    )
    assert verify(api, other)["outcome"] == "valid"

    async def revoke() -> None:
        await CodeRevocation.insert(
            CodeRevocation(visit=visit["id"], revoked_before=issued, reason="cancelled", at=issued, expires_at=end)
        )

    in_app(api, revoke)
    assert verify(api, other)["reason"] == "检查码已被撤销"
    current = code_of(api, visit["id"])
    assert verify(api, current)["outcome"] == "cancelled"  # issued in that second: void too

    # A code issued again within the very same second is issued one second later, so it is not void
    # (online, and offline where "revoked at or before iat" is the rule).
    async def reissue_same_second() -> str:
        async with write_transaction():
            return await issue_code(visit["id"], env_of(api), issued)

    again = in_app(api, reissue_same_second)
    row = api.get(f"/api/v1/visits/{visit['id']}", as_="supervisor").json()
    assert dt.datetime.fromisoformat(row["code_issued_at"]) == issued + dt.timedelta(seconds=1)
    assert verify(api, again)["outcome"] == "valid" and verify(api, current)["outcome"] == "cancelled"


def test_unknown_key(api: Api) -> None:
    visit = current_visit(api)
    now = dt.datetime.now(dt.UTC)
    start, end = dt.datetime.fromisoformat(visit["window_start"]), dt.datetime.fromisoformat(visit["window_end"])
    forged = sign_visit(claims_for(api, visit["id"], start, end, now), KeyRing.generate(now))
    body = verify(api, encode_token(forged))
    assert body["outcome"] == "unknown_key" and body["reason"] == "未知签发密钥" and body["visit"] is None


def test_one_changed_byte_is_a_bad_signature(api: Api) -> None:
    token = code_of(api, current_visit(api)["id"])
    raw = decode_token(token)
    in_uscc = raw.index(USCC_A.encode()) + 3
    for index in (-1, in_uscc):
        body = verify(api, altered(token, index))
        assert body["outcome"] == "bad_signature" and body["reason"] == "签名无效/被篡改"
        assert body["visit"] is None and body["code_valid_from"] is None


def test_malformed_text_and_an_enterprise_code(api: Api) -> None:
    for garbage in ("HELLO", "not-a-token", "A" * 5000, "0189"):
        body = verify(api, garbage)
        assert body["outcome"] == "malformed" and body["reason"] == "无法识别的检查码"
    enterprise_token = enterprise_code_url(USCC_A, env_of(api)).rsplit("/", 1)[1]
    body = verify(api, enterprise_token)
    assert body["outcome"] == "malformed" and body["reason"] == "这是企业码，不是检查码"
    page = api.get(f"/V/{enterprise_token}")
    assert page.status_code == 200 and "这是企业码，不是检查码" in page.text and "未备案/无效" in page.text


def test_enterprise_mismatch(api: Api) -> None:
    token = code_of(api, current_visit(api)["id"])
    assert verify(api, token, uscc=USCC_B)["outcome"] == "enterprise_mismatch"
    assert verify(api, token, uscc=USCC_B)["reason"] == "企业不符"
    assert verify(api, token, uscc="not a uscc")["outcome"] == "enterprise_mismatch"
    assert verify(api, token, uscc=USCC_A.lower())["outcome"] == "valid"
    assert verify(api, token, uscc="")["outcome"] == "valid"  # an empty parameter names no enterprise


def test_checked_in_and_out_status_and_rating_flag(api: Api) -> None:
    visit = current_visit(api)
    token = code_of(api, visit["id"])
    now = dt.datetime.now(dt.UTC)
    set_status(api, visit["id"], "checked_in", checked_in_at=now)
    assert verify(api, token)["visit"]["status_text"] == "检查人员已扫码签到，检查进行中"
    set_status(api, visit["id"], "checked_out", checked_out_at=now)
    body = verify(api, token)
    assert body["visit"]["status"] == "checked_out" and body["can_rate"] and body["outcome"] == "valid"

    async def rate() -> None:
        await Rating.insert(Rating(visit=visit["id"], score=5, comment="", at=dt.datetime.now(dt.UTC)))

    in_app(api, rate)
    # Whoever holds the code (the inspectors too) cannot learn whether the enterprise has rated.
    assert verify(api, token)["can_rate"]


def test_service_visit_says_it_is_not_an_inspection(api: Api) -> None:
    visit = current_visit(api, kind="service", service_type="publicity", item_codes=[])
    body = verify(api, code_of(api, visit["id"]))
    assert body["outcome"] == "valid" and not body["visit"]["is_inspection"]
    assert "不是行政检查" in body["visit"]["service_notice"] and body["visit"]["kind_text"] == "宣传（非检查）"
    assert "不是行政检查" in api.get(f"/V/{code_of(api, visit['id'])}").text


def test_page_shows_green_valid_with_inspectors_and_legal_basis(api: Api) -> None:
    token = code_of(api, current_visit(api)["id"])
    page = api.get(f"/V/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
    assert "已备案 · 有效" in html and 'class="verdict tone-green"' in html
    for text in ("张明", "MKT-C1", "李华", "MKT-C2", FOOD_LAW, "陈述", "投诉"):
        assert text in html
    assert "http://" not in html.replace('"http://www.w3.org', "") and "https://" not in html  # no external resource
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"


def test_page_shows_red_for_an_altered_code(api: Api) -> None:
    token = code_of(api, current_visit(api)["id"])
    page = api.get(f"/V/{altered(token)}")
    assert page.status_code == 200
    assert "未备案/无效" in page.text and "签名无效/被篡改" in page.text and 'class="verdict tone-red"' in page.text
    assert "张明" not in page.text and "投诉" in page.text


def test_page_escapes_html_from_the_item_list(api: Api) -> None:
    item = {
        "code": "MKT-XSS",
        "name": "<script>alert(1)</script>食品检查",
        "unit_code": "MKT",
        "legal_basis": '"><img src=x onerror=alert(2)>',
        "object": "食品经营者",
        "method": "onsite",
        "yearly_cap": 2,
        "category": "random_check",
        "status": "published",
    }
    assert api.post("/api/v1/items", as_="admin", json=item).status_code == 201
    token = code_of(api, current_visit(api, item_codes=["MKT-XSS"])["id"])
    html = api.get(f"/V/{token}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;食品检查" in html and "<script>alert(1)" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html and "<img" not in html
    evil = '"><script>alert(3)</script>'
    assert "<script>alert(3)" not in api.get("/V/" + evil.replace("/", "%2F")).text


def test_every_verification_is_logged(api: Api) -> None:
    visit = current_visit(api)
    token = code_of(api, visit["id"])
    before, before_visit = log_total(api), log_total(api, visit["id"])
    verify(api, token)
    api.get(f"/V/{token}")
    verify(api, altered(token))
    verify(api, "garbage")
    assert log_total(api) == before + 4
    assert log_total(api, visit["id"]) == before_visit + 2
    latest = api.get("/api/v1/verifications", as_="supervisor", params={"limit": "4"}).json()["items"]
    assert [(e["outcome"], e["channel"]) for e in latest] == [
        ("malformed", "json"),
        ("bad_signature", "json"),
        ("valid", "page"),
        ("valid", "json"),
    ]
    assert [e["visit_id"] for e in latest] == [None, None, visit["id"], visit["id"]]
    assert all(e["client"] == "unknown other" for e in latest)  # the test client has no IP address
    assert api.get("/api/v1/verifications", as_="planner-mkt").status_code == 403
    assert api.get("/api/v1/verifications").status_code == 401

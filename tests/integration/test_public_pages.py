"""Public pages answer a browser in Chinese HTML and an API client in problem+json (Chinese unless asked)."""

from __future__ import annotations

from tests.support.api import Api

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "Accept-Language": "zh-CN"}


def test_the_landing_page_explains_ruqi_to_a_browser(api: Api) -> None:
    page = api.client.get("/", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    for words in ("扫码入企", "如何核验来访的检查人员", "检查码", "检查计划公示", "监督看板"):
        assert words in text
    for link in ('href="/public/schedules"', 'href="/dashboard"', 'href="/app/"'):
        assert link in text
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_an_api_client_gets_an_index_of_entry_points(api: Api) -> None:
    index = api.get("/")
    assert index.status_code == 200 and index.json()["links"]["openapi"] == "/schema/openapi.json"


def test_published_months_are_listed(api: Api) -> None:
    page = api.client.get("/public/schedules", headers=BROWSER)
    assert page.status_code == 200 and "检查计划公示" in page.text


def test_an_unpublished_month_is_a_chinese_page_for_a_browser(api: Api) -> None:
    page = api.client.get("/public/schedules/2026-01", headers=BROWSER)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "未找到" in page.text and "schedule_not_published" in page.text and "返回首页" in page.text


def test_an_unpublished_month_is_problem_json_for_an_api_client(api: Api) -> None:
    answer = api.get("/public/schedules/2026-01")
    assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "schedule_not_published" and answer.json()["title"] == "未找到"
    english = api.client.get("/public/schedules/2026-01", headers={"Accept-Language": "en"})
    assert english.json()["title"] == "Not found" and english.headers["content-language"] == "en"


def test_an_unknown_address_is_a_chinese_page_for_a_browser_and_json_for_a_client(api: Api) -> None:
    page = api.client.get("/no-such-page", headers=BROWSER)
    assert page.status_code == 404 and "没有这个页面或记录" in page.text
    assert api.get("/no-such-page").json() == {
        "type": "https://ruqi.example/problems/not_found",
        "title": "未找到",
        "status": 404,
        "code": "not_found",
        "detail": "没有这个页面或记录。",
    }
    assert api.get("/api/v1/visits").json()["detail"] == "请先登录，再重试。"


def test_api_routes_answer_json_even_to_a_browser(api: Api) -> None:
    answer = api.client.get("/api/v1/public/schedules/2026-01", headers=BROWSER)
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_bad_address_is_a_chinese_page_for_a_browser_and_problem_json_for_a_client(api: Api) -> None:
    too_long = "/public/complaints/" + "A" * 100  # longer than any tracking code: refused by the validator
    page = api.client.get(too_long, headers=BROWSER)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "网址或表单中有不合格的值（tracking_code）" in page.text and "Expected" not in page.text
    answer = api.get(too_long)
    assert answer.status_code == 400 and answer.json()["code"] == "validation_error"
    assert answer.headers["content-type"] == "application/problem+json"

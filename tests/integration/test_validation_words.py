"""The validator's refusals read as words: Chinese by default, English on request, the facts kept."""

from __future__ import annotations

import pytest

from api.i18n import ENGLISH, render
from api.validation_words import explain
from tests.support.api import Api

EN = {"Accept-Language": "en"}


@pytest.mark.parametrize(
    ("validator", "chinese", "english"),
    [
        ("Expected `int`, got `str` - at `$.n`", "应为整数，而不是文本", "must be a whole number, not text"),
        ("Object missing required field `password`", "缺少必填字段 password", "the required field password is missing"),
        ("Object contains unknown field `zz`", "没有字段 zz", "there is no field zz"),
        ("Expected `str` of length <= 3 - at `$.s`", "长度至多为 3", "at most 3 long"),
        ("Expected `int` >= 1 - at `$.n`", "应 >= 1", "must be >= 1"),
        ("Invalid enum value 'zz' - at `$.e`", "'zz' 不是允许的取值", "'zz' is not one of the allowed values"),
        ("Invalid RFC3339 encoded date - at `$.d`", "不是日期：请写成 YYYY-MM-DD，例如 2026-12-05", None),
        ("Missing required query parameter 'q' for path /y", "缺少必需的参数 q", "the required parameter q is missing"),
        ("Something msgspec may say one day", "无效（Something msgspec may say one day）", None),
    ],
)
def test_each_known_sentence_of_the_validator_has_its_words(validator: str, chinese: str, english: str | None) -> None:
    assert render(explain(validator)) == chinese
    if english is not None:
        assert render(explain(validator), ENGLISH) == english


def test_a_refused_body_is_explained_in_chinese_with_the_field_and_in_english_on_request(api: Api) -> None:
    body = {"username": "admin", "password": 12345}
    chinese = api.post("/api/v1/auth/login", json=body).json()
    assert chinese["code"] == "validation_error" and chinese["title"] == "请求有误"
    assert chinese["detail"] == "password：应为文本，而不是整数"
    assert chinese["errors"][0]["message"].startswith("Expected `str`, got `int`")  # the machine's own words kept
    english = api.post("/api/v1/auth/login", json=body, headers=EN).json()
    assert english["detail"] == "password: must be text, not a whole number"


def test_a_body_in_another_media_type_is_refused_in_words(api: Api) -> None:
    refused = api.post("/api/v1/auth/login", content=b"username=a", headers={"Content-Type": "text/plain"})
    assert refused.status_code == 415 and refused.json()["code"] == "unsupported_media_type"
    assert refused.json()["detail"] == "此操作读取 application/json（UTF-8）格式，而不是 'text/plain'。"
    english = api.post("/api/v1/auth/login", content=b"username=a", headers={"Content-Type": "text/plain", **EN})
    assert english.json()["detail"] == "This operation reads application/json (UTF-8), not 'text/plain'."


def test_a_role_the_guard_refuses_reads_why_in_chinese_or_english(api: Api) -> None:
    refused = api.post("/api/v1/supervision/documents", as_="planner-mkt", json={})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert refused.json()["detail"].startswith("此操作需要以下角色之一：")
    english = api.post("/api/v1/supervision/documents", as_="planner-mkt", json={}, headers=EN)
    assert english.json()["detail"].startswith("This action needs one of the roles: ")

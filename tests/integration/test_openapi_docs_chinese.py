"""The API documentation stands alone, in Chinese: every operation has a Chinese summary, a description that says
who may call it, and a declared, described group (tag); the main requests carry examples that the API accepts.

How to document a new route (the Litestar way; this test fails until it is done):

1. The group: the controller (or router) names it once, from ``api/openapi_tags.py``:
   ``tags = [VISITS]``. A new domain adds its constant and a description to ``DESCRIPTIONS`` there
   (Chinese, then one English sentence); the order of ``DESCRIPTIONS`` is the order on the docs page.
2. The summary: ``@post("/…", summary="批准检查并签发检查码")`` — short, Chinese, what it does.
3. The description: the handler's docstring (``OpenAPIConfig(use_handler_docstrings=True)``), Markdown, Chinese:
   what it does; a line ``角色：…`` naming who may call it (planner 规划员, approver 主体负责人, inspector
   执法人员, enterprise 企业, supervisor 司法局, admin 管理员) or saying ``无需登录``; the main refusals
   with their codes (``422 `filing_refused```…); an English sentence where it helps. A description built at
   runtime (e.g. with a configured limit) goes in ``description=`` and follows the same rules.
4. Examples for a main request: ``data: Annotated[T, Body(media_type=RequestEncodingType.JSON,
   examples=[Example(summary="…", value={…})])]``; add the route to ``EXAMPLED`` below — the examples are
   decoded here with the handler's own type, so they stay valid when the schema changes.
5. ``.venv/bin/python -m tests.support.openapi_document docs/openapi.json`` and commit the document.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.params import BodyKwarg
from litestar.routes import HTTPRoute

from api.app import create_app
from api.openapi_docs import description_of
from api.openapi_tags import DESCRIPTIONS
from api.settings import Settings

CJK = re.compile(r"[\u4e00-\u9fff]")
TAG_NAME = re.compile(r"^[^()]*[\u4e00-\u9fff][^()]* \([a-z][a-z /-]+\)$")  # 检查备案 (visits)
WHO = ("角色：", "无需登录")
SOFT_BREAK_IN_CHINESE = re.compile(r"[\u4e00-\u9fff，、。；：）]\n[\u4e00-\u9fff（]")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# The main requests: their bodies carry examples (and each example decodes as the handler's body type).
EXAMPLED = {
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/visits"),
    ("post", "/api/v1/schedules/{period}/approve"),
    ("post", "/api/v1/scans"),
    ("post", "/api/v1/visits/{visit_id}/checkout"),
    ("post", "/api/v1/annual-plans"),
    ("post", "/api/v1/complaints"),
    ("post", "/api/v1/public/complaints"),
    ("post", "/api/v1/visits/{visit_id}/rating"),
    ("post", "/api/v1/public/visits/{token}/rating"),
    ("post", "/api/v1/nonsite/records"),
}


@pytest.fixture(scope="module")
def app() -> Iterator[Litestar]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        yield create_app(Settings(database_url=f"sqlite:///{root / 'db.sqlite3'}", data_dir=root, jwt_secret="s" * 40))


@pytest.fixture(scope="module")
def document(app: Litestar) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(json.dumps(app.openapi_schema.to_schema(), default=str))
    return schema


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_every_operation_has_a_chinese_summary_a_description_and_one_group(document: dict[str, Any]) -> None:
    operations = _operations(document)
    assert len(operations) > 100
    faults = []
    for method, path, operation in operations:
        summary = operation.get("summary") or ""
        description = operation.get("description") or ""
        if not CJK.search(summary) or re.fullmatch(r"[A-Z][A-Za-z]+", summary):
            faults.append(f"{method.upper()} {path}: summary not Chinese: {summary!r}")
        if not CJK.search(description) or len(description) < 20:
            faults.append(f"{method.upper()} {path}: no Chinese description")
        elif not any(who in description for who in WHO):
            faults.append(f"{method.upper()} {path}: the description does not say who may call it (角色：…)")
        elif SOFT_BREAK_IN_CHINESE.search(description):
            faults.append(f"{method.upper()} {path}: a line break inside Chinese text (drawn as a space)")
        if len(operation.get("tags") or []) != 1:
            faults.append(f"{method.upper()} {path}: tags {operation.get('tags')!r}, not exactly one group")
    assert faults == [], "\n".join(faults)


def test_every_response_is_described_in_chinese(document: dict[str, Any]) -> None:
    """Not Litestar's English reason phrases ("Request fulfilled, document follows") under each status."""
    faults = [
        f"{method.upper()} {path} {status}: {response.get('description')!r}"
        for method, path, operation in _operations(document)
        for status, response in operation.get("responses", {}).items()
        if not CJK.search(response.get("description") or "")
    ]
    assert faults == [], "\n".join(faults)


def test_every_group_is_declared_with_a_description_and_used(document: dict[str, Any]) -> None:
    declared = {tag["name"]: tag.get("description") or "" for tag in document.get("tags", [])}
    used = {tag for _, _, operation in _operations(document) for tag in operation.get("tags") or []}
    assert sorted(used - declared.keys()) == [], "groups used but not declared in api/openapi_tags.py"
    assert sorted(declared.keys() - used) == [], "groups declared but used by no operation"
    assert list(declared) == list(DESCRIPTIONS)  # the docs page shows the groups in this order
    for name, description in declared.items():
        assert TAG_NAME.match(name), f"{name!r}: Chinese, then the English in parentheses"
        assert CJK.search(description) and len(description) >= 20, name


def _handlers(app: Litestar) -> Iterator[tuple[str, str, HTTPRouteHandler]]:
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                for method in handler.http_methods:
                    path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
                    yield method.lower(), path, handler


def test_the_main_requests_have_examples_the_api_accepts(app: Litestar, document: dict[str, Any]) -> None:
    checked = set()
    for method, path, handler in _handlers(app):
        data = handler.parsed_fn_signature.parameters.get("data")
        if data is None or not isinstance(data.kwarg_definition, BodyKwarg):
            continue
        examples = data.kwarg_definition.examples or []
        for example in examples:
            assert CJK.search(example.summary or ""), f"{method} {path}: example without a Chinese summary"
            body_type = data.annotation
            try:  # decoded as the handler decodes a JSON body
                msgspec.json.decode(msgspec.json.encode(example.value), type=body_type)
            except msgspec.ValidationError as exc:
                raise AssertionError(f"{method.upper()} {path}: example {example.summary!r}: {exc}") from exc
        if examples:
            checked.add((method, path))
    assert sorted(EXAMPLED - checked) == [], "main requests without examples"
    for method, path in EXAMPLED:  # and the docs page offers them by their Chinese names
        media = document["paths"][path][method]["requestBody"]["content"]["application/json"]
        named = media.get("examples") or {}
        assert named and all(CJK.search(example["summary"]) for example in named.values()), (method, path)
        assert [example["value"] for example in named.values()] == media["schema"]["examples"], (method, path)


def test_a_docstring_becomes_a_description_without_gaps_in_its_chinese() -> None:
    docstring = """备案一次检查：至少两名
        执法人员，来源 `planned`。

        角色：规划员。English: files a visit
        before it happens.
        """
    assert description_of(docstring) == (
        "备案一次检查：至少两名执法人员，来源 `planned`。\n\n角色：规划员。English: files a visit\nbefore it happens."
    )

"""The OpenAPI tells the truth about errors (api/openapi_errors.py): every operation documents the error
statuses it can answer, each as application/problem+json with the one shared ``Problem`` schema.

Checked against the generated document (``/schema/openapi.json``) and, for 401/403/404, against the
authorization matrix (``tests/integration/test_authorization_matrix.py``): a role the matrix says is
refused must find that status documented.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.openapi_errors import EXTRA_STATUSES, STATUSES
from api.settings import Settings
from tests.support.authorization import EXPECTED, F, H, N

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
WRITES = {"post", "put", "patch", "delete"}
METHODS = {"get", "post", "put", "patch", "delete"}
Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root: Path = tmp_path_factory.mktemp("openapi")
    app = create_app(Settings(database_url=f"sqlite:///{root / 'db.sqlite3'}", data_dir=root, jwt_secret="s" * 40))
    with TestClient(app) as client:
        response = client.get("/schema/openapi.json")
        assert response.status_code == 200, response.text
        yield response.json()


def operations(document: dict[str, Any]) -> list[Operation]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def errors(operation: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(status): response for status, response in operation["responses"].items() if int(status) >= 400}


def test_one_shared_problem_schema(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert [name for name in schemas if "problem" in name.lower()] == ["Problem"]
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "code", "detail"}
    assert {"field", "errors"} <= set(problem["properties"])
    assert problem.get("additionalProperties", True) is not False  # some errors add fields (e.g. outcome)


def test_every_operation_documents_503_and_only_problem_errors(document: dict[str, Any]) -> None:
    assert len(operations(document)) > 50
    for method, path, operation in operations(document):
        documented = errors(operation)
        assert 503 in documented, (method, path)
        for status, response in documented.items():
            assert list(response.get("content", {})) == [PROBLEM_JSON], (method, path, status)
            assert response["content"][PROBLEM_JSON]["schema"] == {"$ref": PROBLEM_REF}, (method, path, status)
            assert response["description"], (method, path, status)


def test_litestar_default_error_schema_is_gone(document: dict[str, Any]) -> None:
    """Litestar's 400 (``status_code``/``detail``/``extra`` as application/json) is replaced everywhere."""
    for method, path, operation in operations(document):
        for status, response in errors(operation).items():
            assert "application/json" not in response.get("content", {}), (method, path, status)
        if operation.get("parameters") or operation.get("requestBody"):
            assert 400 in errors(operation), (method, path)


def test_statuses_follow_the_operation(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        documented = set(errors(operation))
        has_body = "requestBody" in operation
        has_path_params = any(p["in"] == "path" for p in operation.get("parameters", []))
        if method.lower() in WRITES:
            assert {404, 409, 422} <= documented, (method, path)
        else:
            assert not {409, 413, 415} & documented, (method, path)
        if has_body:
            assert {413, 415} <= documented, (method, path)
        if has_path_params:
            assert 404 in documented, (method, path)


def test_guarded_routes_document_401_and_403_public_ones_do_not(document: dict[str, Any]) -> None:
    responses = {(m, p): set(errors(op)) for m, p, op in operations(document)}
    assert {401, 403} <= responses[("POST", "/api/v1/items")]
    assert {401, 403} <= responses[("GET", "/api/v1/verifications")]
    assert 401 in responses[("GET", "/api/v1/auth/me")]  # authenticated, no role guard
    assert 403 not in responses[("GET", "/api/v1/auth/me")]
    for public in [("GET", "/health"), ("GET", "/.well-known/jwks.json"), ("GET", "/api/v1/public/revocations")]:
        assert not {401, 403} & responses[public], public
    assert responses[("GET", "/health")] == {503}
    assert responses[("GET", "/api/v1/units")] == {401, 403, 503}  # no input: nothing malformed, nothing named
    assert 404 in responses[("GET", "/api/v1/metrics")]  # ?unit_code= names a unit
    assert 401 in responses[("POST", "/api/v1/auth/login")]  # bad_credentials
    assert 401 not in responses[("POST", "/api/v1/public/complaints")]


def test_only_the_rate_limited_route_documents_429(document: dict[str, Any]) -> None:
    limited = {(m, p) for m, p, op in operations(document) if 429 in errors(op)}
    assert limited == {
        ("GET", "/api/v1/public/verify/{token}"),
        ("POST", "/api/v1/auth/login"),  # login lockouts
        ("POST", "/api/v1/public/complaints"),  # public writes (api.throttle)
        ("POST", "/api/v1/complaints"),
        ("POST", "/api/v1/public/visits/{token}/rating"),
        ("POST", "/api/v1/visits/{visit_id}/rating"),
    }
    verify = document["paths"]["/api/v1/public/verify/{token}"]["get"]["responses"]["429"]
    assert "RateLimit" in verify["description"]  # the handler's own description is kept


def test_handler_descriptions_are_kept(document: dict[str, Any]) -> None:
    upload = errors(document["paths"]["/api/v1/nonsite/records/{record_id}/evidence"]["post"])
    assert "文件超过" in upload[413]["description"] and "payload_too_large" in upload[413]["description"]
    assert "hash_mismatch" in upload[422]["description"]
    assert upload[401]["description"] == STATUSES[401][0]


def test_extra_statuses_name_existing_operations(document: dict[str, Any]) -> None:
    for (method, path), statuses in EXTRA_STATUSES.items():
        operation = document["paths"][path][method.lower()]
        assert statuses <= set(errors(operation)), (method, path)


def test_the_authorization_matrix_refusals_are_documented(document: dict[str, Any]) -> None:
    """Whatever the matrix says a role gets (401 anonymous, 403 denied or refused, 404 hidden) is documented."""
    for method, path, operation in operations(document):
        row = EXPECTED.get((method, path))
        assert row is not None, f"{method} {path} is in the OpenAPI but not in the authorization matrix"
        documented = set(errors(operation))
        if row["anon"] == N:
            assert 401 in documented, (method, path)
        logged_in = {cell for role, cell in row.items() if role != "anon"}
        if logged_in & {N, F}:
            assert 403 in documented, (method, path)
        if H in row.values():
            assert 404 in documented, (method, path)

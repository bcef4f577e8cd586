"""API fuzzing with schemathesis: every operation of the app's OpenAPI, as every role that may call it.

The app runs in-process (ASGI) over a SQLite copy of the test world, with in-process stores; one app
for the whole module, so generated writes accumulate as they would on a real server. Each generated
case is sent as every role the authorization matrix (``tests/integration/test_authorization_matrix.py``)
says the guard admits for that route (anonymous for public routes); the roles it refuses are the
matrix's business, not the fuzzer's.

Checks: no 5xx (``not_a_server_error``), the status is one the operation documents
(``status_code_conformance``), the response body matches the documented schema for its status
(``response_schema_conformance``) and its content type is the documented one (``content_type_conformance``),
error answers included: every operation documents the errors it can answer (400/401/403/404/409/413/415/
422/429/503, as api/openapi_errors.py decides per operation) as application/problem+json with the shared
``Problem`` schema, and ``problem_details`` checks the problem fields and ``status`` of each of them.

Bounded: ``MAX_EXAMPLES`` per operation, derandomized (the same cases on every run), no example
database, so the module runs in a couple of minutes and reproduces.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from litestar import Litestar
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.auth import token_extras
from api.settings import Settings
from tests.support.api import Api
from tests.support.authorization import EXPECTED, ROLES, N
from tests.support.world import World

# Bounded for CI; RUQI_FUZZ_EXAMPLES=100 RUQI_FUZZ_ALL_ROLES=1 for a deeper local run.
MAX_EXAMPLES = int(os.environ.get("RUQI_FUZZ_EXAMPLES", "10"))
# The second enterprise and the second unit's inspector matter to the matrix's object-level cells; as
# fuzzing identities they repeat enterprise A and inspector X, so they are left out to bound the run.
TWINS = set() if os.environ.get("RUQI_FUZZ_ALL_ROLES") else {"ent_b", "insp_y"}
PROBLEM_JSON = "application/problem+json"
PROBLEM_FIELDS = {"type", "title", "status", "code", "detail"}


# File downloads whose OpenAPI names one media type (application/octet-stream, or Litestar's JSON default)
# while the file is .xlsx or CSV by ``format``: Litestar's ResponseSpec documents one media type per status.
DOWNLOADS = {
    "/api/v1/catalogue/{list_name}/export",
    "/api/v1/metrics/export",
    "/api/v1/public/schedules/{period}/export",
}
DOWNLOAD_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv; charset=utf-8")


@schemathesis.check
def documented_content_type(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """``content_type_conformance``, except for downloads (one documented media type, two served formats)."""
    if case.operation.path in DOWNLOADS and response.status_code == 200:
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type in DOWNLOAD_TYPES, f"a download answered with {content_type!r}"
        return True
    return content_type_conformance(ctx, response, case)


@schemathesis.check
def problem_details(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every JSON error answer is RFC 9457 problem+json with the app's stable ``code`` (README "Errors")."""
    if response.status_code < 400 or case.operation.path.startswith("/dashboard"):
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith(PROBLEM_JSON), f"{response.status_code} answered with {content_type!r}"
    body = response.json()
    assert isinstance(body, dict) and set(body) >= PROBLEM_FIELDS, f"not problem details: {body!r}"
    assert body["status"] == response.status_code, f"status {body['status']} in a {response.status_code} answer"
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    documented_content_type,
    problem_details,
]


@dataclasses.dataclass
class Fuzzed:
    app: Litestar
    world: World

    def headers(self, role: str) -> dict[str, str]:
        username = ROLES[role]
        if username is None:
            return {}
        actor = self.world.actors[username]
        token = self.app.state.jwt_auth.create_token(identifier=actor.username, token_extras=token_extras(actor))
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def fuzzed(sqlite_template: tuple[Path, World], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    template, world = sqlite_template
    root = tmp_path_factory.mktemp("fuzz")
    (root / "data").mkdir()
    shutil.copy(template, root / "db.sqlite3")
    settings_ = Settings(
        database_url=f"sqlite:///{root / 'db.sqlite3'}",
        data_dir=root / "data",
        jwt_secret="fuzz-secret-" + "x" * 32,
        verify_rate_per_minute=100_000,  # fuzz the verification itself, not the rate limiter
        public_write_rate_per_hour=100_000,  # nor the limits on complaints and ratings
        public_write_rate_per_target=100_000,
        login_max_failures=100_000,  # nor the login lockouts
        login_max_failures_per_address=100_000,
    )
    yield Fuzzed(app=create_app(settings_), world=world)


def _schema_app() -> Litestar:
    """An app over an empty scratch database, only to serve its OpenAPI document at collection time.

    ``schemathesis.pytest.from_fixture`` (a lazily loaded schema) fails under pytest 9.2 with schemathesis
    4.32.5 (``'Function' object has no attribute '_nodeid'``), so the schema is loaded at import and the
    cases are sent to the fixture's app (``call_and_validate(app=...)``).
    """
    scratch = Path(tempfile.mkdtemp(prefix="ruqi-fuzz-schema-"))
    return create_app(
        Settings(database_url=f"sqlite:///{scratch / 'db.sqlite3'}", data_dir=scratch, jwt_secret="s" * 40)
    )


schema = schemathesis.openapi.from_asgi("/schema/openapi.json", _schema_app())


def _route_key(method: str, path: str) -> tuple[str, str]:
    return method.upper(), re.sub(r"\{(\w+)\}", r"{\1}", path)


def roles_for(method: str, path: str) -> list[str]:
    """The roles the matrix says the guard admits (anonymous only, for public routes)."""
    key = _route_key(method, path)
    row = EXPECTED.get(key)
    if row is None:
        # schemathesis also sends methods the path does not serve (TRACE, …): 405 whoever asks
        assert any(p == key[1] for _, p in EXPECTED), f"{path} is in the OpenAPI but not in the authorization matrix"
        return ["anon"]
    admitted = [role for role, cell in row.items() if cell != N and role not in TWINS]
    return ["anon"] if "anon" in admitted else admitted


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
def test_api(case: Any, fuzzed: Fuzzed) -> None:
    for role in roles_for(case.method, case.path):
        case.call_and_validate(app=fuzzed.app, headers=fuzzed.headers(role), checks=CHECKS)


HUGE = 2**70  # larger than any integer column of SQLite or PostgreSQL


@pytest.mark.parametrize(
    ("method", "path", "user", "body"),
    [
        ("GET", f"/api/v1/visits/{HUGE}", "admin", None),
        ("POST", f"/api/v1/visits/{HUGE}/checkout", "inspector-mkt1", {"client_event_id": "h", "result": "no_issue"}),
        ("POST", f"/api/v1/visits/{HUGE}/rating", "enterprise-a", {"score": 3, "client_event_id": "h"}),
        ("POST", f"/api/v1/complaints/{HUGE}/advance", "supervisor", {"to": "verifying"}),
        ("GET", f"/api/v1/nonsite/records/{HUGE}", "admin", None),
        ("GET", f"/api/v1/items?offset={HUGE}", "admin", None),
        ("GET", f"/api/v1/catalogue/items/history?since={HUGE}", "admin", None),
        ("POST", f"/api/v1/plan-tasks/{HUGE}/file", "planner-mkt", {"inspector_ids": [1, 2]}),
    ],
)
def test_numbers_beyond_the_database_are_client_errors(
    api: Api, method: str, path: str, user: str, body: dict[str, Any] | None
) -> None:
    """Found by the fuzzer on SQLite (500 OverflowError / datatype mismatch); checked on both backends."""
    response = api.client.request(method, path, headers=api.headers(user), json=body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


def test_exports_survive_control_characters_in_names(api: Api) -> None:
    """Found by the fuzzer: a unit named with a control character made the metrics .xlsx export a 500."""
    named = api.patch("/api/v1/units/MKT", as_="admin", json={"name": "市场\x01监管\x1f局"})
    assert named.status_code == 200, named.text
    for path in ("/api/v1/metrics/export?format=xlsx", "/api/v1/catalogue/items/export?format=xlsx"):
        response = api.get(path, as_="supervisor")
        assert response.status_code == 200, (path, response.text)

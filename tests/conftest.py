"""Shared fixtures: the app on each backend over a copy of a small hand-made world.

Backends: ``sqlite`` (the embedded default: SQLite file + in-process stores) and ``postgres``
(PostgreSQL + Redis, as in production). Each test gets its own database cloned from a template
built once per session, and its own Redis key prefix.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
import time_machine
from litestar.testing import TestClient
from pluggy import Result

from api.app import create_app
from api.settings import Settings
from models.db import bind_engine, create_schema, engine_from_url
from tests.e2e.servers import RUNNING
from tests.support.api import Api
from tests.support.clock import WORLD_INSTANT, instant
from tests.support.databases import (
    REDIS_URL,
    create_pg_database,
    drop_pg_database,
    drop_redis_prefix,
    pg_dsn,
    redis_prefix,
)
from tests.support.world import World, build_world

BACKENDS = ["sqlite", "postgres"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    """A failed test that started server processes shows what they logged."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and RUNNING:
        for server in RUNNING:
            report.sections.append((f"server log, port {server.port}", server.log_tail(60)))


# Real server processes keep the real clock (see tests/support/clock.py).
UNPINNED_DIRS = ("e2e", "failure")


@pytest.fixture(autouse=True)
def pinned_clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller | None]:
    """Run the test at its ``@pytest.mark.at(...)`` instant, or at ``WORLD_INSTANT``."""
    if any(part in UNPINNED_DIRS for part in request.node.path.relative_to(Path(__file__).parent).parts[:1]):
        yield None
        return
    marker = request.node.get_closest_marker("at")
    destination = instant(marker.args[0]) if marker else WORLD_INSTANT
    with time_machine.travel(destination, tick=True) as traveller:
        yield traveller


async def _build(url: str) -> World:
    engine = engine_from_url(url)
    bind_engine(engine)
    await create_schema()
    return await build_world()


def _build_at_world_instant(url: str) -> World:
    with time_machine.travel(WORLD_INSTANT, tick=True):
        return asyncio.run(_build(url))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    path = tmp_path_factory.mktemp("template") / "world.sqlite3"
    world = _build_at_world_instant(f"sqlite:///{path}")
    return path, world


@pytest.fixture(scope="session")
def pg_template() -> Iterator[tuple[str, World]]:
    name = create_pg_database()
    world = _build_at_world_instant(pg_dsn(name))
    yield name, world
    drop_pg_database(name)


# Tests read the verification log right after verifying: each row written in its request. The batched default
# (RUQI_VERIFY_LOG_FLUSH_MS) is tested on its own (test_verification_log_batch.py, tests/failure).
LOG_AT_ONCE = 0


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if backend == "sqlite":
        template, _ = request.getfixturevalue("sqlite_template")
        db_file = tmp_path / "db.sqlite3"
        shutil.copy(template, db_file)
        yield Settings(
            database_url=f"sqlite:///{db_file}",
            data_dir=data_dir,
            jwt_secret="test-secret-" + "x" * 32,
            verify_log_flush_ms=LOG_AT_ONCE,
        )
        return
    template_name, _ = request.getfixturevalue("pg_template")
    name = create_pg_database(template=template_name)
    prefix = redis_prefix()
    try:
        yield Settings(
            database_url=pg_dsn(name),
            redis_url=REDIS_URL,
            redis_prefix=prefix,
            data_dir=data_dir,
            jwt_secret="test-secret-" + "x" * 32,
            verify_log_flush_ms=LOG_AT_ONCE,
        )
    finally:
        drop_pg_database(name)
        drop_redis_prefix(prefix)


@pytest.fixture
def world(backend: str, request: pytest.FixtureRequest) -> World:
    fixture = "sqlite_template" if backend == "sqlite" else "pg_template"
    return request.getfixturevalue(fixture)[1]  # type: ignore[no-any-return]


@pytest.fixture
def api(settings: Settings, world: World, backend: str) -> Iterator[Api]:
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client=client, world=world, backend=backend)

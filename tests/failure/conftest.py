"""Failure-test fixtures: a deployment on the shared PostgreSQL + Redis (fresh database and key prefix)
served by two single-worker ``ruqi run`` processes, as the workers of one production install are.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from pluggy import Result

from tests.e2e.servers import RUNNING, Deployment, Server, free_port, launch_server, wait_ready
from tests.failure.helpers import prepare
from tests.services import REDIS_URL, create_pg_database, drop_pg_database, drop_redis_prefix, pg_dsn, redis_prefix


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Result, None]:
    """A failed test shows what the servers logged."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and RUNNING:
        for server in RUNNING:
            report.sections.append((f"server log, port {server.port}", server.log_tail(60)))


@pytest.fixture(scope="session")
def failure_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("failure")


@pytest.fixture(scope="session")
def shared_deployment(failure_dir: Path) -> Iterator[Deployment]:
    database = create_pg_database()
    prefix = redis_prefix()
    data_dir = failure_dir / "shared-data"
    data_dir.mkdir()
    deployment = Deployment(pg_dsn(database), REDIS_URL, prefix, data_dir, main_port=free_port())
    try:
        prepare(deployment)
        yield deployment
    finally:
        drop_pg_database(database)
        drop_redis_prefix(prefix)


@pytest.fixture(scope="session")
def two_servers(shared_deployment: Deployment, failure_dir: Path) -> Iterator[tuple[Server, Server]]:
    first = launch_server(shared_deployment, failure_dir, port=shared_deployment.main_port)
    second = launch_server(shared_deployment, failure_dir)
    try:
        wait_ready(first, second)
        yield first, second
    finally:
        second.stop()
        first.stop()

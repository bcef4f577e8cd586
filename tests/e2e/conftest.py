"""End-to-end fixtures: one deployment (fresh PostgreSQL database, Redis prefix, data directory) loaded
with the sample district, served by ``ruqi run --web-concurrency 2`` and, for the cross-process live
test, by two more single-worker ``ruqi run`` processes on their own ports.

All server processes of the session share the deployment, as the workers of a production install do.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from pluggy import Result

from tests.e2e.servers import RUNNING, Deployment, Server, free_port, launch_server, wait_ready
from tests.e2e.world import Phone, World
from tests.services import REDIS_URL, create_pg_database, drop_pg_database, drop_redis_prefix, pg_dsn, redis_prefix


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Result, None]:
    """A failed end-to-end test shows what the servers logged."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and RUNNING:
        for server in RUNNING:
            report.sections.append((f"server log, port {server.port}", server.log_tail(60)))


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def deployment(e2e_dir: Path) -> Iterator[Deployment]:
    database = create_pg_database()
    prefix = redis_prefix()
    data_dir = e2e_dir / "data"
    data_dir.mkdir()
    deployment = Deployment(pg_dsn(database), REDIS_URL, prefix, data_dir, main_port=free_port())
    try:
        deployment.run("migrate")
        deployment.run("seed", "--enterprises", "50")
        yield deployment
    finally:
        drop_pg_database(database)
        drop_redis_prefix(prefix)


@pytest.fixture(scope="session")
def server(deployment: Deployment, e2e_dir: Path) -> Iterator[Server]:
    """``ruqi run --web-concurrency 2``: two uvicorn workers behind one port."""
    running = launch_server(deployment, e2e_dir, workers=2, port=deployment.main_port)
    wait_ready(running)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def pair(deployment: Deployment, server: Server, e2e_dir: Path) -> Iterator[tuple[Server, Server]]:
    """Two more single-worker processes of the same deployment, on ports A and B."""
    first, second = launch_server(deployment, e2e_dir), launch_server(deployment, e2e_dir)
    wait_ready(first, second)
    yield first, second
    second.stop()
    first.stop()


@pytest.fixture(scope="session")
def world(server: Server) -> World:
    return World.load(server.url)


@pytest.fixture
def phone(server: Server, tmp_path: Path) -> Callable[[str], Phone]:
    """``phone("inspector")``: a CLI profile with a fresh state directory for this test."""

    def make(name: str) -> Phone:
        return Phone(server.url, tmp_path / f"phone-{name}")

    return make

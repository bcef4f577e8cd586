"""End-to-end fixtures: one deployment (fresh PostgreSQL database, Redis prefix, data directory) loaded
with the sample district, served by ``ruqi run --web-concurrency 2`` and, for the cross-process live
test, by two more single-worker ``ruqi run`` processes on their own ports.

All server processes of the session share the deployment, as the workers of a production install do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.servers import Deployment, Server, fresh_deployment, launch_server, wait_ready
from tests.e2e.world import Phone, World


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def deployment(e2e_dir: Path) -> Iterator[Deployment]:
    with fresh_deployment(e2e_dir / "data") as deployment:
        deployment.run("migrate")
        # No history: the flows file visits for enterprises that must not have reached this year's caps.
        deployment.run("seed", "--enterprises", "50", "--no-history")
        yield deployment


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

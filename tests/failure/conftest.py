"""Failure-test fixtures: a deployment on the shared PostgreSQL + Redis (fresh database and key prefix)
served by two single-worker ``ruqi run`` processes, as the workers of one production install are.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.servers import Deployment, Server, fresh_deployment, launch_server, wait_ready
from tests.failure.helpers import prepare


@pytest.fixture(scope="session")
def failure_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("failure")


@pytest.fixture(scope="session")
def shared_deployment(failure_dir: Path) -> Iterator[Deployment]:
    with fresh_deployment(failure_dir / "shared-data") as deployment:
        prepare(deployment)
        yield deployment


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

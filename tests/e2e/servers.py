"""Real server processes for the end-to-end tests: a fresh PostgreSQL database, a Redis prefix, ``ruqi``.

Everything is waited on by condition (``/health`` answering 200, a line on a pipe, a process exiting),
each wait bounded by a timeout that fails with the server's log tail.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, TypeVar

import httpx
import pytest

from tests.support.databases import (
    REDIS_URL,
    create_pg_database,
    drop_pg_database,
    drop_redis_prefix,
    pg_dsn,
    redis_prefix,
)

REPO = Path(__file__).resolve().parents[2]
RUQI = REPO / ".venv" / "bin" / "ruqi"
START_TIMEOUT = 60.0
E2E_KEK = "ZTJlLXRlc3RzLWtleS1lbmNyeXB0aW9uLWtleS0zMmI"  # 32 bytes: the tests' key-encryption key
T = TypeVar("T")
RUNNING: list[Server] = []  # for the failure report: every server's log tail


def ruqi_command() -> list[str]:
    """The ``ruqi`` console script of this virtualenv (the one ``make`` installs)."""
    if RUQI.exists():
        return [str(RUQI)]
    return [sys.executable, "-c", "from api.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Callable[[], T | None], timeout: float, on_timeout: Callable[[], str] = str) -> T:
    """Poll ``check`` until it returns something truthy; fail with ``what`` (and extra detail) after ``timeout``."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{on_timeout()}", pytrace=False)
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


@dataclass
class Deployment:
    """One database + Redis prefix + data directory: what every server process of a deployment shares."""

    database_url: str
    redis_url: str
    redis_prefix: str
    data_dir: Path
    main_port: int  # the port of the main server: the QR codes' URLs point there

    @property
    def public_base_url(self) -> str:
        return f"http://127.0.0.1:{self.main_port}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUQI_") and k != "DATABASE_URL"}
        env.update(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            RUQI_REDIS_PREFIX=self.redis_prefix,
            RUQI_DATA_DIR=str(self.data_dir),
            RUQI_PUBLIC_BASE_URL=self.public_base_url,
            # PostgreSQL means production: the secrets every app machine shares must be given.
            RUQI_JWT_SECRET="e2e-jwt-secret-" + "x" * 40,
            RUQI_KEY_ENCRYPTION_KEY=E2E_KEK,
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def run(self, *args: str, timeout: float = 120.0) -> str:
        """A one-shot ``ruqi`` command (migrate, seed); fails the test with its output when it fails."""
        done = subprocess.run(
            [*ruqi_command(), *args], env=self.env(), cwd=REPO, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            pytest.fail(
                f"ruqi {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}", pytrace=False
            )
        return done.stdout


@dataclass
class Server:
    """A ``ruqi run`` process (its own process group) on a port."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    workers: int
    _log: IO[bytes] = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "--- server log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    def healthy(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"the server on port {self.port} exited ({self.process.returncode})\n{self.log_tail()}")
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def descendants(self) -> list[int]:
        """Every process below ``ruqi run`` (uvicorn's supervisor and its workers)."""
        found, frontier = [], [self.process.pid]
        while frontier:
            pid = frontier.pop()
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                children = [int(c) for c in task.read_text().split()]
                found.extend(children)
                frontier.extend(children)
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self._log.close()
        if self in RUNNING:
            RUNNING.remove(self)


def launch_server(deployment: Deployment, log_dir: Path, *, workers: int = 1, port: int | None = None) -> Server:
    """Start ``ruqi run`` in its own process group; ``wait_ready`` before using it."""
    port = port or free_port()
    log_path = log_dir / f"server-{port}.log"
    log = log_path.open("wb")
    args = ["run", "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        args += ["--web-concurrency", str(workers)]
    process = subprocess.Popen(
        [*ruqi_command(), *args],
        env=deployment.env(),
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() ends uvicorn's workers too
    )
    server = Server(port=port, process=process, log_path=log_path, workers=workers, _log=log)
    RUNNING.append(server)
    return server


def wait_ready(*servers: Server) -> None:
    """/health answers 200 and every worker has started; stops all of them on failure."""
    try:
        for server in servers:
            wait_for(f"/health on port {server.port}", server.healthy, START_TIMEOUT, server.log_tail)
            what = f"{server.workers} started workers on port {server.port}"
            wait_for(what, partial(_all_started, server), START_TIMEOUT, server.log_tail)
    except BaseException:
        for server in servers:
            server.stop()
        raise


def _all_started(server: Server) -> bool:
    return server.log_path.read_text(errors="replace").count("Application startup complete") >= server.workers


@contextmanager
def fresh_deployment(data_dir: Path) -> Iterator[Deployment]:
    """A deployment on its own PostgreSQL database and Redis key prefix, dropped afterwards."""
    database = create_pg_database()
    prefix = redis_prefix()
    data_dir.mkdir()
    try:
        yield Deployment(pg_dsn(database), REDIS_URL, prefix, data_dir, main_port=free_port())
    finally:
        drop_pg_database(database)
        drop_redis_prefix(prefix)

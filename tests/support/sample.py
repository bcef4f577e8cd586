"""Helpers for the ``ruqi seed`` tests (no tests here): a fresh SQLite database seeded by the real command.

``ruqi`` runs in a subprocess, as ``make run`` runs it; the app that reads the result runs in the test
process (with the test's pinned clock). No timeout on the subprocesses: with one, subprocess polls with
time.sleep, which fails (EINVAL) under make test's faketime run.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from api.app import create_app
from api.settings import Settings

SMALL = "1000"  # enterprises: enough for every unit's plan, a third of the full district's time


@dataclass(frozen=True)
class Seeded:
    data_dir: Path
    database: Path
    output: str  # what ``ruqi seed`` printed

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database}"

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database) as connection:
            return list(connection.execute(sql, args).fetchall())

    def value(self, sql: str, *args: Any) -> Any:
        return self.rows(sql, *args)[0][0]

    @contextmanager
    def client(self) -> Iterator[TestClient[Litestar]]:
        settings = Settings(database_url=self.url, data_dir=self.data_dir, jwt_secret="test-secret-" + "x" * 32)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client


def ruqi(data_dir: Path, *args: str) -> str:
    """Run ``ruqi ARGS`` on the SQLite database in ``data_dir``; return its output (it must succeed)."""
    done = ruqi_run(data_dir, *args)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def ruqi_run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``ruqi ARGS`` on the SQLite database in ``data_dir``, whatever its exit status."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{data_dir / 'ruqi.sqlite3'}", RUQI_DATA_DIR=str(data_dir))
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "REDIS_URL"):
        env.pop(name, None)
    env["LANG"] = "C.UTF-8"  # not English: the command speaks Chinese
    command = Path(sys.executable).with_name("ruqi")
    return subprocess.run([str(command), *args], env=env, capture_output=True, text=True, check=False)


def seed(data_dir: Path, *args: str) -> Seeded:
    """``ruqi migrate`` then ``ruqi seed ARGS`` into a new database in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ruqi(data_dir, "migrate")
    output = ruqi(data_dir, "seed", *args)
    return Seeded(data_dir, data_dir / "ruqi.sqlite3", output)


def login(client: TestClient[Litestar], username: str, password: str = "ruqi-demo") -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}

"""What the failure tests share: deployments with extra settings, logged-in HTTP calls, and Redis and
PostgreSQL servers of their own (the machine's shared servers are never stopped).

Every wait is bounded; every process started here is stopped by whoever started it (``finally``).
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis

from tests.e2e.servers import Deployment, free_port, wait_for
from tests.e2e.world import APPROVER, PASSWORD, PLANNER, SUPERVISOR, UNIT

TIMEOUT = 20.0  # one HTTP request
STOP_TIMEOUT = 15.0
_FG = ("--daemonize", "no")


@dataclass
class TunedDeployment(Deployment):
    """A deployment whose server processes get extra environment (settings such as the verify rate)."""

    extra: dict[str, str] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        return super().env(**{**self.extra, **extra})


class Staff:
    """Bearer tokens of the demo logins (argon2 is slow on purpose: one login per account)."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            answer = httpx.post(
                f"{self.server}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=TIMEOUT
            )
            assert answer.status_code == 200, answer.text
            self.tokens[username] = answer.json()["access_token"]
        return self.tokens[username]

    def call(self, method: str, url: str, as_: str | None = None, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(as_)}"} if as_ else {}
        return httpx.request(method, url, headers=headers, timeout=kw.pop("timeout", TIMEOUT), **kw)


def prepare(deployment: Deployment, enterprises: int = 50) -> None:
    """Migrate and seed the district without history, so every enterprise starts the year with no visits."""
    deployment.run("migrate")
    deployment.run("seed", "--enterprises", str(enterprises), "--no-history")


def visit_body(uscc: str, inspector_ids: list[int], item_code: str, *, hours: float = 2) -> dict[str, Any]:
    """An inspection whose window holds now: approved, its code is valid and the enterprise code scans in."""
    now = dt.datetime.now(dt.UTC)
    return {
        "uscc": uscc,
        "unit_codes": [UNIT],
        "inspector_ids": inspector_ids,
        "item_codes": [item_code],
        "window_start": (now - dt.timedelta(minutes=1)).isoformat(),
        "window_end": (now + dt.timedelta(hours=hours)).isoformat(),
        # A planned inspection needs a task of a published monthly plan; these tests need a visit now: 转办交办.
        "origin": "triggered",
        "trigger_type": "referral",
        "trigger_ref": "转办-测试",
        "trigger_reason": "上级转办的检查（测试）",
    }


def service_body(uscc: str, inspector_ids: list[int], day_offset: int = 1) -> dict[str, Any]:
    """A service visit (服务): no items, no enforcement caps — many can be filed for one enterprise."""
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=day_offset)
    return {
        "uscc": uscc,
        "unit_codes": [UNIT],
        "inspector_ids": inspector_ids,
        "item_codes": [],
        "kind": "service",
        "service_type": "service",
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=2)).isoformat(),
        "origin": "planned",
    }


def inspector_ids(staff: Staff) -> list[int]:
    ids = []
    for name in ("inspector-1", "inspector-2"):
        me = staff.call("GET", f"{staff.server}/api/v1/auth/me", as_=name)
        assert me.status_code == 200, me.text
        ids.append(int(me.json()["inspector_id"]))
    return ids


def enterprises(staff: Staff) -> list[str]:
    page = staff.call("GET", f"{staff.server}/api/v1/enterprises?limit=100", as_=PLANNER)
    assert page.status_code == 200, page.text
    return [e["uscc"] for e in page.json()["items"] if not e["whitelisted"]]


def first_item(staff: Staff) -> str:
    page = staff.call("GET", f"{staff.server}/api/v1/items?unit_code={UNIT}&status=published&limit=100", as_=PLANNER)
    assert page.status_code == 200, page.text
    return str(next(i["code"] for i in page.json()["items"] if i["category"] != "no_disturbance"))


def enterprise_code(staff: Staff, uscc: str) -> str:
    answer = staff.call("GET", f"{staff.server}/api/v1/enterprises/{uscc}/code", as_=SUPERVISOR)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["url"])


def scan_body(content: str, event: str) -> dict[str, Any]:
    return {"content": content, "client_event_id": event}


__all__ = ["APPROVER", "PLANNER", "SUPERVISOR"]


# -- a Redis server of our own ----------------------------------------------------------------------------
class OwnRedis:
    """``redis-server`` on a free port, without persistence, as a child process this test owns."""

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_dir / f"redis-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed", pytrace=False)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *_FG],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(f"redis-server on port {self.port}", self.answers, 15, self.log_tail)

    def answers(self) -> bool:
        try:
            with Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1) as client:
                return bool(client.ping())
        except Exception:
            return False

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""

    def kill(self) -> None:
        """The outage: SIGKILL, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT)
        self.process = None


# -- a PostgreSQL cluster of our own ----------------------------------------------------------------------
def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"PostgreSQL's {name} is not installed under /usr/lib/postgresql", pytrace=False)
    return found[-1]


class OwnPostgres:
    """A throw-away cluster (initdb, trust auth) in a temp dir, run as the ``postgres`` user when we are root."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="ruqi-pg-"))
        self.data = self.dir / "data"
        self.log_path = self.dir / "postgres.log"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_owner(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout, check=False)

    def _check(self, done: subprocess.CompletedProcess[str], what: str) -> None:
        if done.returncode != 0:
            tail = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
            pytest.fail(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{tail}", pytrace=False)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        done = self._as_owner(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self._check(done, "initdb")

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        return self._as_owner(
            _pg_ctl_bin(), "-D", str(self.data), "-l", str(self.log_path), "-o", options, "-w", "-t", "30", *args
        )

    def start(self) -> None:
        self._check(self._pg_ctl("start"), "pg_ctl start")

    def restart(self) -> None:
        self._check(self._pg_ctl("restart", "-m", "fast"), "pg_ctl restart")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "immediate")

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_ctl_bin() -> str:
    return _pg_bin("pg_ctl")


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    cluster = OwnPostgres()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            cluster.remove()


def wait_until(what: str, check: Any, timeout: float) -> Any:
    return wait_for(what, check, timeout)


def elapsed(since: float) -> float:
    return time.monotonic() - since

"""The sample district as the tests use it — read and changed only through the sample client.

``ruqi seed`` loads the demo logins (password ruqi-demo): planner-u-d21 / approver-u-d21 of 历城区市场监督管理局,
inspector-1 … inspector-4 of that unit, supervisor, enterprise-1. Each test takes enterprises of its own
from a shared supply, so yearly caps and frequency warnings of one test never touch another.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clients.sample_mobile.api_client import ApiClient
from clients.sample_mobile.schemas import EnterpriseRead, Visit, VisitDraft
from tests.e2e.servers import REPO

PASSWORD = "ruqi-demo"
# Accounts the tests create need a password the policy accepts (the demo one exists only in the sample data).
ENTERPRISE_PASSWORD = "e2e-企业-login-2026"
UNIT = "U-D21"
PLANNER, APPROVER, SUPERVISOR = "planner-u-d21", "approver-u-d21", "supervisor"
INSPECTORS = ("inspector-1", "inspector-2")
CLI_TIMEOUT = 60.0


def login(server: str, username: str) -> ApiClient:
    api = ApiClient(server)
    api.login(username, PASSWORD)
    return api


@dataclass
class World:
    """Logged-in staff clients on one server, and a supply of enterprises nobody else uses."""

    server: str
    inspector_ids: list[int]
    item_code: str
    _enterprises: Iterator[EnterpriseRead]
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, server: str) -> World:
        with login(server, PLANNER) as planner:
            firms = [e for e in planner.enterprises(limit=100).items if not e.whitelisted]
            items = [i for i in planner.items(unit_code=UNIT).items if i.category != "no_disturbance"]
        ids = []
        for name in INSPECTORS:
            with ApiClient(server) as api:
                inspector_id = api.login(name, PASSWORD).inspector_id
                assert inspector_id is not None
                ids.append(inspector_id)
        return cls(server, ids, items[0].code, iter(firms))

    def client(self, username: str, server: str | None = None) -> ApiClient:
        """A client logged in as ``username`` (one login per account and session: argon2 is slow on purpose)."""
        with self._lock:
            if username not in self._tokens:
                with login(self.server, username) as api:
                    assert api.token is not None
                    self._tokens[username] = api.token
            return ApiClient(server or self.server, self._tokens[username])

    def enterprise(self) -> EnterpriseRead:
        with self._lock:
            return next(self._enterprises)

    def enterprise_account(self, uscc: str) -> str:
        """An enterprise login for ``uscc``, created by the admin with ``ENTERPRISE_PASSWORD``."""
        username = f"ent-{uscc.lower()}"
        body = json.dumps({"username": username, "password": ENTERPRISE_PASSWORD, "role": "enterprise", "uscc": uscc})
        with self.client("admin") as admin:
            answer = admin.send("POST", "/api/v1/users", body=body.encode())
        assert answer.status in (201, 409), answer.body
        return username

    def approved_visit(self, uscc: str, *, hours: float = 2) -> Visit:
        """Filed by the planner with a window that holds now, approved by the unit head: its code is issued."""
        now = dt.datetime.now(dt.UTC)
        draft = VisitDraft(
            uscc=uscc,
            unit_codes=[UNIT],
            inspector_ids=self.inspector_ids,
            item_codes=[self.item_code],
            window_start=now - dt.timedelta(minutes=1),
            window_end=now + dt.timedelta(hours=hours),
            # A planned inspection needs a task of a published monthly plan; a visit now is a referral (转办交办).
            origin="triggered",
            trigger_type="referral",
            trigger_ref="转办-测试",
            trigger_reason="上级转办的检查（测试）",
        )
        with self.client(PLANNER) as planner:
            visit = planner.file_visit(draft)
        assert visit.status == "filed", visit
        with self.client(APPROVER) as approver:
            approved = approver.approve(visit.id)
        assert approved.status == "approved", approved
        return approved


@dataclass
class Phone:
    """One phone of the CLI: a profile with its own state directory, run as a subprocess."""

    server: str
    state_dir: Path

    def command(self, *args: str, server: str | None = None) -> list[str]:
        base = [sys.executable, "-m", "clients.sample_mobile", "--server", server or self.server]
        return [*base, "--state-dir", str(self.state_dir), "--json", *args]

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "RUQI_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1", **extra}

    def run(self, *args: str, expect: int | None = 0, server: str | None = None) -> list[Any]:
        """Run one command; its JSON output lines, parsed. ``expect`` is the exit code (None: any)."""
        done = subprocess.run(
            self.command(*args, server=server),
            cwd=REPO,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
        )
        if expect is not None:
            assert done.returncode == expect, (
                f"{' '.join(args)} exited {done.returncode}, expected {expect}\n{done.stdout}\n{done.stderr}"
            )
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith(("{", "["))]

    def popen(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            cwd=REPO,
            env=self.env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

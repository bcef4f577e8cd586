"""`ruqi run` is one process tree that a signal to its PID stops entirely; its files are private (issue 13)."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

RUQI = Path(sys.executable).with_name("ruqi")
START_S = 90  # bounds for a broken run, never measurements
STOP_S = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found |= {child} | _descendants(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(what: str, condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    data = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUQI_", "DATABASE_URL", "REDIS_URL", "LITESTAR"))}
    env |= {"RUQI_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data}/ruqi.sqlite3"}
    subprocess.run([str(RUQI), "migrate"], env=env, check=True, capture_output=True, timeout=START_S)
    yield env


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_ruqi_run_stops_every_worker(environment: dict[str, str], signum: int, tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(RUQI), "run", "--host", "127.0.0.1", "--port", str(port), "--web-concurrency", "2"],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    workers: set[int] = set()
    try:
        _wait_for("/health", lambda: _healthy(url), START_S)
        _wait_for("two workers", lambda: len(_descendants(server.pid)) >= 2, START_S)
        workers = _descendants(server.pid)
        answer = httpx.get(f"{url}/health", timeout=5)
        assert "server" not in answer.headers and answer.json() == {"status": "ok"}
        os.kill(server.pid, signum)  # the PID only, as an operator or a service manager does
        server.wait(STOP_S)
        _wait_for("every worker to end", lambda: not any(_alive(pid) for pid in workers), STOP_S)
        assert not _healthy(url)
    finally:
        for pid in [server.pid, *workers]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()
    data = Path(environment["RUQI_DATA_DIR"])
    mode = {p.relative_to(data).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in [data, *data.rglob("*")]}
    assert mode["."] == 0o700
    for name in ("ruqi.sqlite3", "jwt_secret"):
        assert mode[name] == 0o600, (name, oct(mode[name]))
    assert all(m & 0o077 == 0 for m in mode.values()), {k: oct(v) for k, v in mode.items() if v & 0o077}

"""clients/sample_mobile/README.md, pasted as a new user would: its shell blocks, in order, into bash against a
freshly seeded sample district (``ruqi migrate``, ``ruqi seed``, ``ruqi run`` on SQLite) — after
``docs/walkthrough.sh`` and twice in a row — and what they print."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.servers import REPO, free_port, ruqi_command, wait_for

pytestmark = pytest.mark.e2e
README = REPO / "clients" / "sample_mobile" / "README.md"
PIP_LINE = re.compile(r"^\.venv/bin/pip install -q -e '\.\[mobile\]'.*$", re.MULTILINE)


def walkthrough_script() -> str:
    """The shell blocks of the walk-through section, in order, as one script."""
    text = README.read_text()
    section = text[text.index("## Walk-through against `make run`") : text.index("## Offline first")]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    assert len(blocks) >= 8 and PIP_LINE.search(blocks[0]), "the walk-through starts by installing the mobile extra"
    # The extra is installed in this environment already (make test); pip is not run again here.
    return PIP_LINE.sub(".venv/bin/python -c 'import httpx, zxingcpp, websockets'", "\n".join(blocks))


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("sample-district")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, RUQI_DATA_DIR=str(data), DATABASE_URL=f"sqlite:///{data}/ruqi.sqlite3")
    env.update(RUQI_PUBLIC_BASE_URL=base)
    env.pop("REDIS_URL", None)
    for step in (["migrate"], ["seed", "--if-empty"]):
        done = subprocess.run([*ruqi_command(), *step], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    log = (data / "server.log").open("w")
    process = subprocess.Popen(
        [*ruqi_command(), "run", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=REPO, stdout=log, stderr=log
    )

    def healthy() -> bool:
        try:
            return httpx.get(f"{base}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for("the sample server answering /health", healthy, 60, lambda: (data / "server.log").read_text()[-2000:])
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
        log.close()


def _run(script: str, base: str, home: Path, what: str) -> str:
    env = dict(os.environ, RUQI_SERVER=base, HOME=str(home))
    env.pop("RUQI_PASSWORD", None)
    # Its own process group: the backgrounded `watch` is ended with the script.
    process = subprocess.Popen(
        ["bash", "-c", script], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        output, _ = process.communicate(timeout=240)
    finally:
        # The script's group: a `watch` still waiting in the background, or the script itself on a timeout.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    assert "Traceback" not in output and "No module named" not in output, f"{what}:\n{output[-4000:]}"
    return output


def _check(output: str, what: str) -> None:
    visits = re.findall(r"^visit (\d+) filed$", output, re.MULTILINE)
    assert len(visits) == 1, f"{what}:\n{output[-4000:]}"
    v = visits[0]
    expected = [
        f"visit {v} approved",
        "已备案 · 有效",
        "verified offline",
        "needs an online check",
        f"arrival on visit #{v}",
        "unfiled_visit",
        "403",
        "4/5 检查规范，用时短",
        "cancelled",
    ]
    missing = [e for e in expected if e not in output]
    assert not missing, f"{what}: missing {missing}\n{output[-4000:]}"
    for refusal in ("422 item_cap_exceeded", "422 visit_not_checked_in", "command not found", "usage:"):
        assert refusal not in output, f"{what}: {refusal}\n{output[-4000:]}"


def test_the_readme_walkthrough_works_after_walkthrough_sh_and_twice(sample_server: str, tmp_path: Path) -> None:
    script = walkthrough_script()
    if shutil.which("jq") and shutil.which("curl"):
        walk = ["bash", str(REPO / "docs" / "walkthrough.sh")]
        env = dict(os.environ, S=sample_server)
        before = subprocess.run(walk, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert before.returncode == 0, before.stdout[-2000:] + before.stderr[-2000:]
    home = tmp_path / "home"
    home.mkdir()
    first = _run(script, sample_server, home, "first run")
    _check(first, "first run")
    second = _run(script, sample_server, home, "second run")  # the same phones, pasted again
    _check(second, "second run")

"""The batched verification log (RUQI_VERIFY_LOG_FLUSH_MS, on by default) loses nothing when ``ruqi run`` is
stopped with SIGTERM: every worker writes what it still holds before it exits."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx

from tests.e2e.servers import Deployment, launch_server, wait_ready
from tests.failure.helpers import TIMEOUT, TunedDeployment
from tests.failure.test_two_processes import query

VERIFICATIONS = 40
COUNT = "SELECT count(*) AS n FROM verification_log"


def test_sigterm_writes_every_buffered_verification(shared_deployment: Deployment, tmp_path: Path) -> None:
    # An interval far longer than the test: only the shutdown can have written the rows.
    tuned = TunedDeployment(
        **{f.name: getattr(shared_deployment, f.name) for f in dataclasses.fields(Deployment)},
        extra={"RUQI_VERIFY_LOG_FLUSH_MS": "10000", "RUQI_VERIFY_RATE_PER_MINUTE": "1000"},
    )
    before = query(tuned, COUNT)[0]["n"]
    server = launch_server(tuned, tmp_path, workers=2)
    try:
        wait_ready(server)
        with httpx.Client(timeout=TIMEOUT) as client:
            for n in range(VERIFICATIONS):
                answer = client.get(f"{server.url}/api/v1/public/verify/NOT-A-CODE-{n}")
                assert answer.status_code == 200 and answer.json()["outcome"] == "malformed"
    finally:
        server.stop()  # SIGTERM to the process group, as a service manager stops it
    assert query(tuned, COUNT)[0]["n"] == before + VERIFICATIONS, server.log_tail()

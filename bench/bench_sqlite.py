"""What one small office gets: verify and scan-in rates on the embedded default (SQLite, in-process stores).

    .venv/bin/python bench/bench_sqlite.py [--rounds 3] [--duration 10] [--connections 8,64]

The ``make run`` settings: no DATABASE_URL (a SQLite file in a temporary RUQI_DATA_DIR), no REDIS_URL
(rate limits, caches, idempotency and channels in process), ``ruqi migrate`` + ``ruqi seed --enterprises 500``,
``ruqi run`` with one worker. RUQI_VERIFY_RATE_PER_MINUTE=100000000 (all load comes from 127.0.0.1).
Files and approves a visit of enterprise-1 whose window covers the run, then drives, with wrk and rounds rotated:
``GET /api/v1/public/verify/{token}``, ``GET /V/{token}`` and ``POST /api/v1/scans`` (inspector-1, a unique
client_event_id per request), at 8 and at 64 connections. No target: the rates are what the embedded default
offers; the checks afterwards count the verification-log and scan rows in the SQLite file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, fixtures, loadgen, report

JSON, PAGE, SCAN = "verify JSON", "verify page /V/", "scan-in POST /scans"
WORKERS = 1  # make run: ruqi run --host 127.0.0.1 --port 8000


def _counts(path: Path) -> dict[str, Any]:
    with sqlite3.connect(path, timeout=30) as conn:
        outcomes = dict(conn.execute("SELECT outcome, count(*) FROM verification_log GROUP BY outcome").fetchall())
        scans = conn.execute("SELECT count(*) FROM scan").fetchone()[0]
        unfiled = conn.execute("SELECT count(*) FROM unfiled_attempt").fetchone()[0]
    return {"verifications": outcomes, "scans": scans, "unfiled": unfiled}


def _flush_setting(ms: int | None) -> dict[str, str]:
    return {} if ms is None else {"RUQI_VERIFY_LOG_FLUSH_MS": str(ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", default="8,64", help="comma-separated connection counts, one set each")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--verify-log-flush-ms",
        type=int,
        default=None,
        help="RUQI_VERIFY_LOG_FLUSH_MS for ruqi (default: ruqi's own, batched; 0: a write per verify)",
    )
    args = parser.parse_args()
    common.exit_cleanly_on_sigterm()
    print("command:", report.command_line())
    loadgen.require_wrk()
    started = dt.datetime.now(dt.UTC)
    machine = report.machine()

    with (
        common.deployment(postgres=False) as plain,
        tempfile.TemporaryDirectory(prefix="ruqi-bench-logs-") as logs,
        common.ruqi_server(
            dep := common.with_env(plain, **_flush_setting(args.verify_log_flush_ms)), WORKERS, Path(logs)
        ) as app,
    ):
        fixture = fixtures.approved_visit(app.base_url)
        body = fixtures.scan_body(fixture)
        first = fixtures.call(
            app.base_url,
            "POST",
            "/api/v1/scans",
            json.loads(body.replace("{id}", "bench-first")),
            fixture.inspector_token,
        )
        verified = fixtures.call(app.base_url, "GET", f"/api/v1/public/verify/{fixture.code_token}")
        if first["visit_status"] != "checked_in" or verified["outcome"] != "valid":
            raise RuntimeError(f"fixture not usable: scan {first}, verify {verified['outcome']}")
        database = dep.data_dir / "ruqi.sqlite3"
        before = _counts(database)
        targets = {
            JSON: loadgen.Target(f"{app.base_url}/api/v1/public/verify/{fixture.code_token}", server=app),
            PAGE: loadgen.Target(f"{app.base_url}/V/{fixture.code_token}", server=app),
            SCAN: loadgen.Target(f"{app.base_url}/api/v1/scans", "POST", body, fixture.inspector_token, server=app),
        }
        results: dict[str, list[loadgen.Load]] = {}
        for connections in (int(n) for n in args.connections.split(",")):
            level = loadgen.run_rounds(
                targets, rounds=args.rounds, duration_s=args.duration, connections=connections, threads=args.threads
            )
            results |= {f"{label} @{connections}": loads for label, loads in level.items()}
        after = _counts(database)

    checks = {
        "verification_log_by_outcome": after["verifications"],
        "verifications_added": sum(after["verifications"].values()) - sum(before["verifications"].values()),
        "scan_rows_added": after["scans"] - before["scans"],
        "unfiled_attempts_added": after["unfiled"] - before["unfiled"],
        "errors": {label: sum(x.errors for x in loads) for label, loads in results.items()},
        "answers_slower_than_5s": {label: sum(x.timeouts for x in loads) for label, loads in results.items()},
    }
    print()
    loadgen.print_figures(results)
    print(f"checks: {checks}")
    report.write_result(
        "sqlite",
        {
            "benchmark": "embedded default (SQLite, in-process stores, 1 worker): verify and scan-in rates",
            "command": report.command_line(),
            "date": started.isoformat(timespec="seconds"),
            "machine": machine,
            "settings": report.server_settings(WORKERS, postgres=False),
            "load": loadgen.load_settings(args),
            "figures": loadgen.figures(results),
            "checks": checks,
        },
    )


if __name__ == "__main__":
    main()

"""Scan-in writes/s (POST /api/v1/scans) against a raw single-row INSERT handler, in the same run.

    .venv/bin/python bench/bench_scan.py [--rounds 3] [--duration 10] [--connections 64] [--workers 2]

Starts on loopback: a fresh PostgreSQL database and Redis key prefix, ``ruqi migrate`` + ``ruqi seed
--enterprises 500``, ``ruqi run --web-concurrency N`` (production settings) and bench/baseline_app.py (one
asyncpg INSERT of the same JSON body per request) with the same CLI and worker count. Files and approves a
visit of enterprise-1 naming inspector-1 whose window covers the run; logs in as inspector-1 and sends, through
wrk, the enterprise code's URL with a unique client_event_id per request (wrk.lua: run prefix, thread, counter)
and a position 30 m from the enterprise. The first scan checks the visit in; every later one is a presence scan.
The baseline receives the same bytes (the Authorization header included) and inserts one row.

Checks afterwards that every 2xx scan is a row of ``scan`` and that nothing was recorded as an unfiled attempt.
Judged by requests/s of scan-in over the INSERT handler in the same round (target ≥ 0.7×).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, fixtures, loadgen, report

RATIO_TARGET = 0.7
BASELINE, SCAN = "baseline POST /insert", "scan-in POST /scans"
COUNTS = """
SELECT (SELECT count(*) FROM scan) AS scans, (SELECT count(*) FROM unfiled_attempt) AS unfiled,
       (SELECT count(*) FROM audit_event) AS audit_events, (SELECT count(*) FROM idempotency_record) AS idempotency
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (both servers)")
    args = parser.parse_args()
    common.exit_cleanly_on_sigterm()
    print("command:", report.command_line())
    loadgen.require_wrk()
    started = dt.datetime.now(dt.UTC)
    machine = report.machine()

    with (
        common.deployment(postgres=True) as dep,
        tempfile.TemporaryDirectory(prefix="ruqi-bench-logs-") as logs,
        common.ruqi_server(dep, args.workers, Path(logs)) as app,
        common.baseline_server(dep.database_url, args.workers, Path(logs)) as base,
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
        if first["kind"] != "arrival" or first["visit_status"] != "checked_in":
            raise RuntimeError(f"the first scan did not check the visit in: {first}")
        before = common.sql(dep.database_url, COUNTS)[0]
        targets = {
            BASELINE: loadgen.Target(
                f"{base.base_url}/insert", "POST", body, fixture.inspector_token, base, dep.database_url
            ),
            SCAN: loadgen.Target(
                f"{app.base_url}/api/v1/scans", "POST", body, fixture.inspector_token, app, dep.database_url
            ),
        }
        results = loadgen.run_rounds(
            targets, rounds=args.rounds, duration_s=args.duration, connections=args.connections, threads=args.threads
        )
        after = common.sql(dep.database_url, COUNTS)[0]

    counted = sum(x.requests for x in results[SCAN])
    checks: dict[str, Any] = {
        "scan_rows_added": after["scans"] - before["scans"],
        "audit_events_added": after["audit_events"] - before["audit_events"],
        "unfiled_attempts_added": after["unfiled"] - before["unfiled"],
        "requests_counted_by_wrk_in_measured_runs": counted,
        "scan_errors": sum(x.errors for x in results[SCAN]),
    }
    if checks["unfiled_attempts_added"] or checks["scan_errors"]:
        raise SystemExit(f"scans were refused: {checks}")

    ratios = {f"{SCAN} / baseline": loadgen.ratio(results, SCAN, BASELINE, RATIO_TARGET)}
    print()
    loadgen.print_figures(results)
    for name, r in ratios.items():
        print(report.verdict(f"{name} (requests/s, per round {r['per_round']})", r["median"], r["target"], r["met"]))
    waits = [x.usage.get("backends_waiting_lock_advisory", 0.0) for x in results[SCAN]]
    print(f"backends waiting on the audit chain's advisory lock during scan-in (mean per round): {waits}")
    report.write_result(
        "scan",
        {
            "benchmark": "scan-in writes/s vs one raw single-row INSERT",
            "command": report.command_line(),
            "date": started.isoformat(timespec="seconds"),
            "machine": machine,
            "settings": report.server_settings(args.workers, postgres=True),
            "load": loadgen.load_settings(args),
            "figures": loadgen.figures(results),
            "ratios": ratios,
            "checks": checks,
        },
    )


if __name__ == "__main__":
    main()

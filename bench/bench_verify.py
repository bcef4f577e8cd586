"""Public verification of a visit code (the JSON twin and the /V/ page) against one raw primary-key select.

    .venv/bin/python bench/bench_verify.py [--rounds 3] [--duration 10] [--connections 64] [--workers 2]

Starts on loopback: a fresh PostgreSQL database and Redis key prefix, ``ruqi migrate`` + ``ruqi seed
--enterprises 500``, ``ruqi run --web-concurrency N`` (production settings: PostgreSQL + Redis) and
bench/baseline_app.py (a bare Litestar handler, one asyncpg primary-key SELECT) with the same CLI and worker
count. Files and approves a visit of enterprise-1 whose window covers the run, then drives three targets with
wrk, rounds rotated: ``GET /pk/7`` (baseline), ``GET /api/v1/public/verify/{token}``, ``GET /V/{token}``.

The verify routes are rate-limited per client and every call writes a verification-log row (folded into the audit
chain as a digest before each checkpoint, not linked one by one): the benchmark sets
RUQI_VERIFY_RATE_PER_MINUTE=100000000 (all load comes from 127.0.0.1) and checks afterwards that every request
was logged with the outcome ``valid``. Judged by requests/s of verify over the baseline in the same round
(target ≥ 0.8×) and p99 at 64 connections (target < 50 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, fixtures, loadgen, report

RATIO_TARGET = 0.8
P99_TARGET_MS = 50.0
BASELINE, JSON, PAGE = "baseline GET /pk/{id}", "verify JSON", "verify page /V/"


def _check_once(app_url: str, token: str) -> None:
    body = fixtures.call(app_url, "GET", f"/api/v1/public/verify/{token}")
    if body["outcome"] != "valid":
        raise RuntimeError(f"the fixture's code does not verify as valid: {body['outcome']}")
    with urllib.request.urlopen(f"{app_url}/V/{token}", timeout=10) as page:
        html = page.read().decode()
    if page.status != 200 or body["visit"]["enterprise_name"] not in html:
        raise RuntimeError("the /V/ page does not show the visit")


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
        _check_once(app.base_url, fixture.code_token)
        logged_before = common.sql(dep.database_url, "SELECT count(*) AS n FROM verification_log")[0]["n"]
        audit_before = common.sql(dep.database_url, "SELECT count(*) AS n FROM audit_event")[0]["n"]
        targets = {
            BASELINE: loadgen.Target(f"{base.base_url}/pk/7", server=base, dsn=dep.database_url),
            JSON: loadgen.Target(
                f"{app.base_url}/api/v1/public/verify/{fixture.code_token}", server=app, dsn=dep.database_url
            ),
            PAGE: loadgen.Target(f"{app.base_url}/V/{fixture.code_token}", server=app, dsn=dep.database_url),
        }
        results = loadgen.run_rounds(
            targets, rounds=args.rounds, duration_s=args.duration, connections=args.connections, threads=args.threads
        )
        log = common.sql(dep.database_url, "SELECT outcome, count(*) AS n FROM verification_log GROUP BY outcome")
        audit_after = common.sql(dep.database_url, "SELECT count(*) AS n FROM audit_event")[0]["n"]

    served = sum(x.requests for label in (JSON, PAGE) for x in results[label])
    logged = {r["outcome"]: r["n"] for r in log}
    checks: dict[str, Any] = {
        "verification_log_rows_by_outcome": logged,
        "rows_added_during_runs": sum(logged.values()) - logged_before,
        "requests_counted_by_wrk_in_measured_runs": served,
        "only_valid": set(logged) == {"valid"},
        "audit_events_added": audit_after - audit_before,
    }
    if not checks["only_valid"]:
        raise SystemExit(f"some verifications were not 'valid': {logged}")

    ratios = {
        f"{JSON} / baseline": loadgen.ratio(results, JSON, BASELINE, RATIO_TARGET),
        f"{PAGE} / baseline": loadgen.ratio(results, PAGE, BASELINE, RATIO_TARGET),
    }
    p99 = {label: loadgen.medians(results[label])["p99_ms"] for label in (JSON, PAGE, BASELINE)}
    p99_checks: dict[str, dict[str, Any]] = {
        label: {"median_ms": v, "target": f"< {P99_TARGET_MS}", "met": v < P99_TARGET_MS} for label, v in p99.items()
    }

    print()
    loadgen.print_figures(results)
    for name, r in ratios.items():
        print(report.verdict(f"{name} (requests/s, per round {r['per_round']})", r["median"], r["target"], r["met"]))
    for label, r in p99_checks.items():
        print(
            report.verdict(f"{label} p99 ms at {args.connections} connections", r["median_ms"], r["target"], r["met"])
        )
    for label in (JSON, PAGE):
        waits = [x.usage.get("backends_waiting_lock_advisory", 0.0) for x in results[label]]
        print(f"{label}: backends waiting on the audit chain's advisory lock (mean per round): {waits}")
    print(f"checks: {checks}")
    report.write_result(
        "verify",
        {
            "benchmark": "verify endpoint vs one raw asyncpg primary-key select",
            "command": report.command_line(),
            "date": started.isoformat(timespec="seconds"),
            "machine": machine,
            "settings": report.server_settings(args.workers, postgres=True),
            "load": loadgen.load_settings(args),
            "figures": loadgen.figures(results),
            "ratios": ratios,
            "p99": p99_checks,
            "checks": checks,
        },
    )


if __name__ == "__main__":
    main()

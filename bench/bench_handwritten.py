"""ruqi's verify and scan-in against the same work written by hand (bench/handwritten_app.py), in one run.

    .venv/bin/python bench/bench_handwritten.py [--rounds 3] [--duration 8] [--connections 64] [--workers 2]

Starts on loopback: a fresh PostgreSQL database and Redis key prefix, ``ruqi migrate`` + ``ruqi seed
--enterprises 500``, ``ruqi run --web-concurrency N`` (production settings: PostgreSQL + Redis) and the
hand-written raw-ASGI + asyncpg app under uvicorn with the same number of workers, on the same database (it
reads ruqi's published JWK Set and is given the same JWT secret). Files and approves a visit of enterprise-1,
checks it in once through ruqi, then drives four targets with wrk, rounds rotated so that each pair is measured
minutes apart at most:

- ``GET /api/v1/public/verify/{token}`` (ruqi) and ``GET /verify/{token}`` (by hand): the same visit code;
- ``POST /api/v1/scans`` (ruqi) and ``POST /scan`` (by hand): the same body with a unique client_event_id per
  request (wrk.lua), inspector-1's bearer token; every request after the first is a presence scan.

Reports ruqi's requests/s and p99 as ratios to the hand-written figures of the same round, next to the goals of
issue 17: verify ≥ 0.8× with p99 < 50 ms at 64 connections; scan-in ≥ 0.7×.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, fixtures, loadgen, report

VERIFY_TARGET, VERIFY_P99_MS, SCAN_TARGET = 0.8, 50.0, 0.7
HAND_VERIFY, RUQI_VERIFY = "by hand GET /verify", "ruqi GET /public/verify"
HAND_SCAN, RUQI_SCAN = "by hand POST /scan", "ruqi POST /scans"
COUNTS = """
SELECT (SELECT count(*) FROM scan) AS scans, (SELECT count(*) FROM unfiled_attempt) AS unfiled,
       (SELECT count(*) FROM verification_log) AS verifications, (SELECT count(*) FROM audit_event) AS audit_events
"""


def handwritten_server(dep: common.Deployment, jwks_url: str, workers: int, log_dir: Path) -> Any:
    port = common.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUQI_", "LITESTAR_"))}
    env.update(
        HAND_DSN=dep.database_url,
        HAND_JWKS_URL=jwks_url,
        HAND_JWT_SECRET=dep.env["RUQI_JWT_SECRET"],
        PYTHONPATH=str(common.ROOT),
    )
    argv = [str(common.BIN / "uvicorn"), "bench.handwritten_app:app", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(workers)]
    return common.serve("handwritten", argv, env, port, log_dir)


def ratios(results: dict[str, list[loadgen.Load]], label: str, base: str, target: float) -> dict[str, Any]:
    out = loadgen.ratio(results, label, base, target)
    p99 = [round(a.p99_ms / b.p99_ms, 2) for a, b in zip(results[label], results[base], strict=True)]
    out["p99_ratio_per_round"] = p99
    out["p99_ratio_median"] = round(statistics.median(p99), 2)
    return out


def _flush_setting(ms: int | None) -> dict[str, str]:
    return {} if ms is None else {"RUQI_VERIFY_LOG_FLUSH_MS": str(ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (both servers)")
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
        common.deployment(postgres=True) as plain,
        tempfile.TemporaryDirectory(prefix="ruqi-bench-logs-") as logs,
        common.ruqi_server(
            dep := common.with_env(plain, **_flush_setting(args.verify_log_flush_ms)),
            args.workers,
            Path(logs),
        ) as app,
        handwritten_server(dep, f"{app.base_url}/.well-known/jwks.json", args.workers, Path(logs)) as hand,
    ):
        fixture = fixtures.approved_visit(app.base_url)
        body = fixtures.scan_body(fixture)
        first = fixtures.call(
            app.base_url, "POST", "/api/v1/scans", json.loads(body.replace("{id}", "first")), fixture.inspector_token
        )
        if first["visit_status"] != "checked_in":
            raise RuntimeError(f"the first scan did not check the visit in: {first}")
        by_hand = fixtures.call(hand.base_url, "GET", f"/verify/{fixture.code_token}")
        hand_scan = fixtures.call(
            hand.base_url, "POST", "/scan", json.loads(body.replace("{id}", "hand-first")), fixture.inspector_token
        )
        if not by_hand["valid"] or hand_scan.get("kind") != "presence":
            raise RuntimeError(f"the hand-written app does not do the work: {by_hand}, {hand_scan}")
        before = common.sql(dep.database_url, COUNTS)[0]
        dsn, token = dep.database_url, fixture.inspector_token
        targets = {
            HAND_VERIFY: loadgen.Target(f"{hand.base_url}/verify/{fixture.code_token}", server=hand, dsn=dsn),
            RUQI_VERIFY: loadgen.Target(
                f"{app.base_url}/api/v1/public/verify/{fixture.code_token}", server=app, dsn=dsn
            ),
            HAND_SCAN: loadgen.Target(f"{hand.base_url}/scan", "POST", body, token, hand, dsn),
            RUQI_SCAN: loadgen.Target(f"{app.base_url}/api/v1/scans", "POST", body, token, app, dsn),
        }
        results = loadgen.run_rounds(
            targets, rounds=args.rounds, duration_s=args.duration, connections=args.connections, threads=args.threads
        )
        after = common.sql(dep.database_url, COUNTS)[0]

    checks = {
        "scan_rows_added": after["scans"] - before["scans"],
        "verification_log_rows_added": after["verifications"] - before["verifications"],
        "audit_events_added": after["audit_events"] - before["audit_events"],
        "unfiled_attempts_added": after["unfiled"] - before["unfiled"],
        "errors": {label: sum(x.errors for x in loads) for label, loads in results.items()},
    }
    judged = {
        "verify / by hand": ratios(results, RUQI_VERIFY, HAND_VERIFY, VERIFY_TARGET),
        "scan-in / by hand": ratios(results, RUQI_SCAN, HAND_SCAN, SCAN_TARGET),
    }
    verify_p99 = loadgen.medians(results[RUQI_VERIFY])["p99_ms"]
    print()
    loadgen.print_figures(results)
    for name, r in judged.items():
        print(report.verdict(f"{name} (requests/s, per round {r['per_round']})", r["median"], r["target"], r["met"]))
        print(f"  p99 ruqi / by hand per round {r['p99_ratio_per_round']}, median {r['p99_ratio_median']}")
    print(report.verdict("verify p99 ms", verify_p99, f"< {VERIFY_P99_MS:.0f}", verify_p99 < VERIFY_P99_MS))
    print(f"checks: {checks}")
    report.write_result(
        "handwritten",
        {
            "benchmark": "ruqi verify and scan-in vs the same work by hand (raw ASGI + asyncpg), one run",
            "command": report.command_line(),
            "date": started.isoformat(timespec="seconds"),
            "machine": machine,
            "settings": report.server_settings(args.workers, postgres=True),
            "load": loadgen.load_settings(args),
            "figures": loadgen.figures(results),
            "ratios": judged,
            "verify_p99_ms": {"median": verify_p99, "target": f"< {VERIFY_P99_MS}", "met": verify_p99 < VERIFY_P99_MS},
            "checks": checks,
        },
    )


if __name__ == "__main__":
    main()

"""The app as it is against the app with the prototype fixes (bench/prototype/asgi.py), in the same run.

    .venv/bin/python bench/prototype/compare.py [--fixes verify,chain] [--rounds 2] [--duration 8]

One PostgreSQL + Redis deployment (as bench/bench_verify.py), bench/prototype/audit_trigger.sql applied when
``chain`` is among the fixes, three servers with the same worker count: ``ruqi run``, the prototype (through
``litestar run``) and the baseline. Checks that both apps give the same verify answer and accept scans, drives
verify and scan-in on both next to the baseline, and re-walks the audit chain with ``ruqi audit-verify``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import common, fixtures, loadgen, report

TRIGGER_SQL = Path(__file__).with_name("audit_trigger.sql")


async def _apply(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixes", default="verify,chain")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    common.exit_cleanly_on_sigterm()
    print("command:", report.command_line())
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with common.deployment(postgres=True) as dep, tempfile.TemporaryDirectory(prefix="ruqi-bench-logs-") as logs:
        if "chain" in args.fixes:
            asyncio.run(_apply(dep.database_url, TRIGGER_SQL.read_text()))
        port = common.free_port()
        env = dict(dep.env, RUQI_PROTOTYPE=args.fixes)
        argv = [str(common.BIN / "litestar"), "--app", "bench.prototype.asgi:app", "run", "--host", "127.0.0.1"]
        argv += ["--port", str(port), "--web-concurrency", str(args.workers)]
        with (
            common.ruqi_server(dep, args.workers, Path(logs)) as app,
            common.serve("prototype", argv, env, port, Path(logs)) as fixed,
            common.baseline_server(dep.database_url, args.workers, Path(logs)) as base,
        ):
            fx = fixtures.approved_visit(app.base_url)
            answers = [fixtures.call(s.base_url, "GET", f"/api/v1/public/verify/{fx.code_token}") for s in (app, fixed)]
            for answer in answers:
                answer.pop("checked_at")
            if answers[0] != answers[1]:
                raise SystemExit(f"the prototype answers differently:\n{answers[0]}\n{answers[1]}")
            body = fixtures.scan_body(fx)
            for n, server in enumerate((app, fixed)):
                first = json.loads(body.replace("{id}", f"check-{n}"))
                fixtures.call(server.base_url, "POST", "/api/v1/scans", first, fx.inspector_token)
            dsn, token = dep.database_url, fx.inspector_token
            verify = f"/api/v1/public/verify/{fx.code_token}"
            targets = {
                "baseline GET /pk/{id}": loadgen.Target(f"{base.base_url}/pk/7", server=base, dsn=dsn),
                "verify JSON (as is)": loadgen.Target(app.base_url + verify, server=app, dsn=dsn),
                "verify JSON (prototype)": loadgen.Target(fixed.base_url + verify, server=fixed, dsn=dsn),
                "baseline POST /insert": loadgen.Target(f"{base.base_url}/insert", "POST", body, token, base, dsn),
                "scan-in (as is)": loadgen.Target(f"{app.base_url}/api/v1/scans", "POST", body, token, app, dsn),
                "scan-in (prototype)": loadgen.Target(
                    f"{fixed.base_url}/api/v1/scans", "POST", body, token, fixed, dsn
                ),
            }
            results = loadgen.run_rounds(
                targets,
                rounds=args.rounds,
                duration_s=args.duration,
                connections=args.connections,
                threads=args.threads,
            )
            chain = common.ruqi(dep.env, "audit-verify").strip().splitlines()[-1]
    print()
    loadgen.print_figures(results)
    ratios = {
        f"{label} / {base_label}": loadgen.ratio(results, label, base_label, 0.0)["median"]
        for label, base_label in (
            ("verify JSON (as is)", "baseline GET /pk/{id}"),
            ("verify JSON (prototype)", "baseline GET /pk/{id}"),
            ("scan-in (as is)", "baseline POST /insert"),
            ("scan-in (prototype)", "baseline POST /insert"),
        )
    }
    for name, value in ratios.items():
        print(f"{name}: {value:.3f}")
    waits = {k: [x.usage.get("backends_waiting_lock_advisory", 0.0) for x in v] for k, v in results.items()}
    print(f"backends waiting on the audit chain's advisory lock: {waits}")
    print(f"audit chain after the run: {chain}")
    report.write_result(
        "prototype",
        {
            "benchmark": "prototype fixes vs the app as is (not a target benchmark)",
            "command": report.command_line(),
            "date": started,
            "fixes": args.fixes,
            "machine": report.machine(),
            "figures": loadgen.figures(results),
            "ratios": ratios,
            "audit_chain": chain,
        },
    )


if __name__ == "__main__":
    main()

"""Load from a second process: wrk (bench/wrk.lua) with a fixed duration and connection count per run,
rounds with a rotated order, medians, and ratios between targets measured in the same round."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.common import ROOT, Server
from bench.probes import settle, watch

WRK_SCRIPT = ROOT / "bench" / "wrk.lua"
INSTALL_WRK = "apt-get update && apt-get install -y wrk"
WARMUP_S = 3
WRK_TIMEOUT_S = 5  # an answer slower than this counts as a timeout (wrk then leaves it out of the percentiles)


@dataclass(frozen=True)
class Load:
    label: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # connect/read/write errors and non-2xx/3xx statuses
    timeouts: int  # no answer within wrk's --timeout (5 s): slow, not failed
    usage: dict[str, float] = field(default_factory=dict)  # bench/probes.py: CPU per request, backend states


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit(f"wrk is not installed: the benchmarks drive load with it. Install it with\n    {INSTALL_WRK}")
    return path


def run_wrk(
    label: str,
    url: str,
    *,
    duration_s: int,
    connections: int,
    threads: int = 2,
    method: str = "GET",
    body: str = "",
    token: str = "",
    server: Server | None = None,
    dsn: str | None = None,
) -> Load:
    """One bounded wrk run (its own process); figures from wrk.lua's done() line; CPU and pg_stat_activity
    of ``server`` and ``dsn`` while it runs."""
    env = dict(os.environ)
    env.update(BENCH_METHOD=method, BENCH_BODY=body, BENCH_AUTH=token, BENCH_RUN=f"r{uuid.uuid4().hex[:12]}")
    argv = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--timeout", f"{WRK_TIMEOUT_S}s"]
    argv += ["-s", str(WRK_SCRIPT), url]
    with watch(server.pid if server else None, dsn) as usage:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=duration_s + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors"))
    load = Load(
        label=label,
        requests=raw["requests"],
        seconds=round(seconds, 3),
        rps=round(raw["requests"] / seconds, 1),
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors=errors,
        timeouts=raw["timeouts"],
        usage=usage.per_request(raw["requests"]),
    )
    print(
        f"  {label:<26} {load.rps:>9,.0f} req/s  p50 {load.p50_ms:6.1f} ms  p99 {load.p99_ms:6.1f} ms  "
        f"({load.requests} requests, {errors} errors, {load.timeouts} > 5 s)"
        + (f"  server CPU {load.usage['server_cpu_ms_per_request']:.2f} ms/req" if server else "")
    )
    if errors:
        print(f"  !! {label}: {errors} errors; wrk said:\n{done.stdout}")
    return load


@dataclass(frozen=True)
class Target:
    """One endpoint under load: what wrk sends."""

    url: str
    method: str = "GET"
    body: str = ""
    token: str = ""
    server: Server | None = None  # whose CPU to account
    dsn: str | None = None  # whose backends to watch


def run_target(label: str, t: Target, *, duration_s: int, connections: int, threads: int) -> Load:
    """One wrk run, then wait until the server has drained what wrk left queued (bounded)."""
    load = run_wrk(
        label,
        t.url,
        duration_s=duration_s,
        connections=connections,
        threads=threads,
        method=t.method,
        body=t.body,
        token=t.token,
        server=t.server,
        dsn=t.dsn,
    )
    waited = settle(t.server.pid if t.server else None, t.dsn)
    if waited > 1:
        print(f"  (server drained the requests wrk left queued in {waited:.1f} s)")
    return load


def run_rounds(
    targets: Mapping[str, Target],
    *,
    rounds: int,
    duration_s: int,
    connections: int,
    threads: int,
    warmup_s: int = WARMUP_S,
) -> dict[str, list[Load]]:
    """A short warm-up of each target, then ``rounds`` rounds of one run per target, the order rotated per round
    so that no target always runs first or last on a machine whose load drifts."""
    labels = list(targets)
    print(f"warm-up, {warmup_s} s each:")
    for label in labels:
        run_target(f"{label} (warm-up)", targets[label], duration_s=warmup_s, connections=connections, threads=threads)
    results: dict[str, list[Load]] = {label: [] for label in labels}
    for r in range(rounds):
        order = labels[r % len(labels) :] + labels[: r % len(labels)]
        print(f"round {r + 1}/{rounds} ({duration_s} s each, {connections} connections, {threads} wrk threads):")
        for label in order:
            load = run_target(label, targets[label], duration_s=duration_s, connections=connections, threads=threads)
            results[label].append(load)
    return results


def ratio(results: Mapping[str, Sequence[Load]], label: str, base: str, target: float) -> dict[str, Any]:
    """requests/s of ``label`` over ``base``, per round (measured minutes apart at most) and their median."""
    per_round = [round(a.rps / b.rps, 3) for a, b in zip(results[label], results[base], strict=True)]
    value = statistics.median(per_round)
    return {"per_round": per_round, "median": round(value, 3), "target": f">= {target}", "met": value >= target}


def figures(results: Mapping[str, Sequence[Load]]) -> dict[str, Any]:
    return {label: {"median": medians(loads), "rounds": loads_json(loads)} for label, loads in results.items()}


def print_figures(results: Mapping[str, Sequence[Load]]) -> None:
    rounds = len(next(iter(results.values())))
    print(
        f"{'medians of ' + str(rounds) + ' rounds':<26} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
        f"{'server CPU ms/req':>18} {'timeouts':>9}"
    )
    for label, loads in results.items():
        m = medians(loads)
        print(
            f"{label:<26} {m['rps']:>9,.0f} {m['p50_ms']:>8.1f} {m['p90_ms']:>8.1f} {m['p99_ms']:>8.1f} "
            f"{m['server_cpu_ms_per_request']:>18.2f} {sum(x.timeouts for x in loads):>9}"
        )


def medians(loads: Sequence[Load]) -> dict[str, float]:
    out = {
        key: round(statistics.median(getattr(x, key) for x in loads), 2)
        for key in ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms")
    }
    cpu = [x.usage["server_cpu_ms_per_request"] for x in loads if "server_cpu_ms_per_request" in x.usage]
    out["server_cpu_ms_per_request"] = round(statistics.median(cpu), 3) if cpu else 0.0
    return out


def loads_json(loads: Sequence[Load]) -> list[dict[str, Any]]:
    return [asdict(x) for x in loads]


def load_settings(args: Any) -> dict[str, Any]:
    return {
        "tool": "wrk (bench/wrk.lua), a separate process on the same machine",
        "connections": args.connections,
        "wrk_threads": args.threads,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "warmup_s": WARMUP_S,
        "wrk_timeout_s": WRK_TIMEOUT_S,
        "statistic": "median of the rounds; ratios per round (same minutes), then their median",
    }

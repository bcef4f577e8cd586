"""What a benchmark prints and keeps: the machine, the server settings, the command, and a JSON result file
per benchmark in bench/results/ (the latest run; small, kept in the repository)."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import PG_POOL_MAX, PG_POOL_MIN, ROOT, UNLIMITED_VERIFY_RATE

RESULTS_DIR = ROOT / "bench" / "results"


def _free_h() -> str:
    done = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False)
    mem = next((line.split() for line in done.stdout.splitlines() if line.startswith("Mem:")), [])
    return f"{mem[1]} total, {mem[6]} available" if len(mem) > 6 else done.stdout.strip()


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def machine() -> dict[str, Any]:
    wrk = shutil.which("wrk")
    wrk_version = ""
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
        wrk_version = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else ""
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory": _free_h(),
        "loadavg_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "wrk": wrk_version,
    }


def command_line() -> str:
    return " ".join([".venv/bin/python", str(Path(sys.argv[0]).resolve().relative_to(ROOT)), *sys.argv[1:]])


def server_settings(workers: int, postgres: bool) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "server": "ruqi run (litestar run → uvicorn, uvloop + httptools, access log on, stdout to a file)",
        "workers": workers,
    }
    if postgres:
        settings.update(
            database="PostgreSQL (loopback, trust)",
            pool=f"piccolo PostgresEngine asyncpg pool min {PG_POOL_MIN} max {PG_POOL_MAX} per worker "
            f"({PG_POOL_MAX * workers} connections at most)",
            redis="Redis (loopback): stores rate_limit, cache, idempotency; channels",
            baseline=f"bench/baseline_app.py: asyncpg pool min {PG_POOL_MIN} max {PG_POOL_MAX} per worker, "
            f"same CLI and worker count",
        )
    else:
        settings.update(database="SQLite file (embedded default)", redis="none: in-process stores and channels")
    settings["RUQI_VERIFY_RATE_PER_MINUTE"] = UNLIMITED_VERIFY_RATE
    return settings


def write_result(name: str, result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"result written to {path.relative_to(ROOT)}")
    return path


def verdict(name: str, value: float, target: str, ok: bool) -> str:
    return f"{name}: {value:.2f} (target {target}) → {'MET' if ok else 'MISSED'}"

"""One clock: nothing in the service reads the wall clock or the database server's clock but ``api/clock.py``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "models", "schedules", "qr")
CLOCK_MODULE = ROOT / "api" / "clock.py"

# datetime.now / utcnow / today, date.today, time.time & co., whatever the import spelling.
WALL_CLOCK_ATTRS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "ctime"),
}
WALL_CLOCK_NAMES = {"time_ns"}  # ``from time import time_ns``
SQL_CLOCK = re.compile(
    r"\b(CURRENT_TIMESTAMP|CURRENT_DATE|LOCALTIMESTAMP|clock_timestamp|statement_timestamp|now\(\))|datetime\('now'",
    re.IGNORECASE,
)


def _sources() -> list[Path]:
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if "piccolo_migrations" not in p.parts]
    return sorted(p for p in files if p != CLOCK_MODULE)


def _wall_clock_calls(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = func.value
            owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (owner_name, func.attr) in WALL_CLOCK_ATTRS:
                lines.append(node.lineno)
        elif isinstance(func, ast.Name) and func.id in WALL_CLOCK_NAMES:
            lines.append(node.lineno)
    return lines


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _sources()
        for line in _wall_clock_calls(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == [], "read the time from api.clock (the app's Clock) instead: " + ", ".join(offenders)


def test_no_sql_asks_the_database_server_for_the_time() -> None:
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_CLOCK.search(node.value):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], "pass the instant from the app's clock as a parameter: " + ", ".join(offenders)


def test_the_checker_sees_each_spelling() -> None:
    source = (
        "import datetime as dt, time\nfrom datetime import date, datetime\nfrom time import time_ns\n"
        "dt.datetime.now(dt.UTC)\ndatetime.utcnow()\ndate.today()\ntime.time()\ntime_ns()\ndt.date.today()\n"
    )
    assert _wall_clock_calls(ast.parse(source)) == [4, 5, 6, 7, 8, 9]
    assert SQL_CLOCK.search("INSERT … VALUES (CURRENT_TIMESTAMP)") and SQL_CLOCK.search("WHERE at < now()")
    assert not SQL_CLOCK.search("SELECT clock.now FROM t")

"""``ruqi calendar import FILE`` (CSV, iCalendar) and ``ruqi calendar show YEAR`` on a migrated database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CSV = "date,kind,name\n2027-01-01,off,元旦\n2027-02-06,off,春节\n2027-02-20,work,春节\n"
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//holidays//ZH\r\n"
    "BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20280101\r\nDTEND;VALUE=DATE:20280102\r\n"
    "SUMMARY:元旦 休\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20280129\r\nDTEND;VALUE=DATE:20280130\r\n"
    "SUMMARY:春节 班\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def ruqi(tmp_path: Path, *args: str, language: str = "en_US.UTF-8") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", RUQI_DATA_DIR=str(tmp_path))
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    env["LANG"] = language  # the command speaks Chinese unless the environment's language is English
    command = [str(Path(sys.executable).with_name("ruqi")), *args]
    # No timeout: with one, subprocess polls with time.sleep, which fails (EINVAL) under make test's faketime run.
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def test_import_and_show_the_holiday_calendar(tmp_path: Path) -> None:
    migrated = ruqi(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "stored from the package data" in migrated.stdout  # the package's official years, seeded once
    chinese = ruqi(tmp_path, "calendar", "show", "2026", language="C.UTF-8")
    assert "2026 年：官方" in chinese.stdout and "放假" in chinese.stdout
    official = ruqi(tmp_path, "calendar", "show", "2026")
    assert official.returncode == 0 and "2026: official; origin database" in official.stdout
    before = ruqi(tmp_path, "calendar", "show", "2027")
    assert "PROVISIONAL" in before.stdout and "2027-10-01 off" in before.stdout
    (tmp_path / "2027.csv").write_text(CSV, encoding="utf-8")
    loaded = ruqi(tmp_path, "calendar", "import", str(tmp_path / "2027.csv"))
    assert loaded.returncode == 0, loaded.stderr
    assert "2027: 2 days off, 1 make-up working days loaded" in loaded.stdout
    after = ruqi(tmp_path, "calendar", "show", "2027")
    assert "2027: official; origin database; source import 2027.csv" in after.stdout
    assert "2027-02-20 work  春节" in after.stdout and "2027-10-01" not in after.stdout
    (tmp_path / "2028.ics").write_text(ICS, encoding="utf-8")
    ics = ruqi(tmp_path, "calendar", "import", str(tmp_path / "2028.ics"))
    assert ics.returncode == 0, ics.stderr
    shown = ruqi(tmp_path, "calendar", "show", "2028").stdout
    assert "2028-01-01 off   元旦 休" in shown and "2028-01-29 work  春节 班" in shown
    (tmp_path / "bad.csv").write_text("2029-02-30,off,x\n", encoding="utf-8")
    bad = ruqi(tmp_path, "calendar", "import", str(tmp_path / "bad.csv"))
    assert bad.returncode != 0 and "calendar_file_invalid" in bad.stderr
    weekday = tmp_path / "weekday.csv"
    weekday.write_text("2029-01-03,work,x\n", encoding="utf-8")  # a Wednesday cannot be a make-up day
    refused = ruqi(tmp_path, "calendar", "import", str(weekday))
    assert refused.returncode != 0 and "calendar_workday_not_weekend" in refused.stderr

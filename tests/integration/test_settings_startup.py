"""A bad setting stops startup with a message naming the variable: ``create_app`` and ``ruqi run``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.app import create_app
from api.settings import SettingsError


def test_create_app_refuses_a_bad_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RUQI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RUQI_PLAN_FILING_DEADLINE", "31-03")
    with pytest.raises(SettingsError, match="RUQI_PLAN_FILING_DEADLINE='31-03'"):
        create_app()


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("zh_CN.UTF-8", "ruqi：RUQI_VERIFY_RATE_PER_MINUTE='many'：不是整数"),
        ("", "ruqi：RUQI_VERIFY_RATE_PER_MINUTE='many'：不是整数"),  # no language set: Chinese
        ("en_US.UTF-8", "ruqi: RUQI_VERIFY_RATE_PER_MINUTE='many': not a whole number"),
    ],
)
def test_ruqi_run_exits_naming_the_variable(tmp_path: Path, language: str, said: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env.update(RUQI_DATA_DIR=str(tmp_path), RUQI_VERIFY_RATE_PER_MINUTE="many", LANG=language)
    ruqi = Path(sys.executable).with_name("ruqi")
    # No timeout: with one, subprocess polls with time.sleep, which fails (EINVAL) under make test's faketime run;
    # and the app itself refuses the setting at import, so even a missed check in the CLI ends the process.
    result = subprocess.run([str(ruqi), "run", "--port", "1"], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == said

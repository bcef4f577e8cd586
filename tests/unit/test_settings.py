"""One settings object: every variable declared once, parsed at startup, listed in the README."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path

import pytest

from api.settings import Settings, SettingsError, declared_defaults

ROOT = Path(__file__).resolve().parents[2]
# The service's code: only api/settings.py reads the service's environment (api/cli.py names its app for Litestar).
SERVICE_CODE = [ROOT / "api", ROOT / "models", ROOT / "schedules", ROOT / "qr", ROOT / "piccolo_conf.py"]
# The CLI reads the process environment as an operating system sets it: the entry point (umask, the app path)
# and the console language (LANG and friends, the POSIX locale convention, not a ruqi setting).
MAY_READ_ENVIRONMENT = {ROOT / "api" / "settings.py", ROOT / "api" / "cli.py", ROOT / "api" / "console.py"}


def readme_configuration() -> dict[str, str]:
    """The README's configuration table: variable -> default as written (backticks dropped)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration (environment)", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]*) \|", section, flags=re.MULTILINE)
    return {name: default.strip().replace("`", "") for name, default in rows}


def test_the_readme_lists_every_setting_with_its_default() -> None:
    assert readme_configuration() == declared_defaults()


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = []
    for root in SERVICE_CODE:
        for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
            if path in MAY_READ_ENVIRONMENT:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
                    readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == []


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.database_url == "sqlite:///var/ruqi.sqlite3"
    assert settings.plan_policy.filing_deadline(2026).isoformat() == "2026-03-31"
    assert settings.plan_policy.unit_yearly_cap == settings.filing_policy.unit_yearly_cap == 2


def test_values_are_parsed_into_their_types_and_the_policies() -> None:
    settings = Settings.from_env(
        {
            "RUQI_DATA_DIR": "/srv/ruqi",
            "RUQI_JWT_TTL_MINUTES": " 60 ",
            "RUQI_DEBUG": "1",
            "REDIS_URL": "",
            "RUQI_UNIT_YEARLY_CAP": "3",
            "RUQI_PLAN_FILING_DEADLINE": "04-15",
            "RUQI_PLAN_QUIET_DAYS": "1-3, 20",
            "RUQI_PLAN_QUIET_EXEMPT": "key_supervision,random_check",
            "RUQI_PLAN_ALIGN": "0",
        }
    )
    assert settings.database_url == "sqlite:////srv/ruqi/ruqi.sqlite3"  # follows the data directory
    assert settings.data_dir == Path("/srv/ruqi") and settings.jwt_ttl_minutes == 60 and settings.debug
    assert settings.redis_url is None
    policy = settings.plan_policy
    assert policy.unit_yearly_cap == 3 and settings.filing_policy.unit_yearly_cap == 3
    assert (policy.filing_deadline_month, policy.filing_deadline_day) == (4, 15)
    assert policy.quiet_days == {1, 2, 3, 20}
    assert policy.quiet_exempt_categories == {"key_supervision", "random_check"}
    assert policy.align_joinable_entries is False


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("RUQI_JWT_TTL_MINUTES", "12h", "not a whole number"),
        ("RUQI_JWT_TTL_MINUTES", "0", "at least 1"),
        ("RUQI_DEBUG", "maybe", "not a flag"),
        ("DATABASE_URL", "mysql://db/ruqi", "sqlite:///"),
        ("REDIS_URL", "http://cache", "redis://"),
        ("RUQI_PUBLIC_BASE_URL", "ruqi.example", "http://"),
        ("RUQI_PLAN_FILING_DEADLINE", "3/31", "MM-DD"),
        ("RUQI_PLAN_FILING_DEADLINE", "02-29", "every year"),
        ("RUQI_PLAN_MAX_VISITS_PER_MONTH", "one", "not a whole number"),
        ("RUQI_PLAN_QUIET_DAYS", "1-40", "1 to 31"),
        ("RUQI_PLAN_QUIET_DAYS", "first week", "not a day"),
        ("RUQI_PLAN_QUIET_EXEMPT", "重点监管", "unknown item categories"),
        ("RUQI_PLAN_WINDOW_DAYS", "0", "between 1 and 20"),
        ("RUQI_PLAN_ALIGN", "yes please", "not a flag"),
        ("RUQI_ISSUER", "", "must not be empty"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str, problem: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}={value!r}: ") and problem in str(raised.value)


def test_settings_built_in_code_get_the_same_checks() -> None:
    with pytest.raises(SettingsError, match="RUQI_MIN_INSPECTORS"):
        Settings(min_inspectors=0)
    changed = replace(Settings(), plan_max_visits_per_month=2, unit_yearly_cap=4)
    assert changed.plan_policy.max_onsite_visits_per_month == 2 and changed.plan_policy.unit_yearly_cap == 4
    assert changed.filing_policy.unit_yearly_cap == 4

"""Issue 13's defences, one rule at a time: client addresses, lockouts, passwords, NUL, bounds, secrets, files."""

from __future__ import annotations

import ast
import asyncio
import ipaddress
import os
import stat
from pathlib import Path

import pytest

from api.accounts.passwords import MIN_LENGTH, password_problem
from api.data_dir import secure_data_dir, sqlite_path
from api.errors import PayloadTooLarge, RuleViolation
from api.evidence.media import MAX_PIXELS, clean_image
from api.input_boundary import form_has_nul, json_has_nul
from api.redis_resilience import MemoryWindowCounter
from api.settings import Settings, SettingsError
from api.tabular import MAX_SHEET_ROWS, check_xlsx_bounds, read_table
from api.throttle import MAX_LOCKOUT_S, LoginThrottle, forwarded_client
from tests.support.hostile import empty_rows_workbook, inflated_part, png_claiming, shared_strings_bomb

API = Path(__file__).resolve().parents[2] / "api"
PROXIES = (ipaddress.ip_network("10.0.0.0/24"), ipaddress.ip_network("::1/128"))


# -- trusted proxies ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("peer", "header", "proxies", "client"),
    [
        ("127.0.0.1", "203.0.113.9", (), "127.0.0.1"),  # no proxy trusted (the default): the header is ignored
        ("198.51.100.7", "203.0.113.9", PROXIES, "198.51.100.7"),  # the peer is not a trusted proxy
        ("10.0.0.2", "203.0.113.9", PROXIES, "203.0.113.9"),
        ("10.0.0.2", "1.2.3.4, 203.0.113.9", PROXIES, "203.0.113.9"),  # the left entry is the client's own claim
        ("10.0.0.2", "203.0.113.9, 10.0.0.3", PROXIES, "203.0.113.9"),  # two proxies of ours
        ("10.0.0.2", "not-an-address", PROXIES, "10.0.0.2"),
        ("::1", "2001:db8::5", PROXIES, "2001:db8::5"),
        ("10.0.0.2", None, PROXIES, "10.0.0.2"),
    ],
)
def test_the_client_address_trusts_only_listed_proxies(
    peer: str, header: str | None, proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...], client: str
) -> None:
    assert forwarded_client(peer, header, proxies) == client


def test_trusted_proxies_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"RUQI_TRUSTED_PROXIES": "10.0.0.5, 192.168.1.0/24"})
    assert settings.trusted_proxies == (ipaddress.ip_network("10.0.0.5/32"), ipaddress.ip_network("192.168.1.0/24"))
    assert Settings.from_env({}).trusted_proxies == ()
    with pytest.raises(SettingsError, match="RUQI_TRUSTED_PROXIES"):
        Settings.from_env({"RUQI_TRUSTED_PROXIES": "example.com"})


# -- login lockouts ----------------------------------------------------------------------------------------
def test_lockouts_grow_with_each_further_failure() -> None:
    settings = Settings(login_max_failures=3, login_max_failures_per_address=100, login_lockout_seconds=60)

    async def run() -> list[int]:
        throttle = LoginThrottle(MemoryWindowCounter(), settings)
        seconds = []
        for _ in range(12):
            locks = await throttle.failed("Admin", "198.51.100.7")
            seconds += [lock.seconds for lock in locks if lock.scope == "account"]
        return seconds

    assert asyncio.run(run()) == [
        60,
        120,
        240,
        480,
        960,
        1920,
        MAX_LOCKOUT_S,
        MAX_LOCKOUT_S,
        MAX_LOCKOUT_S,
        MAX_LOCKOUT_S,
    ]


def test_a_success_forgets_the_failures_but_not_a_lock() -> None:
    settings = Settings(login_max_failures=2, login_max_failures_per_address=100)

    async def run() -> tuple[int, int]:
        throttle = LoginThrottle(MemoryWindowCounter(), settings)
        await throttle.failed("admin", "a")
        await throttle.succeeded("ADMIN")  # usernames are counted case-insensitively
        fresh = len(await throttle.failed("admin", "a"))  # one failure again: no lock
        await throttle.failed("admin", "a")
        return fresh, await throttle.counter.blocked_for("login:account:admin")

    fresh, blocked = asyncio.run(run())
    assert fresh == 0 and blocked > 0


# -- passwords ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("12345678", "password_too_short"),
        ("x" * (MIN_LENGTH - 1), "password_too_short"),
        ("123456789012", "password_too_common"),
        ("!!password123!!", "password_too_common"),
        ("QWERTYUIOPASDFGHJKL", "password_too_common"),
        ("aaaaaaaaaaaaaaaa", "password_too_common"),
        ("planner-mkt-2026", "password_contains_username"),
        ("plum-orchard-lantern", None),
        ("检查人员的长密码一二三四五", None),
    ],
)
def test_the_password_policy(password: str, problem: str | None) -> None:
    assert password_problem(password, "planner-mkt") == problem


def test_the_demo_password_lives_only_in_the_sample_data() -> None:
    users = sorted(p.relative_to(API).as_posix() for p in API.rglob("*.py") if "ruqi-demo" in p.read_text())
    # api/sample sets it (and `ruqi seed` prints it from there, as for the sample data only); the policy refuses
    # it; the API docs' login examples and overview name it for the sample district (样例辖区).
    assert [p for p in users if not p.startswith("sample/")] == [
        "accounts/controller.py",
        "accounts/passwords.py",
        "app.py",
    ]
    assert password_problem("ruqi-demo", "admin") is not None


# -- NUL -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "nul"),
    [
        (b'{"a": "x\\u0000y"}', True),
        (b'{"a": "x\\\\\\u0000"}', True),  # an escaped backslash, then the escape
        (b'{"a": "x\\\\u0000"}', False),  # a backslash and the text u0000: no NUL
        (b'{"a": "x\x00"}', True),
        (b'{"a": "\\u00001"}', True),
        (b'{"a": "\\u0001"}', False),
        (b'{"a": "plain"}', False),
    ],
)
def test_json_bodies_with_a_nul(body: bytes, nul: bool) -> None:
    assert json_has_nul(body) is nul


def test_forms_with_a_nul() -> None:
    assert form_has_nul(b"username=a%00b") and not form_has_nul(b"username=a%2500b&next=%2Fdashboard")


# -- spreadsheets -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "code"),
    [
        (empty_rows_workbook(MAX_SHEET_ROWS + 10, ["a"]), "too_many_rows"),
        (shared_strings_bomb(300_000, ["a"]), "file_too_complex"),
        (inflated_part(100, ["a"]), "file_too_complex"),
    ],
    ids=["rows", "shared-strings", "inflated"],
)
def test_workbooks_that_expand_are_refused_by_the_bounds(content: bytes, code: str) -> None:
    with pytest.raises(PayloadTooLarge) as refused:
        check_xlsx_bounds(content)
    assert refused.value.code == code
    with pytest.raises(PayloadTooLarge):
        read_table("x.xlsx", None, content)


def test_an_ordinary_workbook_is_within_the_bounds() -> None:
    table = read_table("x.xlsx", None, empty_rows_workbook(50, ["事项编码"]))
    assert table.headers == ["事项编码"] and table.rows == []


# -- images ---------------------------------------------------------------------------------------------------
def test_an_image_is_refused_by_its_claimed_size_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(8000, 7500))  # 60 megapixels in a few hundred bytes
    assert MAX_PIXELS < 8000 * 7500 and path.stat().st_size < 1000
    with pytest.raises(RuleViolation) as refused:
        clean_image(path)
    assert refused.value.code == "image_too_large"


# -- secrets and files ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("secret", ["x", "s" * 31, "密" * 10])
def test_a_short_jwt_secret_stops_startup(secret: str) -> None:
    with pytest.raises(SettingsError, match="RUQI_JWT_SECRET"):
        Settings.from_env({"RUQI_JWT_SECRET": secret})
    with pytest.raises(SettingsError, match="RUQI_JWT_SECRET"):
        Settings(jwt_secret=secret)


def test_a_long_or_generated_jwt_secret_is_accepted() -> None:
    assert Settings.from_env({"RUQI_JWT_SECRET": "s" * 32}).jwt_secret == "s" * 32
    assert Settings.from_env({}).jwt_secret == ""  # generated into the data directory


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_and_its_secrets_are_private(tmp_path: Path) -> None:
    data = tmp_path / "var"
    (data / "keys").mkdir(parents=True)
    for name in ("jwt_secret", "ruqi.sqlite3", "ruqi.sqlite3-wal", "keys/k1.json"):
        (data / name).write_text("secret")
        os.chmod(data / name, 0o644)
    os.chmod(data, 0o755)
    secure_data_dir(data, f"sqlite:///{data}/ruqi.sqlite3")
    assert _mode(data) == 0o700 and _mode(data / "keys") == 0o700
    for name in ("jwt_secret", "ruqi.sqlite3", "ruqi.sqlite3-wal", "keys/k1.json"):
        assert _mode(data / name) == 0o600, name


def test_the_sqlite_path_is_read_as_the_engine_reads_it() -> None:
    assert sqlite_path("sqlite:///var/ruqi.sqlite3") == Path("var/ruqi.sqlite3")
    assert sqlite_path("sqlite:////srv/ruqi/db.sqlite3") == Path("/srv/ruqi/db.sqlite3")
    assert sqlite_path("postgresql://ruqi@db/ruqi") is None


# -- exports: every CSV and workbook is written by api.tabular (which neutralises formulas) --------------------
WRITERS = {"writer", "DictWriter", "Workbook", "WriteOnlyCell"}


def test_only_api_tabular_writes_csv_or_workbooks() -> None:
    offenders = []
    for path in API.rglob("*.py"):
        if path.name == "tabular.py" and path.parent == API:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in WRITERS and getattr(node.value, "id", "") == "csv":
                offenders.append(f"{path.relative_to(API)}: csv.{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("openpyxl", "csv")):
                offenders.append(f"{path.relative_to(API)}: from {node.module} import …")
            if isinstance(node, ast.Import) and any(a.name in {"csv", "openpyxl", "xlsxwriter"} for a in node.names):
                offenders.append(f"{path.relative_to(API)}: import {', '.join(a.name for a in node.names)}")
            if isinstance(node, ast.Constant) and node.value == "text/csv":
                offenders.append(f"{path.relative_to(API)}: a text/csv answer not made by api.tabular")
    assert offenders == [], offenders

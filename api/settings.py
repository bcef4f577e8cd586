"""Every setting of the service, declared once: its environment variable, type, default and meaning.

``Settings.from_env()`` reads and checks them all when the service starts (``create_app``, ``ruqi …``,
``piccolo_conf``); a bad value raises ``SettingsError`` naming the variable, so a typo stops startup instead of
failing requests later. Tests build ``Settings(...)`` with keyword fields and get the same checks. The
filing and plan policies are built from the settings once (``filing_policy``, ``plan_policy``).

The README's configuration table lists the same variables and defaults (``tests/unit/test_settings.py``).
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from api.i18n import Message, Text, tr
from api.policies import FilingPolicy, PlanPolicy
from models.enums import ItemCategory

DEFAULT_DATA_DIR = Path("var")
KEK_BYTES = 32  # AES-256-GCM


class SettingsError(ValueError):
    """A setting's value is unusable; the message names its environment variable.

    ``str()`` is English (logs); ``message`` is for the person starting ruqi, in their language (``api.console``).
    """

    def __init__(self, variable: str, value: object, problem: Message) -> None:
        self.message = tr("{variable}={value}: {problem}", variable=variable, value=repr(value), problem=problem)
        super().__init__(str(self.message))
        self.variable = variable


def _problem(exc: ValueError) -> Message:
    """What a parser or check said was wrong (a message of ours, or a library's English text)."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, Text) else str(exc)


# -- parsers: text of an environment variable -> the setting's value (ValueError says what is wrong) -------------


def _text(raw: str) -> str:
    return raw


def _lowered(raw: str) -> str:
    return raw.strip().lower()


def _optional_text(raw: str) -> str | None:
    return raw or None


def _whole_number(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError(tr("not a whole number")) from None


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(tr("not a flag: use 1 or 0"))


def _path(raw: str) -> Path:
    return Path(raw)


def _month_day(raw: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{2})-(\d{2})", raw.strip())
    if match is None:
        raise ValueError(tr("not a day of the year: use MM-DD, e.g. 03-31"))
    return int(match.group(1)), int(match.group(2))


def _days_of_month(raw: str) -> frozenset[int]:
    days: set[int] = set()
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        match = re.fullmatch(r"(\d{1,2})(?:-(\d{1,2}))?", part)
        if match is None:
            raise ValueError(tr("{part} is not a day or a range of days: use e.g. 1-15 or 1,2,3", part=repr(part)))
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        days.update(range(first, last + 1))
    return frozenset(days)


def _words(raw: str) -> frozenset[str]:
    return frozenset(w.strip() for w in raw.split(",") if w.strip())


# -- checks: the value is usable (ValueError says why not) --------------------------------------------------------


def _at_least(minimum: int) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value < minimum:
            raise ValueError(tr("must be at least {minimum}", minimum=minimum))

    return check


def _between(low: int, high: int) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not low <= value <= high:
            raise ValueError(tr("must be between {low} and {high}", low=low, high=high))

    return check


def _database_url(value: Any) -> None:
    if urlparse(value).scheme not in {"sqlite", "postgres", "postgresql"}:
        raise ValueError(tr("use sqlite:///path/to/file or postgresql://user@host:port/db"))


def _redis_url(value: Any) -> None:
    if value is not None and urlparse(value).scheme not in {"redis", "rediss", "unix"}:
        raise ValueError(tr("use redis://host:port/db (or rediss://, unix://)"))


def _http_url(value: Any) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ValueError(tr("use an http:// or https:// URL with a host"))


def _environment(value: Any) -> None:
    if value not in {"", "development", "production"}:
        raise ValueError(tr("use production or development (unset: production on PostgreSQL, else development)"))


def _key_encryption_key(value: Any) -> None:
    if value and len(decode_kek(value)) != KEK_BYTES:
        raise ValueError(tr("must be {size} random bytes in URL-safe Base64 (e.g. `ruqi new-kek`)", size=KEK_BYTES))


def decode_kek(value: str) -> bytes:
    """The raw bytes of a RUQI_KEY_ENCRYPTION_KEY value (URL-safe Base64, padding optional)."""
    try:
        return base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
    except ValueError:
        raise ValueError(tr("not URL-safe Base64")) from None


def _not_empty(value: Any) -> None:
    if not value:
        raise ValueError(tr("must not be empty"))


def _a_date(value: Any) -> None:
    month, day = value
    try:
        dt.date(2025, month, day)  # not a leap year: a deadline must exist every year
    except ValueError:
        raise ValueError(tr("not a day that every year has")) from None


def _item_categories(value: Any) -> None:
    unknown = sorted(set(value) - {c.value for c in ItemCategory})
    if unknown:
        raise ValueError(
            tr(
                "unknown item categories {unknown}: use {known}",
                unknown=unknown,
                known=[c.value for c in ItemCategory],
            )
        )


def _networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(w.strip(), strict=False) for w in raw.split(",") if w.strip())
    except ValueError as exc:
        raise ValueError(
            tr("not an address or network ({problem}): use e.g. 10.0.0.5,192.168.1.0/24", problem=str(exc))
        ) from None


MIN_JWT_SECRET_BYTES = 32


def _jwt_secret(value: Any) -> None:
    """Empty means "generate one"; a configured secret shorter than 32 bytes can be brute-forced offline."""
    if value and len(value.encode()) < MIN_JWT_SECRET_BYTES:
        raise ValueError(
            tr("too short: a JWT secret has at least {size} bytes (or leave it unset)", size=MIN_JWT_SECRET_BYTES)
        )


def _days_in_a_month(value: Any) -> None:
    if any(not 1 <= d <= 31 for d in value):
        raise ValueError(tr("days of a month are 1 to 31"))


@dataclass(frozen=True)
class Variable:
    """How one setting is read from the environment and shown in the README."""

    name: str
    meaning: str
    parse: Callable[[str], Any]
    check: Callable[[Any], None] | None = None
    # The default as the README shows it, when the field's default does not say it (derived or secret values).
    shown_default: str | None = None


def env(
    name: str,
    default: Any,
    meaning: str,
    parse: Callable[[str], Any],
    check: Callable[[Any], None] | None = None,
    shown_default: str | None = None,
) -> Any:
    """A settings field read from the environment variable ``name``."""
    return field(default=default, metadata={"env": Variable(name, meaning, parse, check, shown_default)})


@dataclass(frozen=True)
class Settings:
    database_url: str = env(
        "DATABASE_URL",
        "sqlite:///var/ruqi.sqlite3",
        "`sqlite:///path` or `postgresql://user@host:port/db`",
        _text,
        _database_url,
        shown_default="sqlite:///$RUQI_DATA_DIR/ruqi.sqlite3",
    )
    redis_url: str | None = env(
        "REDIS_URL",
        None,
        "when set, the verify rate limit and live updates (channels) use Redis; otherwise in-process. "
        "Idempotency records live in the database",
        _optional_text,
        _redis_url,
        shown_default="unset",
    )
    redis_prefix: str = env(
        "RUQI_REDIS_PREFIX", "ruqi", "key prefix for everything this instance puts in Redis", _text, _not_empty
    )
    data_dir: Path = env(
        "RUQI_DATA_DIR",
        DEFAULT_DATA_DIR,
        "where the SQLite file, the generated JWT secret, keys and evidence live",
        _path,
    )
    jwt_secret: str = env(
        "RUQI_JWT_SECRET",
        "",
        "HMAC secret for login tokens, at least 32 bytes (a shorter one stops startup)",
        _text,
        _jwt_secret,
        shown_default="generated into $RUQI_DATA_DIR/jwt_secret",
    )
    jwt_ttl_minutes: int = env("RUQI_JWT_TTL_MINUTES", 12 * 60, "login token lifetime", _whole_number, _at_least(1))
    public_base_url: str = env(
        "RUQI_PUBLIC_BASE_URL", "http://127.0.0.1:8000", "base of the URLs printed in QR codes", _text, _http_url
    )
    debug: bool = env("RUQI_DEBUG", False, "1: Litestar's debug mode (tracebacks in error answers)", _flag)
    max_upload_bytes: int = env(
        "RUQI_MAX_UPLOAD_BYTES",
        20 * 1024 * 1024,
        "largest request body (evidence files, imports); larger ones get 413",
        _whole_number,
        _at_least(1),
    )
    # Filing and scanning policy (configurable defaults from practice, see docs/domain.md).
    min_inspectors: int = env(
        "RUQI_MIN_INSPECTORS", 2, "certified inspectors a filed visit names at least", _whole_number, _at_least(1)
    )
    max_window_hours: int = env(
        "RUQI_MAX_WINDOW_HOURS", 24, "longest window of a filed visit", _whole_number, _at_least(1)
    )
    unit_yearly_cap: int = env(
        "RUQI_UNIT_YEARLY_CAP",
        2,
        "on-site visits per unit per enterprise per year (filing and planning)",
        _whole_number,
        _at_least(1),
    )
    empty_visit_limit: int = env(
        "RUQI_EMPTY_VISIT_LIMIT",
        3,
        "after this many consecutive no_issue visits by a unit to an enterprise in a year, its next planned visit "
        "there is refused (triggered ones pass with a warning); 0 turns the rule off",
        _whole_number,
        _at_least(0),
    )
    emergency_approval_hours: int = env(
        "RUQI_EMERGENCY_APPROVAL_HOURS",
        24,
        "an emergency visit is approved within this many hours of filing",
        _whole_number,
        _at_least(0),
    )
    scan_radius_m: int = env(
        "RUQI_SCAN_RADIUS_M",
        300,
        "a check-in scan farther than this from the enterprise is flagged",
        _whole_number,
        _at_least(1),
    )
    scan_max_accuracy_m: int = env(
        "RUQI_SCAN_MAX_ACCURACY_M",
        100,
        "a scan whose reported GPS accuracy (m) is worse than this is recorded but not a valid on-site check-in",
        _whole_number,
        _at_least(1),
    )
    recognition_days: int = env(
        "RUQI_RECOGNITION_DAYS",
        180,
        "检查结果互认: another unit's result is shown and may be accepted instead of inspecting for this many days",
        _whole_number,
        _at_least(1),
    )
    backfill_days: int = env(
        "RUQI_BACKFILL_DAYS", 10, "a back-filled scan is accepted this many days late", _whole_number, _at_least(0)
    )
    code_grace_minutes: int = env(
        "RUQI_CODE_GRACE_MINUTES",
        30,
        "a visit code stays valid this long after the window ends",
        _whole_number,
        _at_least(0),
    )
    verify_rate_per_minute: int = env(
        "RUQI_VERIFY_RATE_PER_MINUTE",
        120,
        "public verifications per client address per minute",
        _whole_number,
        _at_least(1),
    )
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = env(
        "RUQI_TRUSTED_PROXIES",
        (),
        "reverse proxies (addresses or networks, comma-separated) whose `X-Forwarded-For` names the client",
        _networks,
        shown_default="none",
    )
    login_max_failures: int = env(
        "RUQI_LOGIN_MAX_FAILURES",
        5,
        "wrong passwords for one account (within 15 minutes) before it is locked for a while",
        _whole_number,
        _at_least(1),
    )
    login_max_failures_per_address: int = env(
        "RUQI_LOGIN_MAX_FAILURES_PER_ADDRESS",
        20,
        "failed logins from one client address (within 15 minutes) before it is locked for a while",
        _whole_number,
        _at_least(1),
    )
    login_lockout_seconds: int = env(
        "RUQI_LOGIN_LOCKOUT_SECONDS",
        60,
        "the first lockout; each further failure doubles it, up to an hour",
        _whole_number,
        _at_least(1),
    )
    public_write_rate_per_hour: int = env(
        "RUQI_PUBLIC_WRITE_RATE_PER_HOUR",
        20,
        "complaints and ratings per client per hour (per account when logged in, else per address)",
        _whole_number,
        _at_least(1),
    )
    public_write_rate_per_target: int = env(
        "RUQI_PUBLIC_WRITE_RATE_PER_TARGET",
        60,
        "complaints and ratings per enterprise or visit per hour",
        _whole_number,
        _at_least(1),
    )
    token_check_seconds: int = env(
        "RUQI_TOKEN_CHECK_SECONDS",
        5,
        "how long a worker trusts its cached copy of an account's token version (revocation delay)",
        _whole_number,
        _between(0, 300),
    )
    heavy_work_concurrency: int = env(
        "RUQI_HEAVY_WORK_CONCURRENCY",
        2,
        "spreadsheet imports and image processing run in at most this many worker threads at once",
        _whole_number,
        _between(1, 64),
    )
    issuer: str = env("RUQI_ISSUER", "ruqi", "issuer named in visit codes and calendar feeds", _text, _not_empty)
    # Planning policy (api.policies.PlanPolicy); the yearly cap is the filing one, so the two agree.
    plan_filing_deadline: tuple[int, int] = env(
        "RUQI_PLAN_FILING_DEADLINE",
        (3, 31),
        "annual plans filed after this day (MM-DD) of their year are flagged late",
        _month_day,
        _a_date,
        shown_default="03-31",
    )
    plan_max_visits_per_month: int = env(
        "RUQI_PLAN_MAX_VISITS_PER_MONTH",
        1,
        "planned on-site visits per enterprise per month (a joint visit once)",
        _whole_number,
        _at_least(1),
    )
    plan_quiet_days: frozenset[int] = env(
        "RUQI_PLAN_QUIET_DAYS",
        frozenset(),
        "days of the month without routine on-site visits, e.g. `1-15` or `1,2,3`",
        _days_of_month,
        _days_in_a_month,
        shown_default="none",
    )
    plan_quiet_exempt: frozenset[str] = env(
        "RUQI_PLAN_QUIET_EXEMPT",
        frozenset(),
        "item categories (`key_supervision`, `random_check`, …) exempt from the quiet days, comma-separated",
        _words,
        _item_categories,
        shown_default="none",
    )
    plan_window_days: int = env(
        "RUQI_PLAN_WINDOW_DAYS", 1, "working days in a planned visit's window", _whole_number, _between(1, 20)
    )
    plan_align: bool = env(
        "RUQI_PLAN_ALIGN",
        True,
        "1: plan entries a scenario could join share their months on an enterprise (撮合); 0: off",
        _flag,
        shown_default="1",
    )
    # Many app machines on one PostgreSQL + Redis (README "Deployment").
    environment: str = env(
        "RUQI_ENV",
        "",
        "`production` or `development`; unset: production when DATABASE_URL is PostgreSQL, else development. "
        "A production start refuses to run without RUQI_JWT_SECRET and RUQI_KEY_ENCRYPTION_KEY",
        _lowered,
        _environment,
        shown_default="unset",
    )
    key_encryption_key: str = env(
        "RUQI_KEY_ENCRYPTION_KEY",
        "",
        "32 random bytes, URL-safe Base64 (`ruqi new-kek`): when set, the signing keys live in the database with "
        "their private parts sealed under it (AES-256-GCM), shared by every app machine; unset: in $RUQI_DATA_DIR",
        _text,
        _key_encryption_key,
        shown_default="unset",
    )
    key_refresh_seconds: int = env(
        "RUQI_KEY_REFRESH_SECONDS",
        5,
        "with keys in the database, how often each worker re-reads them: a rotation on one machine reaches "
        "the others within this time",
        _whole_number,
        _at_least(1),
    )
    verify_log_flush_ms: int = env(
        "RUQI_VERIFY_LOG_FLUSH_MS",
        50,
        "N > 0: each worker writes the verification log's rows in one INSERT every N ms and on shutdown (SIGTERM); "
        "a worker killed without shutdown loses at most its last N ms of rows; 0: each row written in its request",
        _whole_number,
        _between(0, 10_000),
    )
    verification_log_retention_days: int = env(
        "RUQI_VERIFICATION_LOG_RETENTION_DAYS",
        0,
        "`ruqi prune-verification-log` deletes verification log rows older than this many days (their digests stay "
        "in the audit chain); 0: keep them all",
        _whole_number,
        _at_least(0),
    )
    filing_policy: FilingPolicy = field(init=False, repr=False, compare=False)
    plan_policy: PlanPolicy = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for variable, value in self.variables():
            if variable.check is not None:
                try:
                    variable.check(value)
                except ValueError as exc:
                    raise SettingsError(variable.name, value, _problem(exc)) from None
        # Built once here (dataclasses.replace builds them again from the new values).
        object.__setattr__(
            self,
            "filing_policy",
            FilingPolicy(
                min_inspectors=self.min_inspectors,
                max_window=dt.timedelta(hours=self.max_window_hours),
                unit_yearly_cap=self.unit_yearly_cap,
                empty_visit_limit=self.empty_visit_limit,
                recognition_days=self.recognition_days,
                emergency_approval_deadline=dt.timedelta(hours=self.emergency_approval_hours),
            ),
        )
        month, day = self.plan_filing_deadline
        object.__setattr__(
            self,
            "plan_policy",
            PlanPolicy(
                unit_yearly_cap=self.unit_yearly_cap,
                filing_deadline_month=month,
                filing_deadline_day=day,
                max_onsite_visits_per_month=self.plan_max_visits_per_month,
                quiet_days=self.plan_quiet_days,
                quiet_exempt_categories=self.plan_quiet_exempt,
                window_days=self.plan_window_days,
                align_joinable_entries=self.plan_align,
            ),
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings from ``environ`` (default: the process environment); unset variables keep their default."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f, variable in _declared():
            raw = environ.get(variable.name)
            if raw is None:
                continue
            try:
                values[f] = variable.parse(raw)
                if variable.check is not None:
                    variable.check(values[f])
            except ValueError as exc:
                raise SettingsError(variable.name, raw, _problem(exc)) from None
        if "database_url" not in values:
            values["database_url"] = f"sqlite:///{values.get('data_dir', DEFAULT_DATA_DIR)}/ruqi.sqlite3"
        settings = cls(**values)
        settings.check_production()
        return settings

    @property
    def shared_database(self) -> bool:
        """PostgreSQL: the database other app machines may share (evidence is kept in it too)."""
        return urlparse(self.database_url).scheme in {"postgres", "postgresql"}

    @property
    def is_production(self) -> bool:
        return self.environment == "production" or (self.environment == "" and self.shared_database)

    def check_production(self) -> None:
        """A production start needs the secrets every machine must share: none may be generated locally."""
        if not self.is_production:
            return
        for name, value in (("RUQI_JWT_SECRET", self.jwt_secret), ("RUQI_KEY_ENCRYPTION_KEY", self.key_encryption_key)):
            if not value:
                raise SettingsError(
                    name,
                    value,
                    tr(
                        "must be set in production (RUQI_ENV=production, or a PostgreSQL DATABASE_URL): every app "
                        "machine needs the same value; set RUQI_ENV=development to run without it"
                    ),
                )

    @property
    def kek(self) -> bytes | None:
        """The key-encryption key's bytes, or None when keys stay in the data directory."""
        return decode_kek(self.key_encryption_key) if self.key_encryption_key else None

    def variables(self) -> list[tuple[Variable, Any]]:
        """Each declared variable with this instance's value."""
        return [(variable, getattr(self, f)) for f, variable in _declared()]

    def resolved_jwt_secret(self) -> str:
        """The configured secret, or one generated on first start and kept in the data directory."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / "jwt_secret"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        tmp = path.with_name(f".jwt_secret.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secret)
        try:
            # link() fails if another worker created the file first: then everyone uses that one.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        return path.read_text().strip()


def _declared() -> list[tuple[str, Variable]]:
    return [(f.name, f.metadata["env"]) for f in fields(Settings) if "env" in f.metadata]


def shown_default(variable: Variable, default: Any) -> str:
    """The default as the README's configuration table writes it."""
    if variable.shown_default is not None:
        return variable.shown_default
    if isinstance(default, bool):
        return "1" if default else "0"
    return str(default)


def declared_defaults() -> dict[str, str]:
    """Every declared variable and its default as the README shows it."""
    return {variable.name: shown_default(variable, value) for variable, value in Settings().variables()}

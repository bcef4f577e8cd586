"""Settings read from the environment once; tests build their own ``Settings``."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from api.visits.rules import FilingPolicy

DEFAULT_DATA_DIR = Path("var")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/ruqi.sqlite3"
    redis_url: str | None = None
    # Key prefix for everything this instance puts in Redis, so tests and deployments can share a server.
    redis_prefix: str = "ruqi"
    data_dir: Path = DEFAULT_DATA_DIR
    jwt_secret: str = field(default="", repr=False)
    jwt_ttl_minutes: int = 12 * 60
    public_base_url: str = "http://127.0.0.1:8000"
    debug: bool = False
    max_upload_bytes: int = 20 * 1024 * 1024
    # Filing and scanning policy (configurable defaults from practice, see DOMAIN.md).
    min_inspectors: int = 2
    max_window_hours: int = 24
    unit_yearly_cap: int = 2
    emergency_approval_hours: int = 24
    scan_radius_m: int = 300
    # A scan whose reported GPS accuracy is worse (larger) than this is not a valid on-site check-in.
    scan_max_accuracy_m: int = 100
    backfill_days: int = 10
    code_grace_minutes: int = 30
    verify_rate_per_minute: int = 120
    issuer: str = "ruqi"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("RUQI_DATA_DIR", str(DEFAULT_DATA_DIR)))
        return cls(
            database_url=os.environ.get("DATABASE_URL", f"sqlite:///{data_dir}/ruqi.sqlite3"),
            redis_url=os.environ.get("REDIS_URL") or None,
            redis_prefix=os.environ.get("RUQI_REDIS_PREFIX", "ruqi"),
            data_dir=data_dir,
            jwt_secret=os.environ.get("RUQI_JWT_SECRET", ""),
            jwt_ttl_minutes=_env_int("RUQI_JWT_TTL_MINUTES", 12 * 60),
            public_base_url=os.environ.get("RUQI_PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
            debug=os.environ.get("RUQI_DEBUG", "") == "1",
            max_upload_bytes=_env_int("RUQI_MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
            min_inspectors=_env_int("RUQI_MIN_INSPECTORS", 2),
            max_window_hours=_env_int("RUQI_MAX_WINDOW_HOURS", 24),
            unit_yearly_cap=_env_int("RUQI_UNIT_YEARLY_CAP", 2),
            emergency_approval_hours=_env_int("RUQI_EMERGENCY_APPROVAL_HOURS", 24),
            scan_radius_m=_env_int("RUQI_SCAN_RADIUS_M", 300),
            scan_max_accuracy_m=_env_int("RUQI_SCAN_MAX_ACCURACY_M", 100),
            backfill_days=_env_int("RUQI_BACKFILL_DAYS", 10),
            code_grace_minutes=_env_int("RUQI_CODE_GRACE_MINUTES", 30),
            verify_rate_per_minute=_env_int("RUQI_VERIFY_RATE_PER_MINUTE", 120),
            issuer=os.environ.get("RUQI_ISSUER", "ruqi"),
        )

    def filing_policy(self) -> FilingPolicy:
        return FilingPolicy(
            min_inspectors=self.min_inspectors,
            max_window=dt.timedelta(hours=self.max_window_hours),
            unit_yearly_cap=self.unit_yearly_cap,
            emergency_approval_deadline=dt.timedelta(hours=self.emergency_approval_hours),
        )

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

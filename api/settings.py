"""Settings read from the environment once; tests build their own ``Settings``."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

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
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secret)
        return secret

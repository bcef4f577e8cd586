"""The data directory holds secrets: nobody but the service's own user may read it.

``secure_data_dir`` makes the directory 0700 and the files that are secrets by themselves 0600 — the
SQLite database (password hashes, inspectors' data) with its journal files, the generated JWT secret and
the signing keys — whatever the umask was when they were created. It runs at startup and after
``ruqi migrate``; the ``ruqi`` command also sets the umask to 077, so new files start private.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import urlparse

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
KEY_DIRS = ("keys", "enterprise_keys", "audit_keys")


def sqlite_path(database_url: str) -> Path | None:
    """The SQLite file of ``sqlite:///path`` (as ``models.db`` reads it), None for PostgreSQL."""
    if urlparse(database_url).scheme != "sqlite":
        return None
    path = (
        database_url.split("sqlite:///", 1)[1]
        if "sqlite:///" in database_url
        else database_url.split("sqlite://", 1)[1]
    )
    return Path(path)


def _private(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(path.stat().st_mode) != mode:
            os.chmod(path, mode)
    except FileNotFoundError:
        pass
    except PermissionError:  # not ours (a shared mount): leave it to its owner
        pass


def secure_data_dir(data_dir: Path, database_url: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    _private(data_dir, PRIVATE_DIR)
    _private(data_dir / "jwt_secret", PRIVATE_FILE)
    for name in KEY_DIRS:
        keys = data_dir / name
        if keys.is_dir():
            _private(keys, PRIVATE_DIR)
            for entry in keys.rglob("*"):
                _private(entry, PRIVATE_DIR if entry.is_dir() else PRIVATE_FILE)
    database = sqlite_path(database_url)
    if database is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            _private(database.with_name(database.name + suffix), PRIVATE_FILE)

"""The content-addressed evidence store on disk (the embedded default; with PostgreSQL, each machine's cache).

Layout under ``<data_dir>/evidence``::

    .tmp/                 uploads being received (removed when the request ends)
    <aa>/<sha256>         a kept file, named by the SHA-256 of its own bytes (<aa> = first two hex digits)

Kept files (evidence as stored and thumbnails alike) are published by hard-linking a finished
temporary file to its final name, which fails if the name exists — like ``open(O_CREAT | O_EXCL)``, an
existing file is never overwritten, and no reader ever sees a half-written one. Where hard links are
not supported the file is written through ``O_CREAT | O_EXCL`` instead. A name that exists already is
checked to hold the bytes its name promises.

With several app machines the bytes are shared through the database (``api.evidence.shared_store``, behind
the same interface: ``share`` after keeping, ``local_path`` before serving).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from api.errors import PayloadTooLarge

CHUNK = 1024 * 1024
_RELATIVE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}$")


class StoreCorrupted(RuntimeError):
    """A kept file does not hold the bytes its name promises; it is left alone for an operator."""


@dataclass(frozen=True)
class Staged:
    """An upload received into a temporary file, with the hash and size of what arrived."""

    path: Path
    sha256: str
    size: int

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int
    relative: str


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / ".tmp"

    @classmethod
    def under(cls, data_dir: Path) -> EvidenceStore:
        return cls(data_dir / "evidence")

    def _temp(self) -> tuple[int, Path]:
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="up-")
        return fd, Path(name)

    async def stage(self, chunks: AsyncIterator[bytes], max_bytes: int) -> Staged:
        """Stream an upload to a temporary file while hashing it; refuse it past ``max_bytes``."""
        fd, path = self._temp()
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as fh:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLarge(
                            f"The file is larger than the limit of {max_bytes} bytes.",
                            field="file",
                            max_bytes=max_bytes,
                        )
                    digest.update(chunk)
                    fh.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Staged(path=path, sha256=digest.hexdigest(), size=size)

    async def share(self, *relatives: str | None) -> None:
        """Make kept files readable by every app machine: nothing to do when this directory is the only store."""

    async def local_path(self, relative: str) -> Path:
        """A file on this machine holding the kept bytes named ``relative`` (for serving)."""
        return self.path_of(relative)

    def path_of(self, relative: str) -> Path:
        if not _RELATIVE.fullmatch(relative):
            raise ValueError(f"not a store path: {relative!r}")
        return self.root / relative

    def keep_file(self, staged: Staged) -> Blob:
        """Keep a staged upload as it arrived (its hash is known)."""
        return self._publish(staged.path, staged.sha256, staged.size)

    def keep_bytes(self, data: bytes) -> Blob:
        fd, path = self._temp()
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            return self._publish(path, hashlib.sha256(data).hexdigest(), len(data))
        finally:
            path.unlink(missing_ok=True)

    def _publish(self, source: Path, sha256: str, size: int) -> Blob:
        relative = f"{sha256[:2]}/{sha256}"
        final = self.path_of(relative)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, final)
        except FileExistsError:
            self._check_existing(final, sha256)
        except OSError:  # no hard links here (some network or FUSE file systems)
            self._write_exclusive(source, final, sha256)
        return Blob(sha256=sha256, size=size, relative=relative)

    def _write_exclusive(self, source: Path, final: Path, sha256: str) -> None:
        try:
            fd = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        except FileExistsError:
            self._check_existing(final, sha256)
            return
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())

    @staticmethod
    def _check_existing(final: Path, sha256: str) -> None:
        if _hash_file(final) != sha256:
            raise StoreCorrupted(f"{final} does not hold the bytes its name promises")

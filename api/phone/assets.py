"""The phone app's files, read once: bytes, media type, strong ETag and a gzip copy for slow networks.

Pure (no Litestar, no Piccolo). Only files present in ``static/`` at startup are served: a request names a
key of this table, never a filesystem path. The service worker (``sw.js``) is served with the list of files
to precache and a version derived from their contents, so any change to any file installs a new worker.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
SERVICE_WORKER = "sw.js"
INDEX = "index.html"
MEDIA_TYPES = {
    ".html": "text/html",  # Litestar adds "; charset=utf-8" to text types
    ".js": "text/javascript",
    ".css": "text/css",
    ".webmanifest": "application/manifest+json",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".md": "text/plain",
    "": "text/plain",  # LICENSE files travel with the vendored code
}
# Not worth precaching: notes and licences are served, but a phone never needs them offline.
_NOT_PRECACHED = re.compile(r"(^|/)(LICENSE[^/]*|[^/]*\.md)$")
_COMPRESSIBLE = ("text/", "application/manifest+json", "application/json", "image/svg+xml")
_BUILD_LINE = re.compile(r"^const BUILD = .*;.*$", re.MULTILINE)


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str
    gzipped: bytes | None  # None when compression would not pay (images)

    def encoded(self, accepts_gzip: bool) -> tuple[bytes, str, str | None]:
        """Body, ETag and Content-Encoding for a client that does or does not accept gzip."""
        if accepts_gzip and self.gzipped is not None:
            return self.gzipped, self.etag[:-1] + '-gz"', "gzip"
        return self.body, self.etag, None


def _asset(name: str, body: bytes) -> Asset:
    media_type = MEDIA_TYPES[Path(name).suffix]
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    packed = gzip.compress(body, 9, mtime=0) if media_type.startswith(_COMPRESSIBLE) else None
    return Asset(body, media_type, etag, packed if packed is not None and len(packed) < len(body) else None)


def _service_worker(source: str, files: dict[str, bytes]) -> bytes:
    precache = sorted(n for n in files if n != SERVICE_WORKER and not _NOT_PRECACHED.search(n))
    digest = hashlib.sha256()
    for name in precache:
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    build = {"version": digest.hexdigest()[:16], "assets": ["./", *(n for n in precache if n != INDEX)]}
    line = f"const BUILD = {json.dumps(build, ensure_ascii=False)}; // written by ruqi when it serves this file"
    replaced, count = _BUILD_LINE.subn(lambda _: line, source, count=1)
    if count != 1:
        raise ValueError("sw.js lacks its `const BUILD = …;` line")
    return replaced.encode()


def load(directory: Path = STATIC_DIR) -> dict[str, Asset]:
    """Every file under ``directory`` by its relative POSIX path; ``sw.js`` gets its precache list."""
    files = {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and not p.name.startswith(".") and p.suffix in MEDIA_TYPES
    }
    if SERVICE_WORKER in files:
        files[SERVICE_WORKER] = _service_worker(files[SERVICE_WORKER].decode(), files)
    return {name: _asset(name, body) for name, body in files.items()}

"""Evidence shared by every app machine: the bytes in PostgreSQL (``evidence_blob``), each machine's directory a cache.

A file is kept in the local directory first (as on one machine), then ``share`` copies it into the database
before the evidence row that names it is committed — so any machine that sees the row can fetch the bytes.
``local_path`` serves from the local directory and fills it from the database on a miss; names are SHA-256
of the bytes, so a cached file is never stale and the directory can be emptied at any time.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from api.evidence.store import EvidenceStore, StoreCorrupted
from models.shared_tables import EvidenceBlob


class DatabaseEvidenceStore(EvidenceStore):
    async def share(self, *relatives: str | None) -> None:
        for relative in relatives:
            if relative is None or await EvidenceBlob.exists().where(EvidenceBlob.relative == relative):
                continue
            data = await asyncio.to_thread(self.path_of(relative).read_bytes)
            await EvidenceBlob.insert(EvidenceBlob(relative=relative, size=len(data), data=data)).on_conflict(
                target=EvidenceBlob.relative, action="DO NOTHING"
            )

    async def local_path(self, relative: str) -> Path:
        path = self.path_of(relative)
        if path.exists():
            return path
        row = await EvidenceBlob.select(EvidenceBlob.data).where(EvidenceBlob.relative == relative).first()
        if row is not None:
            await asyncio.to_thread(self._cache, relative, bytes(row["data"]))
        return path

    def _cache(self, relative: str, data: bytes) -> None:
        if hashlib.sha256(data).hexdigest() != relative.rsplit("/", 1)[-1]:
            raise StoreCorrupted(f"evidence_blob {relative} does not hold the bytes its name promises")
        self.keep_bytes(data)

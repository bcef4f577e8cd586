"""The HTTP side of evidence files, shared by non-site records and on-site visits: the multipart upload form,
reading it in chunks, serving a kept file safely, and the store dependency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter
from litestar.response import File

from api.evidence.files import KeptFile
from api.evidence.shared_store import DatabaseEvidenceStore
from api.evidence.store import CHUNK, EvidenceStore
from api.openapi_errors import Problem
from api.problems import PROBLEM_JSON
from api.settings import Settings

Store = NamedDependency[EvidenceStore]
# Room for the multipart framing around the file (boundaries, part headers, the sha256 field).
MULTIPART_OVERHEAD = 64 * 1024
Sha256Path = Annotated[str, PathParameter(min_length=64, max_length=64, description="SHA-256 of the uploaded file")]
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=3600",
}


@dataclass
class EvidenceUpload:
    """The multipart form: the file in ``file``, and its SHA-256 (hex) in ``sha256`` unless sent as a header."""

    file: UploadFile
    sha256: str | None = None


async def upload_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


def problem_spec(description: str) -> ResponseSpec:
    return ResponseSpec(Problem, description=description, media_type=PROBLEM_JSON, generate_examples=False)


def served_file(kept: KeptFile) -> File:
    inline = kept.media_type.startswith("image/")
    return File(
        path=kept.path,
        filename=kept.filename,
        media_type=kept.media_type,
        content_disposition_type="inline" if inline else "attachment",
        headers=dict(_SECURITY_HEADERS),
    )


def provide_store(request: Request[Any, Any, Any]) -> EvidenceStore:
    settings: Settings = request.app.state.settings
    if settings.shared_database:  # PostgreSQL: other app machines must serve what this one keeps
        return DatabaseEvidenceStore.under(settings.data_dir)
    return EvidenceStore.under(settings.data_dir)

"""Evidence files of non-site records: the multipart upload and the served files."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, HeaderParameter
from litestar.response import File

from api.auth import any_authenticated, require
from api.deps import CurrentActor, Now
from api.evidence.files import normalize_sha256
from api.evidence.http import (
    MULTIPART_OVERHEAD,
    EvidenceUpload,
    Sha256Path,
    Store,
    problem_spec,
    served_file,
    upload_chunks,
)
from api.evidence.schemas import EvidenceRead
from api.nonsite import evidence
from api.settings import Settings
from models.enums import Role


async def upload_evidence(
    request: Request[Any, Any, Any],
    now: Now,
    actor: CurrentActor,
    store: Store,
    record_id: FromPath[int],
    data: Annotated[EvidenceUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    x_content_sha256: Annotated[
        str | None,
        HeaderParameter(
            name="X-Content-SHA256", max_length=128, description="The file's SHA-256 (hex), instead of the field"
        ),
    ] = None,
) -> Response[EvidenceRead]:
    settings: Settings = request.app.state.settings
    try:
        claimed = normalize_sha256(data.sha256, x_content_sha256)
        result = await evidence.add_evidence(
            actor,
            record_id,
            upload_chunks(data.file),
            filename=data.file.filename,
            claimed_sha256=claimed,
            store=store,
            max_bytes=settings.max_upload_bytes,
            now=now,
        )
    finally:
        await data.file.close()
    return Response(result.evidence, status_code=201 if result.created else 200)


def upload_handler(max_upload_bytes: int) -> HTTPRouteHandler:
    """The upload route, with the configured size limit in its OpenAPI description and body limit."""
    description = (
        f"Multipart form: `file` (at most **{max_upload_bytes} bytes**, `RUQI_MAX_UPLOAD_BYTES`) and `sha256`, "
        "the SHA-256 (hex) the client computed over the file (or the header `X-Content-SHA256`). The server "
        "hashes what arrives and refuses a mismatch (422 `hash_mismatch`); a larger file is refused with "
        "413 `payload_too_large` (problem+json). JPEG, PNG and WebP images (recognised by their bytes) are "
        "re-encoded without EXIF location and device data — only the capture time (DateTimeOriginal) is kept — "
        "and get a JPEG thumbnail of at most 320 px; other images (TIFF, GIF, HEIC) are refused with 415. "
        "Uploads are idempotent: the same file again is the same evidence (200 instead of 201), stored once."
    )
    return post(
        "/records/{record_id:int}/evidence",
        guards=[require(Role.planner, Role.inspector)],
        summary="Upload an evidence file (photo, video, document) to a record",
        description=description,
        request_max_body_size=max_upload_bytes + MULTIPART_OVERHEAD,
        status_code=201,
        responses={
            200: ResponseSpec(EvidenceRead, description="The same file was uploaded before: the existing evidence"),
            413: problem_spec(f"The file is larger than {max_upload_bytes} bytes (code `payload_too_large`)"),
            415: problem_spec("An image format whose metadata is not stripped (TIFF, GIF, HEIC/AVIF)"),
            422: problem_spec("The file's SHA-256 differs from the announced one (code `hash_mismatch`)"),
        },
    )(upload_evidence)


class EvidenceController(Controller):
    path = "/evidence"

    @get(
        "/{sha256:str}",
        guards=[any_authenticated],
        summary="An evidence file, to roles that may see a record it is attached to",
        media_type="application/octet-stream",
    )
    async def evidence_file(self, actor: CurrentActor, store: Store, sha256: Sha256Path) -> File:
        return served_file(await evidence.kept_file(actor, sha256, store))

    @get(
        "/{sha256:str}/thumbnail",
        guards=[any_authenticated],
        summary="The JPEG thumbnail (≤ 320 px) of an image evidence file",
        media_type="image/jpeg",
    )
    async def evidence_thumbnail(self, actor: CurrentActor, store: Store, sha256: Sha256Path) -> File:
        return served_file(await evidence.kept_file(actor, sha256, store, thumbnail=True))

"""Evidence of on-site visits: the phone's multipart upload (file + its SHA-256) and the files, for staff."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, HeaderParameter
from litestar.response import File

from api.auth import STAFF, require
from api.deps import CurrentActor, Now, provide_actor
from api.evidence.files import normalize_sha256
from api.evidence.http import (
    MULTIPART_OVERHEAD,
    EvidenceUpload,
    Sha256Path,
    Store,
    problem_spec,
    provide_store,
    served_file,
    upload_chunks,
)
from api.evidence.schemas import EvidenceRead
from api.settings import Settings
from api.visits import evidence
from models.enums import Role


async def upload_visit_evidence(
    request: Request[Any, Any, Any],
    now: Now,
    actor: CurrentActor,
    store: Store,
    visit_id: FromPath[int],
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
        read, created = await evidence.add_visit_evidence(
            actor,
            visit_id,
            upload_chunks(data.file),
            filename=data.file.filename,
            claimed_sha256=claimed,
            store=store,
            max_bytes=settings.max_upload_bytes,
            now=now,
        )
    finally:
        await data.file.close()
    return Response(read, status_code=201 if created else 200)


def _upload_handler(max_upload_bytes: int) -> HTTPRouteHandler:
    return post(
        "/{visit_id:int}/evidence",
        guards=[require(Role.inspector)],
        summary="Attach a photo or file to an on-site visit (an inspector named on it; checked in or out)",
        description=(
            f"Multipart form: `file` (at most **{max_upload_bytes} bytes**) and `sha256`, the SHA-256 (hex) the "
            "phone computed (or the header `X-Content-SHA256`); a mismatch is refused (422 `hash_mismatch`). "
            "Images are kept without EXIF location and device data, as non-site evidence. Idempotent by the file: "
            "the same file again answers 200 with the same evidence, attached once."
        ),
        request_max_body_size=max_upload_bytes + MULTIPART_OVERHEAD,
        status_code=201,
        responses={
            200: ResponseSpec(EvidenceRead, description="This file was attached to the visit before"),
            413: problem_spec(f"The file is larger than {max_upload_bytes} bytes (code `payload_too_large`)"),
            415: problem_spec("An image format whose metadata is not stripped (TIFF, GIF, HEIC/AVIF)"),
            422: problem_spec("Hash mismatch, or the visit is not checked in (`visit_not_checked_in`)"),
        },
    )(upload_visit_evidence)


@get("/{visit_id:int}/evidence", guards=[require(*STAFF)], summary="Evidence files of an on-site visit")
async def list_visit_evidence(actor: CurrentActor, visit_id: FromPath[int]) -> list[EvidenceRead]:
    return await evidence.list_visit_evidence(actor, visit_id)


@get(
    "/{visit_id:int}/evidence/{sha256:str}",
    guards=[require(*STAFF)],
    summary="An evidence file of an on-site visit",
    media_type="application/octet-stream",
)
async def visit_evidence_file(actor: CurrentActor, store: Store, visit_id: FromPath[int], sha256: Sha256Path) -> File:
    return served_file(await evidence.visit_evidence_file(actor, visit_id, sha256, store))


@get(
    "/{visit_id:int}/evidence/{sha256:str}/thumbnail",
    guards=[require(*STAFF)],
    summary="The JPEG thumbnail (≤ 320 px) of an image evidence file of an on-site visit",
    media_type="image/jpeg",
)
async def visit_evidence_thumbnail(
    actor: CurrentActor, store: Store, visit_id: FromPath[int], sha256: Sha256Path
) -> File:
    return served_file(await evidence.visit_evidence_file(actor, visit_id, sha256, store, thumbnail=True))


def visit_evidence_router(settings: Settings) -> Router:
    """Built per app so the upload limit in OpenAPI is the configured one."""
    return Router(
        path="/api/v1/visits",
        route_handlers=[
            _upload_handler(settings.max_upload_bytes),
            list_visit_evidence,
            visit_evidence_file,
            visit_evidence_thumbnail,
        ],
        dependencies={
            "actor": Provide(provide_actor, sync_to_thread=False),
            "store": Provide(provide_store, sync_to_thread=False),
        },
        tags=["visits"],
    )

"""Upload and fetch the files of a 容错纠错 case (multipart, with the file's SHA-256, as for visit evidence)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.params import Body, FromPath, HeaderParameter
from litestar.response import File

from api.auth import require
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
from api.supervision import attachments
from models.enums import Role

READERS = require(Role.supervisor, Role.planner, Role.approver)


async def upload_case_attachment(
    request: Request[Any, Any, Any],
    now: Now,
    actor: CurrentActor,
    store: Store,
    case_id: FromPath[int],
    data: Annotated[EvidenceUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    x_content_sha256: Annotated[
        str | None,
        HeaderParameter(name="X-Content-SHA256", description="The file's SHA-256 (hex), instead of the field"),
    ] = None,
) -> EvidenceRead:
    settings: Settings = request.app.state.settings
    try:
        claimed = normalize_sha256(data.sha256, x_content_sha256)
        return await attachments.add_attachment(
            actor,
            case_id,
            upload_chunks(data.file),
            filename=data.file.filename,
            claimed_sha256=claimed,
            store=store,
            max_bytes=settings.max_upload_bytes,
            now=now,
        )
    finally:
        await data.file.close()


def _upload_handler(max_upload_bytes: int) -> HTTPRouteHandler:
    return post(
        "/{case_id:int}/attachments",
        guards=[READERS],
        summary="Attach a file to a case (the supervisor, or the unit concerned)",
        description=(
            f"Multipart form: `file` (at most **{max_upload_bytes} bytes**) and `sha256` (or the header "
            "`X-Content-SHA256`); a mismatch is refused (422 `hash_mismatch`). The file is recorded on the case; "
            "steps, statements, reports and answers then name it by its SHA-256 in `attachments`."
        ),
        request_max_body_size=max_upload_bytes + MULTIPART_OVERHEAD,
        status_code=201,
        responses={
            413: problem_spec(f"The file is larger than {max_upload_bytes} bytes (code `payload_too_large`)"),
            422: problem_spec("Hash mismatch"),
        },
    )(upload_case_attachment)


@get(
    "/{case_id:int}/attachments/{sha256:str}",
    guards=[READERS],
    summary="A file attached to a case",
    media_type="application/octet-stream",
)
async def case_attachment_file(actor: CurrentActor, store: Store, case_id: FromPath[int], sha256: Sha256Path) -> File:
    return served_file(await attachments.attachment_file(actor, case_id, sha256, store))


def case_attachment_router(settings: Settings) -> Router:
    """Built per app so the upload limit in OpenAPI is the configured one."""
    return Router(
        path="/api/v1/supervision/cases",
        route_handlers=[_upload_handler(settings.max_upload_bytes), case_attachment_file],
        dependencies={
            "actor": Provide(provide_actor, sync_to_thread=False),
            "store": Provide(provide_store, sync_to_thread=False),
        },
        tags=["supervision"],
    )

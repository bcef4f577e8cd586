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
from api.openapi_tags import SUPERVISION
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
        summary="上传案件附件",
        description=(
            f"multipart 表单：`file`（最大 **{max_upload_bytes} bytes**）和 `sha256`（文件的 SHA-256 十六进制，"
            "或用请求头 `X-Content-SHA256`）；服务器对收到的内容重新计算，不符则拒绝（422 `hash_mismatch`）。"
            "文件记入案件；之后的步骤、陈述申辩、报告和答复在 `attachments` 中以 SHA-256 引用它。\n\n"
            "角色：司法局（supervisor）；相关单位的规划员、主体负责人（planner、approver）。\n\n"
            "拒绝：422 `hash_mismatch`；403 `not_your_unit`；404 `case_not_found`；413 `payload_too_large`。\n\n"
            "English: multipart upload of a file to a case; steps and answers then name it by its SHA-256."
        ),
        request_max_body_size=max_upload_bytes + MULTIPART_OVERHEAD,
        status_code=201,
        responses={
            413: problem_spec(f"文件超过 {max_upload_bytes} 字节（`payload_too_large`）。 The file is too large"),
            422: problem_spec("文件的 SHA-256 与声明的不符（`hash_mismatch`）。 Hash mismatch"),
        },
    )(upload_case_attachment)


@get(
    "/{case_id:int}/attachments/{sha256:str}",
    guards=[READERS],
    summary="下载案件附件",
    media_type="application/octet-stream",
)
async def case_attachment_file(actor: CurrentActor, store: Store, case_id: FromPath[int], sha256: Sha256Path) -> File:
    """下载案件记录中引用的一个文件（按 SHA-256）。

    角色：司法局（supervisor）；规划员、主体负责人（planner、approver，本单位的案件）。
    拒绝：404 `case_not_found`、`attachment_not_found`。
    """
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
        tags=[SUPERVISION],
    )

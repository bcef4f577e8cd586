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
from api.openapi_tags import VISITS
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
        summary="上传现场检查的证据（照片、文件）",
        description=(
            f"multipart 表单：`file`（最大 **{max_upload_bytes} bytes**）和 `sha256`（手机计算的 SHA-256 十六进制，"
            "或用请求头 `X-Content-SHA256`）；服务器对收到的内容重新计算，不符则拒绝（422 `hash_mismatch`）。"
            "图片去除 EXIF 中的位置和设备信息后保存。按文件幂等：同一文件再传答 200，只附一次。\n\n"
            "角色：检查上列名的执法人员（inspector），已签到或已签退时。\n\n"
            "拒绝：422 `visit_not_checked_in`、`hash_mismatch`；403 `not_on_visit`；413 `payload_too_large`；"
            "415 不去除元数据的图片格式（TIFF、GIF、HEIC）。\n\n"
            "English: multipart upload of a photo or file with its SHA-256; images lose EXIF location and device data."
        ),
        request_max_body_size=max_upload_bytes + MULTIPART_OVERHEAD,
        status_code=201,
        responses={
            200: ResponseSpec(EvidenceRead, description="该文件此前已附在本次检查上。 This file was attached before"),
            413: problem_spec(f"文件超过 {max_upload_bytes} 字节（`payload_too_large`）。 The file is too large"),
            415: problem_spec("无法去除元数据的图片格式（TIFF、GIF、HEIC/AVIF）。 Unsupported image"),
            422: problem_spec("文件的 SHA-256 与声明的不符或检查尚未签到（`visit_not_checked_in`）。 Hash mismatch"),
        },
    )(upload_visit_evidence)


@get("/{visit_id:int}/evidence", guards=[require(*STAFF)], summary="现场检查的证据列表")
async def list_visit_evidence(actor: CurrentActor, visit_id: FromPath[int]) -> list[EvidenceRead]:
    """一次现场检查的证据文件：文件名、类型、大小、SHA-256、拍摄时间、上传人。

    角色：能看到这次检查的司法局、规划员、主体负责人、执法人员。拒绝：404 `visit_not_found`。
    """
    return await evidence.list_visit_evidence(actor, visit_id)


@get(
    "/{visit_id:int}/evidence/{sha256:str}",
    guards=[require(*STAFF)],
    summary="下载现场检查的证据文件",
    media_type="application/octet-stream",
)
async def visit_evidence_file(actor: CurrentActor, store: Store, visit_id: FromPath[int], sha256: Sha256Path) -> File:
    """按 SHA-256 下载一次现场检查的证据文件。

    角色：能看到这次检查的司法局、规划员、主体负责人、执法人员。拒绝：404 `visit_not_found`、`evidence_not_found`。
    """
    return served_file(await evidence.visit_evidence_file(actor, visit_id, sha256, store))


@get(
    "/{visit_id:int}/evidence/{sha256:str}/thumbnail",
    guards=[require(*STAFF)],
    summary="现场检查证据的缩略图",
    media_type="image/jpeg",
)
async def visit_evidence_thumbnail(
    actor: CurrentActor, store: Store, visit_id: FromPath[int], sha256: Sha256Path
) -> File:
    """图片证据的 JPEG 缩略图（最长边不超过 320 像素）。

    角色：能看到这次检查的司法局、规划员、主体负责人、执法人员。拒绝：404 `visit_not_found`、`evidence_not_found`。
    """
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
        tags=[VISITS],
    )

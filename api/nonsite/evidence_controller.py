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
        f"multipart 表单：`file`（最大 **{max_upload_bytes} bytes**，`RUQI_MAX_UPLOAD_BYTES`）和 `sha256`"
        "（客户端计算的 SHA-256 十六进制，或用请求头 `X-Content-SHA256`）。服务器对收到的内容重新计算，"
        "不符则拒绝（422 `hash_mismatch`），超过上限为 413 `payload_too_large`。JPEG、PNG、WebP 图片"
        "（按内容识别）重新编码，去除 EXIF 中的位置和设备信息，只保留拍摄时间，并生成不超过 320 像素的缩略图；"
        "TIFF、GIF、HEIC 等图片为 415。按文件幂等：同一文件再传为同一证据（200 而非 201），只存一份。\n\n"
        "角色：记录所属单位的规划员（planner）、执法人员（inspector）。"
        "拒绝：403 `not_your_record`；404 `record_not_found`。\n\n"
        "English: multipart upload of an evidence file with its SHA-256; images lose EXIF location and device data."
    )
    return post(
        "/records/{record_id:int}/evidence",
        guards=[require(Role.planner, Role.inspector)],
        summary="上传非现场检查的证据文件",
        description=description,
        request_max_body_size=max_upload_bytes + MULTIPART_OVERHEAD,
        status_code=201,
        responses={
            200: ResponseSpec(EvidenceRead, description="同一文件此前已上传：返回已有的证据。 Uploaded before"),
            413: problem_spec(f"文件超过 {max_upload_bytes} 字节（`payload_too_large`）。 The file is too large"),
            415: problem_spec("无法去除元数据的图片格式（TIFF、GIF、HEIC/AVIF）。 Unsupported image"),
            422: problem_spec("文件的 SHA-256 与声明的不符（`hash_mismatch`）。 Hash mismatch"),
        },
    )(upload_evidence)


class EvidenceController(Controller):
    path = "/evidence"

    @get(
        "/{sha256:str}",
        guards=[any_authenticated],
        summary="下载非现场检查的证据文件",
        media_type="application/octet-stream",
    )
    async def evidence_file(self, actor: CurrentActor, store: Store, sha256: Sha256Path) -> File:
        """按 SHA-256 下载证据文件（照片、视频、文档）。

        角色：能看到该文件所附记录的账号。拒绝：404 `evidence_not_found`。
        """
        return served_file(await evidence.kept_file(actor, sha256, store))

    @get(
        "/{sha256:str}/thumbnail",
        guards=[any_authenticated],
        summary="证据图片的缩略图",
        media_type="image/jpeg",
    )
    async def evidence_thumbnail(self, actor: CurrentActor, store: Store, sha256: Sha256Path) -> File:
        """图片证据的 JPEG 缩略图（最长边不超过 320 像素）。

        角色：能看到该文件所附记录的账号。拒绝：404 `evidence_not_found`。
        """
        return served_file(await evidence.kept_file(actor, sha256, store, thumbnail=True))

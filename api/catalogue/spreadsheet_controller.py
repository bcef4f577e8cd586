"""Excel/CSV export and import of the three lists; the layout is documented in ``api.catalogue.spreadsheets``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated
from urllib.parse import quote

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, Parameter

from api.auth import any_authenticated, require
from api.catalogue import spreadsheets as catalogue_io
from api.catalogue.spreadsheets import ImportReport
from api.deps import CurrentActor, Now, provide_actor
from api.openapi_tags import LIST_IO
from api.tabular import MAX_FILE_BYTES
from models.enums import CatalogueList, Role


class ExportFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


@dataclass
class ImportUpload:
    """The multipart form: one file in the field ``file`` (.xlsx, or .csv in UTF-8)."""

    file: UploadFile


DryRun = Annotated[bool, Parameter(description="Check every row and report, but apply nothing.")]


class CatalogueIOController(Controller):
    path = "/api/v1/catalogue"
    tags = [LIST_IO]
    dependencies = {"actor": Provide(provide_actor, sync_to_thread=False)}

    @get(
        "/{list_name:str}/export",
        guards=[any_authenticated],
        summary="导出清单（Excel 或 CSV）",
        media_type="application/octet-stream",  # a file download (xlsx or CSV), not the JSON default
    )
    async def export_list(
        self,
        actor: CurrentActor,
        list_name: FromPath[CatalogueList],
        format: FromQuery[ExportFormat] = ExportFormat.xlsx,
    ) -> Response[bytes]:
        """下载一张清单：`format=xlsx`（默认）或 `csv`（UTF-8）；表头为中文，列说明见 `api.catalogue.spreadsheets`。

        角色：任何已登录账号；企业只得到已公布的记录。English: download a list as .xlsx or CSV.
        """
        exported = await catalogue_io.export_list(list_name, format.value, published_only=actor.role == Role.enterprise)
        disposition = (
            f"attachment; filename=\"{exported.filename}\"; filename*=UTF-8''{quote(exported.title_filename, safe='')}"
        )
        return Response(exported.content, media_type=exported.media_type, headers={"Content-Disposition": disposition})

    @post(
        "/{list_name:str}/import",
        guards=[require(Role.planner)],
        status_code=200,
        summary="导入清单（全部生效或全部不生效）",
    )
    async def import_list(
        self,
        now: Now,
        actor: CurrentActor,
        list_name: FromPath[CatalogueList],
        data: Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        dry_run: DryRun = False,
    ) -> ImportReport:
        """上传 .xlsx 或 UTF-8 CSV（multipart 字段 `file`）：每一行都通过才全部生效，否则一行也不生效；
        `dry_run=true` 只检查、不写入。规则与逐条接口相同：规划员只能改本单位的记录。

        角色：规划员（planner）、管理员。
        拒绝：422 `import_rejected`（`errors` 列出每个错行的行号、列、代码和原因，如缺列 `missing_column`）；
        413 文件过大；415 不是 Excel 或 CSV。English: all rows are applied or none; a 422 lists every bad row.
        """
        upload = data.file
        content = await upload.read(MAX_FILE_BYTES + 1)
        return await catalogue_io.import_file(
            actor, list_name, upload.filename, upload.content_type, content, now, dry_run=dry_run
        )

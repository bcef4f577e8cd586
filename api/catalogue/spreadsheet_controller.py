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
    tags = ["list import/export"]
    dependencies = {"actor": Provide(provide_actor, sync_to_thread=False)}

    @get(
        "/{list_name:str}/export",
        guards=[any_authenticated],
        summary="Download a list as .xlsx or CSV (enterprises get its published records)",
        media_type="application/octet-stream",  # a file download (xlsx or CSV), not the JSON default
    )
    async def export_list(
        self,
        actor: CurrentActor,
        list_name: FromPath[CatalogueList],
        format: FromQuery[ExportFormat] = ExportFormat.xlsx,
    ) -> Response[bytes]:
        exported = await catalogue_io.export_list(list_name, format.value, published_only=actor.role == Role.enterprise)
        disposition = (
            f"attachment; filename=\"{exported.filename}\"; filename*=UTF-8''{quote(exported.title_filename, safe='')}"
        )
        return Response(exported.content, media_type=exported.media_type, headers={"Content-Disposition": disposition})

    @post(
        "/{list_name:str}/import",
        guards=[require(Role.planner)],
        status_code=200,
        summary="Upload a list as .xlsx or CSV: all rows are applied, or none (422 lists every bad row)",
    )
    async def import_list(
        self,
        now: Now,
        actor: CurrentActor,
        list_name: FromPath[CatalogueList],
        data: Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        dry_run: DryRun = False,
    ) -> ImportReport:
        upload = data.file
        content = await upload.read(MAX_FILE_BYTES + 1)
        return await catalogue_io.import_file(
            actor, list_name, upload.filename, upload.content_type, content, now, dry_run=dry_run
        )

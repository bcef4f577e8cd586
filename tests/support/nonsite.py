"""Building non-site records, evidence uploads and test images."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image

from api.visits.rules import LOCAL_TZ
from tests.support.api import Api
from tests.support.world import USCC_A

RECORDS = "/api/v1/nonsite/records"
DTO = "2026:03:04 10:11:12"


def record_body(**overrides: Any) -> dict[str, Any]:
    now = dt.datetime.now(LOCAL_TZ)
    body: dict[str, Any] = {
        "mode": "drone",
        "started_at": (now - dt.timedelta(hours=3)).isoformat(),
        "ended_at": (now - dt.timedelta(hours=2)).isoformat(),
        "geometry": {"type": "LineString", "coordinates": [[117.06, 36.68], [117.07, 36.69], [117.08, 36.685]]},
        "uscc": USCC_A,
        "item_codes": ["MKT-ND"],
        "result": "issue_found",
        "findings": "无人机巡查发现后厨排烟管道油污严重，疑似未按规定清洗。",
    }
    body.update(overrides)
    return body


def create_record(api: Api, as_: str = "inspector-mkt1", **overrides: Any) -> dict[str, Any]:
    response = api.post(RECORDS, as_=as_, json=record_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(
    api: Api, record_id: int, data: bytes, *, as_: str = "inspector-mkt1", name: str = "photo.jpg", claimed: str = ""
) -> Any:
    return api.post(
        f"{RECORDS}/{record_id}/evidence",
        as_=as_,
        files={"file": (name, data, "application/octet-stream")},
        data={"sha256": claimed or sha256(data)},
    )


def jpeg_with_gps(size: tuple[int, int] = (800, 600)) -> bytes:
    """A JPEG as a phone makes it: GPS position, camera make and model, capture time, XMP with GPS."""
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.Base.Model] = "Mate 60 Pro"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (36.0, 40.0, 48.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (117.0, 3.0, 36.0),
    }
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: DTO}
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>36,40.8N</exif:GPSLatitude></x:xmpmeta>'
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, xmp=xmp, quality=90)
    assert 34853 in Image.open(io.BytesIO(out.getvalue())).getexif()  # the test image really has GPS
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (200, 0, 0, 128)).save(out, "PNG")
    return out.getvalue()


def kept_files(data_dir: Path) -> list[Path]:
    """Every file in the evidence store (temporary uploads excluded)."""
    root = data_dir / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file() and ".tmp" not in p.relative_to(root).parts)

"""Evidence media: file-name sanitising, sniffing, image cleaning, GeoJSON and the content-addressed store."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from api.errors import InvalidInput, PayloadTooLarge, RuleViolation
from api.evidence.media import UnsupportedMedia, clean_image, sanitize_filename, sniff
from api.evidence.store import EvidenceStore
from api.nonsite import geojson
from tests.support.nonsite import jpeg_with_gps


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system.ini", "system.ini"),
        ("/abs/path/photo.jpg", "photo.jpg"),
        ("现场照片 2026.jpg", "现场照片 2026.jpg"),
        ("..", "file"),
        ("", "file"),
        (None, "file"),
        (".hidden", "hidden"),
        ('a<b>c:"d"|e?f*.png', "a_b_c__d__e_f_.png"),
        ("bad\x00name\r\n.txt", "badname.txt"),
        ("x" * 300 + ".jpeg", "x" * 195 + ".jpeg"),
    ],
)
def test_file_names_are_sanitised(raw: str | None, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_sniffing_refuses_images_whose_metadata_stays_and_names_other_files() -> None:
    for head in [b"II*\x00rest", b"MM\x00*rest", b"GIF89a...", b"\x00\x00\x00\x18ftypheic"]:
        with pytest.raises(UnsupportedMedia):
            sniff(head)
    assert sniff(b"%PDF-1.7") == "application/pdf"
    assert sniff(b"\x00\x00\x00\x18ftypisom") == "video/mp4"
    assert sniff(b"\x00\x00\x00\x14ftypqt  ") == "video/quicktime"
    assert sniff(b"hello") == "application/octet-stream"


def test_a_photo_is_cleaned_and_turned_upright(tmp_path: Path) -> None:
    image = Image.new("RGB", (60, 20), "white")
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to view
    exif[ExifTags.Base.Make] = "Apple"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    path = tmp_path / "p"
    path.write_bytes(out.getvalue())
    cleaned = clean_image(path)
    assert cleaned is not None and cleaned.captured_at is None
    kept = Image.open(io.BytesIO(cleaned.data))
    assert kept.size == (20, 60) and dict(kept.getexif()) == {}


def test_gps_photo_keeps_only_its_capture_time(tmp_path: Path) -> None:
    path = tmp_path / "p"
    path.write_bytes(jpeg_with_gps((1000, 400)))
    cleaned = clean_image(path)
    assert cleaned is not None
    exif = Image.open(io.BytesIO(cleaned.data)).getexif()
    assert set(exif) == {ExifTags.IFD.Exif} and exif.get_ifd(ExifTags.IFD.Exif) == {36867: "2026:03:04 10:11:12"}
    assert Image.open(io.BytesIO(cleaned.thumbnail)).size == (320, 128)


def test_damaged_images_and_other_files(tmp_path: Path) -> None:
    path = tmp_path / "p"
    path.write_bytes(jpeg_with_gps()[:400])
    with pytest.raises(RuleViolation) as refused:
        clean_image(path)
    assert refused.value.code == "image_unreadable"
    path.write_bytes(b"%PDF-1.4 not an image")
    assert clean_image(path) is None
    transparent = io.BytesIO()
    Image.new("P", (10, 10)).save(transparent, "PNG", transparency=0)
    path.write_bytes(transparent.getvalue())
    cleaned = clean_image(path)
    assert cleaned is not None and cleaned.media_type == "image/png"


def test_geometry_is_checked_and_reduced() -> None:
    line = {"type": "LineString", "coordinates": [[117, 36], [117.1, 36.1]], "extra": "dropped"}
    assert geojson.validate_geometry(line) == {"type": "LineString", "coordinates": [[117.0, 36.0], [117.1, 36.1]]}
    bad_values: list[object] = [
        None,
        [],
        {"type": "Point", "coordinates": [True, 36]},
        {"type": "Point", "coordinates": [1e400, 1]},
    ]
    for bad in bad_values:
        with pytest.raises(InvalidInput):
            geojson.validate_geometry(bad)


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def test_the_store_is_content_addressed_and_never_overwrites(tmp_path: Path) -> None:
    store = EvidenceStore.under(tmp_path)
    staged = asyncio.run(store.stage(_chunks(b"abc", b"def"), max_bytes=10))
    assert staged.sha256 == hashlib.sha256(b"abcdef").hexdigest() and staged.size == 6
    blob = store.keep_file(staged)
    again = store.keep_bytes(b"abcdef")
    assert blob == again and store.path_of(blob.relative).read_bytes() == b"abcdef"
    store.path_of(blob.relative).write_bytes(b"tampered")
    with pytest.raises(RuntimeError):
        store.keep_bytes(b"abcdef")
    assert store.path_of(blob.relative).read_bytes() == b"tampered"  # left alone for an operator
    with pytest.raises(PayloadTooLarge):
        asyncio.run(store.stage(_chunks(b"x" * 8, b"x" * 8), max_bytes=10))
    staged.discard()
    assert list(store.tmp.iterdir()) == []
    with pytest.raises(ValueError):
        store.path_of("../../etc/passwd")

"""Evidence files: hash check, metadata stripping, size limit, idempotency, file names, access."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re

import httpx
from litestar.testing import TestClient
from PIL import ExifTags, Image

from api.app import create_app
from api.settings import Settings
from api.visits.rules import LOCAL_TZ
from tests.support.api import Api
from tests.support.nonsite import DTO, RECORDS, create_record, jpeg_with_gps, kept_files, png_bytes, sha256, upload
from tests.support.world import World

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
LAYOUT = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}$")


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["code"] == code and body["status"] == status, body
    return body


def test_a_hash_mismatch_is_refused_and_nothing_is_kept(api: Api) -> None:
    record = create_record(api)
    body = _problem(upload(api, record["id"], PDF, claimed=sha256(b"something else")), 422, "hash_mismatch")
    assert body["received_sha256"] == sha256(PDF)
    _problem(upload(api, record["id"], PDF, claimed="not-a-hash"), 400, "sha256_invalid")
    response = api.post(f"{RECORDS}/{record['id']}/evidence", as_="inspector-mkt1", files={"file": ("a.pdf", PDF)})
    _problem(response, 400, "sha256_required")
    data_dir = api.app.state.settings.data_dir
    assert kept_files(data_dir) == [] and list((data_dir / "evidence" / ".tmp").iterdir()) == []
    assert api.get(f"{RECORDS}/{record['id']}", as_="inspector-mkt1").json()["evidence"] == []


def test_gps_and_device_are_gone_from_an_uploaded_photo_but_the_capture_time_stays(api: Api) -> None:
    record = create_record(api)
    photo = jpeg_with_gps()
    response = api.client.post(
        f"{RECORDS}/{record['id']}/evidence",
        files={"file": ("IMG_0001.jpg", photo, "image/jpeg")},
        headers={**api.headers("inspector-mkt1"), "X-Content-SHA256": sha256(photo).upper()},
    )
    assert response.status_code == 201, response.text
    evidence = response.json()
    assert evidence["sha256"] == sha256(photo) and evidence["media_type"] == "image/jpeg"
    assert evidence["stored_sha256"] != evidence["sha256"] and evidence["size"] == len(photo)
    captured = dt.datetime.fromisoformat(evidence["captured_at"].replace("Z", "+00:00"))
    assert captured == dt.datetime(2026, 3, 4, 10, 11, 12, tzinfo=LOCAL_TZ)  # camera time, read as Asia/Shanghai

    served = api.get(evidence["url"], as_="enterprise-a")
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/jpeg")
    assert served.headers["x-content-type-options"] == "nosniff"
    assert sha256(served.content) == evidence["stored_sha256"]
    kept = Image.open(io.BytesIO(served.content))
    exif = kept.getexif()
    assert ExifTags.IFD.GPSInfo not in exif and exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert ExifTags.Base.Make not in exif and ExifTags.Base.Model not in exif
    assert exif.get_ifd(ExifTags.IFD.Exif) == {ExifTags.Base.DateTimeOriginal: DTO}
    assert b"HUAWEI" not in served.content and b"GPSLatitude" not in served.content and "xmp" not in kept.info
    assert kept.size == (800, 600)

    thumb = api.get(evidence["thumbnail_url"], as_="inspector-mkt1")
    assert thumb.status_code == 200 and thumb.headers["content-type"].startswith("image/jpeg")
    small = Image.open(io.BytesIO(thumb.content))
    assert small.format == "JPEG" and max(small.size) == 320 and small.getexif().get(ExifTags.IFD.GPSInfo) is None

    on_disk = {
        p.relative_to(api.app.state.settings.data_dir / "evidence").as_posix()
        for p in kept_files(api.app.state.settings.data_dir)
    }
    assert all(LAYOUT.match(p) for p in on_disk) and len(on_disk) == 2  # the clean photo and its thumbnail
    for path in kept_files(api.app.state.settings.data_dir):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name  # content-addressed


def test_images_are_recognised_by_their_bytes_not_their_names(api: Api) -> None:
    record = create_record(api)
    png = upload(api, record["id"], png_bytes(), name="notes.txt").json()
    assert png["media_type"] == "image/png" and png["has_thumbnail"]
    fake = upload(api, record["id"], b"just text, honestly", name="photo.jpg").json()
    assert fake["media_type"] == "application/octet-stream" and fake["thumbnail_url"] is None
    served = api.get(fake["url"], as_="planner-mkt")
    assert served.headers["content-type"].startswith("application/octet-stream")
    assert served.headers["content-disposition"].startswith("attachment")
    tiff = io.BytesIO()
    Image.new("RGB", (10, 10)).save(tiff, "TIFF")
    _problem(upload(api, record["id"], tiff.getvalue(), name="scan.tif"), 415, "unsupported_image")
    assert upload(api, record["id"], PDF, name="report.pdf").json()["media_type"] == "application/pdf"


def test_oversize_is_refused_with_413_problem_json(settings: Settings, world: World, backend: str) -> None:
    small = dataclasses.replace(settings, max_upload_bytes=4096)
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        api = Api(client=client, world=world, backend=backend)
        record = create_record(api)
        body = _problem(upload(api, record["id"], b"x" * 5000, name="big.bin"), 413, "payload_too_large")
        assert body["max_bytes"] == 4096
        # Far past the limit: refused by Litestar's own body limit, still as problem+json.
        _problem(upload(api, record["id"], b"x" * 200_000, name="huge.bin"), 413, "payload_too_large")
        assert upload(api, record["id"], b"x" * 4096, name="fits.bin").status_code == 201
        schema = client.get("/schema/openapi.json").json()
        operation = schema["paths"]["/api/v1/nonsite/records/{record_id}/evidence"]["post"]
        assert "4096 bytes" in operation["description"] and "413" in operation["responses"]
        assert len(kept_files(small.data_dir)) == 1


def test_uploads_are_idempotent_by_hash(api: Api) -> None:
    first, second = create_record(api), create_record(api)
    created = upload(api, first["id"], PDF, name="report.pdf")
    assert created.status_code == 201
    again = upload(api, first["id"], PDF, name="other-name.pdf")
    assert again.status_code == 200 and again.json() == created.json()
    elsewhere = upload(api, second["id"], PDF, as_="planner-mkt")
    assert elsewhere.status_code == 200 and elsewhere.json()["sha256"] == created.json()["sha256"]
    for record in (first, second):
        listed = api.get(f"{RECORDS}/{record['id']}", as_="planner-mkt").json()["evidence"]
        assert [e["sha256"] for e in listed] == [sha256(PDF)]
    photo = jpeg_with_gps()
    assert upload(api, first["id"], photo).status_code == 201
    assert upload(api, first["id"], photo).status_code == 200
    data_dir = api.app.state.settings.data_dir
    assert len(kept_files(data_dir)) == 3  # the PDF once, the photo and its thumbnail once
    assert list((data_dir / "evidence" / ".tmp").iterdir()) == []


def test_a_path_traversal_file_name_is_harmless(api: Api) -> None:
    record = create_record(api)
    data_dir = api.app.state.settings.data_dir
    for name, kept_as in [("../../etc/passwd", "passwd"), ("..\\..\\boot.ini", "boot.ini"), ("../..", "file")]:
        content = f"payload for {name}".encode()
        evidence = upload(api, record["id"], content, name=name).json()
        assert evidence["filename"] == kept_as
        served = api.get(evidence["url"], as_="planner-mkt")
        assert served.content == content and f'filename="{kept_as}"' in served.headers["content-disposition"]
    root = data_dir / "evidence"
    assert all(LAYOUT.match(p.relative_to(root).as_posix()) for p in kept_files(data_dir))
    assert not (data_dir / "etc").exists() and not (data_dir.parent / "etc").exists()
    # (the SQLite file's WAL companions live beside it while the app serves)
    assert {p.name for p in data_dir.parent.iterdir()} <= {"data", "db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"}


def test_evidence_is_served_only_to_roles_that_may_see_its_record(api: Api) -> None:
    record = create_record(api)
    evidence = upload(api, record["id"], jpeg_with_gps()).json()
    for who in ["inspector-mkt1", "planner-mkt", "approver-mkt", "supervisor", "admin", "enterprise-a"]:
        assert api.get(evidence["url"], as_=who).status_code == 200, who
        assert api.get(evidence["thumbnail_url"], as_=who).status_code == 200, who
    for who in ["enterprise-b", "planner-fire", "inspector-fire1"]:
        assert api.get(evidence["url"], as_=who).status_code == 404, who
        assert api.get(evidence["thumbnail_url"], as_=who).status_code == 404, who
    assert api.get(evidence["url"]).status_code == 401
    assert api.get(f"/api/v1/nonsite/evidence/{'0' * 64}", as_="admin").status_code == 404

    assert upload(api, record["id"], PDF, as_="enterprise-a").status_code == 403
    assert upload(api, record["id"], PDF, as_="supervisor").status_code == 403
    _problem(upload(api, record["id"], PDF, as_="planner-fire"), 404, "record_not_found")
    _problem(upload(api, record["id"], PDF, as_="inspector-mkt2"), 403, "not_your_record")
    anonymous = api.client.post(f"{RECORDS}/{record['id']}/evidence", files={"file": ("a.pdf", PDF)})
    assert anonymous.status_code == 401

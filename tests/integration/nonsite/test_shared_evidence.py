"""Evidence on PostgreSQL is kept in the database too: a machine whose directory lacks a file still serves it."""

from __future__ import annotations

import shutil

import pytest

from tests.support.api import Api
from tests.support.nonsite import create_record, jpeg_with_gps, kept_files, sha256, upload

EVIDENCE = "/api/v1/nonsite/evidence"


def test_a_file_missing_from_this_machine_is_served_from_the_database(api: Api, backend: str) -> None:
    if backend != "postgres":
        pytest.skip("the embedded default keeps evidence in its directory only")
    record = create_record(api)
    photo = jpeg_with_gps()
    created = upload(api, record["id"], photo)
    assert created.status_code == 201
    data_dir = api.app.state.settings.data_dir
    served_before = api.get(f"{EVIDENCE}/{sha256(photo)}", as_="planner-mkt")
    shutil.rmtree(data_dir / "evidence")  # another machine, which never saw the upload
    served = api.get(f"{EVIDENCE}/{sha256(photo)}", as_="planner-mkt")
    assert served.status_code == 200 and served.content == served_before.content
    thumbnail = api.get(f"{EVIDENCE}/{sha256(photo)}/thumbnail", as_="planner-mkt")
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\xff\xd8")
    assert len(kept_files(data_dir)) == 2  # both cached again on this machine

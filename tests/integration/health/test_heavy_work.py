"""Heavy work runs off the event loop: /health answers while an import is being parsed (issue 13)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from api.catalogue import spreadsheets
from tests.support.api import Api
from tests.support.hostile import empty_rows_workbook, png_claiming
from tests.support.nonsite import create_record, upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WAIT_S = 30  # a bound for a broken run, never a measurement


def test_health_answers_while_a_hostile_import_is_parsed(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The import's parser is held inside its worker until /health has answered. Were parsing on the event
    loop, /health could not answer before the parser was released, and the parser would time out instead."""
    parsing, released = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}
    real = spreadsheets.read_table  # type: ignore[attr-defined]

    def held(*args: Any) -> Any:
        seen["thread"] = threading.current_thread().name
        parsing.set()
        seen["released_by_health"] = released.wait(WAIT_S)
        return real(*args)

    monkeypatch.setattr(spreadsheets, "read_table", held)
    content = empty_rows_workbook(600_000, ["事项编码", "实施主体", "检查事项名称"])

    def post_import() -> None:
        seen["import"] = api.post(
            "/api/v1/catalogue/items/import",
            as_="planner-mkt",
            files={"file": ("hostile.xlsx", content, XLSX)},
        )

    worker = threading.Thread(target=post_import)
    worker.start()
    assert parsing.wait(WAIT_S)
    health = api.get("/health")
    released.set()
    worker.join(WAIT_S)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert seen["released_by_health"] is True, "the import held the event loop: /health waited for it"
    assert seen["import"].status_code == 413 and seen["import"].json()["code"] == "too_many_rows"


def test_an_image_claiming_too_many_pixels_is_refused_unread(api: Api) -> None:
    record = create_record(api)
    bomb = png_claiming(8000, 7500)  # 60 megapixels claimed in a few hundred bytes
    answer = upload(api, record["id"], bomb, name="bomb.png")
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "image_too_large"
    assert api.get("/health").status_code == 200

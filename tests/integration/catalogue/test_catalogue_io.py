"""Excel/CSV export and import of the three lists, on both backends."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.support.api import Api

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MKT = "历城区市场监督管理局"
ITEM_HEADERS = ["事项编码", "实施主体", "检查事项名称", "设定依据", "检查对象", "检查方式"]
ITEM_HEADERS += ["频次上限", "可非现场", "类别", "状态"]
KNOWN_ROWS = {
    "items": {
        "事项编码": "MKT-001",
        "实施主体": MKT,
        "实施主体编码": "MKT",
        "检查事项名称": "MKT-001 检查事项",
        "设定依据": "《中华人民共和国食品安全法》第八十七条",
        "检查对象": "食品经营者",
        "检查方式": "现场",
        "频次上限": "2",
        "可非现场": "否",
        "类别": "随机抽查",
        "状态": "已发布",
        "版本": "1",
    },
    "scenarios": {
        "场景编码": "SC-REST",
        "场景名称": "餐饮服务单位联合检查",
        "适用行业": "H62",
        "牵头单位": MKT,
        "牵头单位编码": "MKT",
        "检查事项编码": "MKT-001、FIRE-001",
        "状态": "已发布",
        "版本": "1",
    },
    "library": {
        "事项编码": "MKT-ND",
        "事项名称": "MKT-ND 检查事项",
        "实施主体": MKT,
        "触发条件": "投诉举报、数据监测",
        "备注": "",
        "状态": "已发布",
        "版本": "1",
    },
}
LISTS = list(KNOWN_ROWS)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def read_xlsx(content: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV export starts with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def make_xlsx(headers: list[str], rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def make_csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows([headers, *rows])
    return out.getvalue().encode("utf-8")


def export(api: Api, list_name: str, fmt: str, as_: str = "admin") -> Any:
    return api.get(f"/api/v1/catalogue/{list_name}/export", as_=as_, params={"format": fmt})


def upload(
    api: Api, list_name: str, name: str, content: bytes, *, as_: str = "planner-mkt", dry_run: bool = False
) -> Any:
    media = XLSX if name.endswith(".xlsx") else "text/csv"
    return api.post(
        f"/api/v1/catalogue/{list_name}/import",
        as_=as_,
        params={"dry_run": str(dry_run).lower()},
        files={"file": (name, content, media)},
    )


def versions(api: Api) -> dict[str, int]:
    return dict(api.get("/api/v1/catalogue/versions", as_="admin").json())


def item_count(api: Api) -> int:
    return int(api.get("/api/v1/items", as_="admin", params={"limit": 1}).json()["total"])


def errors_of(response: Any) -> set[tuple[int, str, str]]:
    return {(e["row"], e["column"], e["code"]) for e in response.json()["errors"]}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("list_name", LISTS)
def test_export_has_the_list_layout_and_the_known_row(api: Api, list_name: str, fmt: str) -> None:
    response = export(api, list_name, fmt)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(XLSX if fmt == "xlsx" else "text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f'filename="ruqi-{list_name}-v' in disposition
    assert f".{fmt}" in disposition and "filename*=UTF-8''" in disposition
    rows = read_xlsx(response.content) if fmt == "xlsx" else read_csv(response.content)
    known = KNOWN_ROWS[list_name]
    assert rows[0] == list(known)
    assert list(known.values()) in rows[1:]


def test_enterprises_export_published_records_only(api: Api) -> None:
    staff = [r[0] for r in read_csv(export(api, "items", "csv", as_="planner-mkt").content)[1:]]
    public = [r[0] for r in read_csv(export(api, "items", "csv", as_="enterprise-a").content)[1:]]
    assert "MKT-003" in staff and "MKT-003" not in public
    assert "MKT-001" in public


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("list_name", LISTS)
def test_round_trip_changes_nothing(api: Api, list_name: str, fmt: str) -> None:
    before = versions(api)
    exported = export(api, list_name, fmt)
    rows = read_xlsx(exported.content) if fmt == "xlsx" else read_csv(exported.content)
    response = upload(api, list_name, f"{list_name}.{fmt}", exported.content)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["applied"] is True and body["dry_run"] is False and body["errors"] == []
    assert body["counts"] == {"created": 0, "updated": 0, "unchanged": len(rows) - 1}
    assert versions(api) == before


def mixed_items_file() -> bytes:
    return make_xlsx(
        ITEM_HEADERS,
        [
            ["MKT-010", "MKT", "新增事项", "《食品安全法》", "食品经营者", "现场", 1, "否", "随机抽查", "草稿"],
            ["MKT-011", "MKT", "方式错误", "", "", "上门", 1, "否", "随机抽查", "草稿"],
            ["MKT-012", "不存在的局", "单位错误", "", "", "现场", 1, "否", "随机抽查", "草稿"],
            ["MKT-013", MKT, "频次错误", "", "", "现场", "abc", "否", "随机抽查", "草稿"],
            ["MKT-014", "MKT", "", "", "", "现场", 1, "否", "随机抽查", "草稿"],
            ["FIRE-010", "FIRE", "他人单位事项", "", "", "现场", 1, "否", "随机抽查", "草稿"],
            ["MKT-002", MKT, "改名的事项", "", "", "现场", 1, "是", "重点监管", "已发布"],
        ],
    )


MIXED_ERRORS = {
    (3, "检查方式", "invalid_value"),
    (4, "实施主体", "unit_not_found"),
    (5, "频次上限", "invalid_value"),
    (6, "检查事项名称", "required"),
    (7, "实施主体", "not_your_unit"),
}


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_file_with_bad_rows_lists_each_and_applies_nothing(api: Api, dry_run: bool) -> None:
    before, count = versions(api), item_count(api)
    response = upload(api, "items", "mixed.xlsx", mixed_items_file(), dry_run=dry_run)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "import_rejected" and body["applied"] is False and body["dry_run"] is dry_run
    assert errors_of(response) == MIXED_ERRORS
    assert all(e["message"] for e in body["errors"])
    assert versions(api) == before and item_count(api) == count
    assert api.get("/api/v1/items/MKT-010", as_="admin").status_code == 404
    assert api.get("/api/v1/items/MKT-002", as_="admin").json()["name"] == "MKT-002 检查事项"


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_scenario_of_a_single_unit_is_refused_with_the_rest_of_the_file(api: Api, dry_run: bool) -> None:
    before = versions(api)
    content = make_csv(
        ["场景编码", "场景名称", "适用行业", "牵头单位", "检查事项编码", "状态"],
        [
            ["SC-NEW", "食品与消防联合检查", "H62;H61", MKT, "MKT-002、FIRE-002", "已发布"],
            ["SC-ONE", "只有一个单位", "H62", "MKT", "MKT-001,MKT-002", "已发布"],
        ],
    )
    response = upload(api, "scenarios", "scenarios.csv", content, dry_run=dry_run)
    assert response.status_code == 422, response.text
    assert errors_of(response) == {(3, "检查事项编码", "scenario_single_unit")}
    assert versions(api) == before
    assert api.get("/api/v1/scenarios/SC-NEW", as_="admin").status_code == 404


def test_a_clean_dry_run_reports_and_changes_nothing(api: Api) -> None:
    before, count = versions(api), item_count(api)
    content = make_xlsx(
        ITEM_HEADERS,
        [
            ["MKT-010", "MKT", "新增事项", "", "", "非现场", 3, "是", "重点监管", "草稿"],
            ["MKT-003", MKT, "MKT-003 检查事项", "", "", "现场", 1, "否", "随机抽查", "已发布"],
        ],
    )
    response = upload(api, "items", "clean.xlsx", content, dry_run=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dry_run"] is True and body["applied"] is False
    assert body["counts"] == {"created": 1, "updated": 1, "unchanged": 0}
    assert versions(api) == before and item_count(api) == count
    assert api.get("/api/v1/items/MKT-003", as_="admin").json()["status"] == "draft"


def history(api: Api, path: str) -> list[dict[str, Any]]:
    response = api.get(f"{path}/history", as_="planner-mkt")
    assert response.status_code == 200, response.text
    return list(response.json())


def test_a_clean_import_creates_and_updates_with_versions_naming_the_file(api: Api) -> None:
    before = versions(api)
    content = make_xlsx(
        ITEM_HEADERS,
        [
            [
                *("MKT-020", MKT, "网络餐饮检查", "《网络餐饮服务食品安全监督管理办法》", "平台", "书面"),
                *("2次/年", "是", "无事不扰", "已发布"),
            ],
            ["MKT-003", "MKT", "MKT-003 检查事项", "", "", "现场", 3, "否", "随机抽查", "已发布"],
            [
                *("MKT-001", MKT, "MKT-001 检查事项", "《中华人民共和国食品安全法》第八十七条", "食品经营者"),
                *("现场", 2, "否", "随机抽查", "已发布"),
            ],
        ],
    )
    response = upload(api, "items", "事项清单2025.xlsx", content)
    assert response.status_code == 200, response.text
    assert response.json()["counts"] == {"created": 1, "updated": 1, "unchanged": 1}
    created = api.get("/api/v1/items/MKT-020", as_="admin").json()
    assert (created["method"], created["yearly_cap"], created["category"]) == ("document", 2, "no_disturbance")
    updated = api.get("/api/v1/items/MKT-003", as_="admin").json()
    assert (updated["status"], updated["yearly_cap"], updated["version"]) == ("published", 3, 2)
    assert history(api, "/api/v1/items/MKT-020")[-1]["reason"] == "导入 事项清单2025.xlsx"
    assert history(api, "/api/v1/items/MKT-003")[-1]["reason"] == "导入 事项清单2025.xlsx"
    assert versions(api)["items"] == before["items"] + 2

    library = make_csv(["事项编码", "触发条件", "备注"], [["MKT-020", "投诉举报；事故", "平台数据异常时"]])
    response = upload(api, "library", "library.csv", library)
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["created"] == 1
    entry = api.get("/api/v1/library/MKT-020", as_="admin").json()
    assert entry["triggers"] == ["complaint", "accident"] and entry["status"] == "published"
    assert history(api, "/api/v1/library/MKT-020")[-1]["reason"] == "导入 library.csv"

    scenarios = make_csv(
        ["场景编码", "场景名称", "牵头单位编码", "检查事项编码", "状态"],
        [
            ["SC-WEB", "网络餐饮联合检查", "MKT", "MKT-003、FIRE-002", "已发布"],
            ["SC-REST", "餐饮服务单位联合检查", "MKT", "MKT-001、FIRE-001", "已废止"],
        ],
    )
    response = upload(api, "scenarios", "scenarios.csv", scenarios)
    assert response.status_code == 200, response.text
    assert response.json()["counts"] == {"created": 1, "updated": 1, "unchanged": 0}
    assert api.get("/api/v1/scenarios/SC-WEB", as_="admin").json()["unit_codes"] == ["FIRE", "MKT"]
    retired = history(api, "/api/v1/scenarios/SC-REST")[-1]
    assert (retired["action"], retired["reason"]) == ("retire", "导入 scenarios.csv")


def test_a_planner_cannot_change_another_units_item(api: Api) -> None:
    content = make_csv(ITEM_HEADERS, [["MKT-001", MKT, "被改名", "", "", "现场", 2, "否", "随机抽查", "已发布"]])
    response = upload(api, "items", "fire.csv", content, as_="planner-fire")
    assert response.status_code == 422, response.text
    assert errors_of(response) == {(2, "实施主体", "not_your_unit")}


@pytest.mark.parametrize("user", ["enterprise-a", "inspector-mkt1"])
def test_only_planners_and_admins_import(api: Api, user: str) -> None:
    response = upload(api, "items", "items.csv", make_csv(ITEM_HEADERS, []), as_=user)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("name", ["items.txt", "items.xls", "items"])
def test_other_file_types_are_refused(api: Api, name: str) -> None:
    response = api.post(
        "/api/v1/catalogue/items/import",
        as_="planner-mkt",
        files={"file": (name, b"hello", "text/plain")},
    )
    assert response.status_code == 415, response.text
    assert response.json()["code"] == "unsupported_file_type"


def test_a_corrupt_workbook_is_a_400_problem(api: Api) -> None:
    response = upload(api, "items", "items.xlsx", b"PK\x03\x04 this is not a workbook")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "unreadable_file"


def test_a_csv_that_is_not_utf8_is_a_400_problem(api: Api) -> None:
    content = "事项编码,实施主体,检查事项名称\nMKT-030,MKT,新增\n".encode("gbk")
    response = upload(api, "items", "items.csv", content)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_encoding"
    assert "UTF-8" in response.json()["detail"]


def test_a_missing_required_column_and_a_repeated_code_are_reported(api: Api) -> None:
    missing = upload(api, "items", "items.csv", make_csv(["事项编码", "检查事项名称"], [["MKT-030", "新增"]]))
    assert missing.status_code == 422
    assert errors_of(missing) == {(1, "实施主体", "missing_column")}
    rows = [["MKT-030", "MKT", "新增"], ["MKT-030", "MKT", "又一次"]]
    repeated = upload(api, "items", "items.csv", make_csv(["事项编码", "实施主体", "检查事项名称"], rows))
    assert repeated.status_code == 422
    assert errors_of(repeated) == {(3, "事项编码", "duplicate_code")}


def test_row_errors_are_chinese_by_default_and_english_on_request(api: Api) -> None:
    chinese = upload(api, "items", "mixed.xlsx", mixed_items_file(), dry_run=True).json()
    english = api.client.post(
        "/api/v1/catalogue/items/import",
        headers={**api.headers("planner-mkt"), "Accept-Language": "en"},
        params={"dry_run": "true"},
        files={"file": ("mixed.xlsx", mixed_items_file(), XLSX)},
    ).json()
    by_row = {e["row"]: e["message"] for e in chinese["errors"]}
    assert by_row[6] == "检查事项名称 不能为空。" and chinese["detail"].endswith("全部未导入。")
    assert {e["row"]: e["message"] for e in english["errors"]}[6] == "检查事项名称 must not be empty."
    assert english["detail"].endswith("nothing was applied.")

"""The metrics as a workbook people can read: Chinese headers, one sheet per section.

Sheets: 概览 (the period, inspections, rates and year on year), 各单位, 月度, 预警 (the counts), then one sheet
per warning list (unit names beside their codes, reasons in words), and — for supervisors — 投诉 and 评价.
The CSV file holds the same tables one after another, each under a 【title】 line.
Rates are fractions (0.75 = 75 %), as in the JSON.
"""

from __future__ import annotations

from typing import Any

from api.labels import LABELS
from api.metrics.schemas import Metrics, YearOnYear
from api.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Sheet, write_csv_sections, write_workbook
from models.enums import ComplaintStatus

COMPLAINT_STATUS = LABELS[ComplaintStatus]
OFFSITE_PROBLEMS = {"no_position": "无定位", "poor_accuracy": "定位精度不足", "mock_location": "模拟定位"}
FREQUENCY_KIND = {"day": "同一天", "week": "同一周", "month": "同一月"}
UNFILED_REASONS = {"no_matching_visit": "无匹配的已备案、已批准检查"}
SCAN_KIND = {"arrival": "到场", "presence": "在场"}


def _unit_names(m: Metrics) -> dict[str, str]:
    return {u.unit_code: u.unit_name for u in m.units}


def _overview(m: Metrics) -> Sheet:
    i, r = m.inspections, m.rates
    rows: list[list[Any]] = [
        ["统计期间", m.period.label, f"{m.period.start.isoformat()} 至 {m.period.last_day.isoformat()}（含）"],
        [
            "统计范围",
            _unit_names(m).get(m.unit_code, m.unit_code) if m.unit_code else "全区",
            "单位视图只含本单位参与的检查" if m.unit_code else "",
        ],
        ["现场检查（次）", i.onsite, "已实施的执法检查，联合检查计一次"],
        ["联合检查（次）", i.joint, "两个及以上单位共同实施"],
        ["非现场检查（次）", i.nonsite, "无人机、无人船、远程视频、监控等"],
        ["检查总数（次）", i.total, "现场 + 非现场"],
        *_yoy("现场检查", i.yoy_onsite),
        *_yoy("非现场检查", i.yoy_nonsite),
        *_yoy("检查总数", i.yoy_total),
        ["联合检查率", r.joint_rate, "联合检查 / 现场检查"],
        ["已离场的现场检查（次）", r.checked_out, ""],
        ["其中有效扫码入企（次）", r.checked_out_with_scan, "到场时有效扫描企业码"],
        ["扫码入企率", r.scan_rate, "有效扫码入企 / 已离场的现场检查"],
        ["非现场检查占比", r.nonsite_share, "非现场 / 检查总数"],
        ["计划执行率", r.plan_execution_rate, r.plan_execution_note or "到期的公示计划任务中已实施的比例"],
    ]
    return Sheet(title="概览", headers=["指标", "数值", "说明"], rows=rows)


def _yoy(label: str, yoy: YearOnYear) -> list[list[Any]]:
    return [
        [f"{label}：上年同期（次）", yoy.last_year, ""],
        [f"{label}：同比变化（%）", yoy.change_percent, "上年同期为 0 时不计算"],
    ]


def _units(m: Metrics) -> Sheet:
    headers = [
        "单位",
        "单位编码",
        "现场检查",
        "联合检查",
        "非现场检查",
        "检查总数",
        "已离场",
        "有效扫码入企",
        "联合检查率",
        "扫码入企率",
        "非现场占比",
        "上年同期总数",
        "同比变化（%）",
    ]
    rows = [
        [
            u.unit_name,
            u.unit_code,
            u.onsite,
            u.joint,
            u.nonsite,
            u.total,
            u.checked_out,
            u.checked_out_with_scan,
            u.joint_rate,
            u.scan_rate,
            u.nonsite_share,
            u.last_year_total,
            u.yoy_percent,
        ]
        for u in m.units
    ]
    return Sheet(title="各单位", headers=headers, rows=rows)


def _monthly(m: Metrics) -> Sheet:
    s = m.monthly
    headers = [
        "月份",
        f"{s.year}年现场检查",
        f"{s.year}年非现场检查",
        f"{s.last_year}年现场检查",
        f"{s.last_year}年非现场检查",
    ]
    rows = [[f"{p.month}月", p.onsite, p.nonsite, p.last_year_onsite, p.last_year_nonsite] for p in s.months]
    return Sheet(title="月度", headers=headers, rows=rows)


def _warnings(m: Metrics) -> list[Sheet]:
    w = m.warnings
    names = _unit_names(m)
    summary = Sheet(
        title="预警",
        headers=["预警", "数量", "说明"],
        rows=[
            ["检查过频：同一天", w.frequency.day, "同一企业一天内超过 1 次现场检查的企业数"],
            ["检查过频：同一周", w.frequency.week, "同一企业一周内超过 2 次的企业数"],
            ["检查过频：同一月", w.frequency.month, "同一企业一月内超过 3 次的企业数"],
            ["达到年度检查上限", len(w.caps_reached), "企业 × 单位"],
            ["连续无问题检查", len(w.low_yield), "同一单位对同一企业连续 3 次以上无问题"],
            ["紧急检查逾期未补批", len(w.emergency_overdue), ""],
            ["未备案扫码", w.unfiled_attempts.count, "被拒绝并记录的入企扫码"],
            ["补录扫码", w.backfilled_scans.count, "系统故障后补录"],
            ["未能证明在场的扫码", w.offsite_scans.count, "无定位、精度不足或模拟定位：不计入扫码入企率"],
        ],
    )
    frequency = Sheet(
        title="检查过频",
        headers=["企业", "统一社会信用代码", "类型", "起始日", "检查次数", "上限"],
        rows=[
            [f.enterprise_name, f.uscc, FREQUENCY_KIND.get(f.kind, f.kind), f.bucket_start, f.visits, f.limit]
            for f in w.frequency_rows
        ],
    )
    caps = Sheet(
        title="达到年度上限",
        headers=["企业", "统一社会信用代码", "单位", "单位编码", "年度", "现场检查次数", "年度上限", "已超过"],
        rows=[
            [
                c.enterprise_name,
                c.uscc,
                names.get(c.unit_code, ""),
                c.unit_code,
                c.year,
                c.visits,
                c.cap,
                "是" if c.exceeded else "否",
            ]
            for c in w.caps_reached
        ],
    )
    low_yield = Sheet(
        title="连续无问题检查",
        headers=["企业", "统一社会信用代码", "单位", "单位编码", "年度", "连续次数", "首次", "最近"],
        rows=[
            [
                s.enterprise_name,
                s.uscc,
                names.get(s.unit_code, ""),
                s.unit_code,
                s.year,
                s.streak,
                s.first_window_start,
                s.last_window_start,
            ]
            for s in w.low_yield
        ],
    )
    overdue = Sheet(
        title="紧急检查逾期",
        headers=["检查编号", "企业", "统一社会信用代码", "牵头单位", "牵头单位编码", "开始时间", "补批期限"],
        rows=[
            [
                e.visit_id,
                e.enterprise_name,
                e.uscc,
                names.get(e.lead_unit_code, ""),
                e.lead_unit_code,
                e.window_start,
                e.approval_due_at,
            ]
            for e in w.emergency_overdue
        ],
    )
    unfiled = Sheet(
        title="未备案扫码",
        headers=["记录编号", "时间", "账号", "统一社会信用代码", "原因"],
        rows=[
            [a.id, a.at, a.username, a.uscc, UNFILED_REASONS.get(a.reason, a.reason)] for a in w.unfiled_attempts.latest
        ],
    )
    backfilled = Sheet(
        title="补录扫码",
        headers=["扫码编号", "检查编号", "时间", "类型", "补录原因"],
        rows=[
            [b.scan_id, b.visit_id, b.at, SCAN_KIND.get(b.kind, b.kind), b.reason] for b in w.backfilled_scans.latest
        ],
    )
    offsite = Sheet(
        title="未能证明在场的扫码",
        headers=["扫码编号", "检查编号", "时间", "类型", "原因"],
        rows=[
            [
                o.scan_id,
                o.visit_id,
                o.at,
                SCAN_KIND.get(o.kind, o.kind),
                OFFSITE_PROBLEMS.get(o.problem, o.problem),
            ]
            for o in w.offsite_scans.latest
        ],
    )
    return [summary, frequency, caps, low_yield, overdue, unfiled, backfilled, offsite]


def _feedback(m: Metrics) -> list[Sheet]:
    sheets = []
    if m.complaints is not None:
        rows: list[list[Any]] = [["投诉总数", m.complaints.total], ["逾期未办结", m.complaints.overdue]]
        rows += [[f"状态：{COMPLAINT_STATUS.get(k, k)}", n] for k, n in m.complaints.by_status.items()]
        sheets.append(Sheet(title="投诉", headers=["项目", "数量"], rows=rows))
    if m.ratings is not None:
        rows = [["评价数", m.ratings.count], ["平均分", m.ratings.average]]
        rows += [[f"{score} 星", n] for score, n in sorted(m.ratings.distribution.items())]
        sheets.append(Sheet(title="评价", headers=["项目", "数量"], rows=rows))
    return sheets


def export_sheets(m: Metrics) -> list[Sheet]:
    return [_overview(m), _units(m), _monthly(m), *_warnings(m), *_feedback(m)]


def export_file(m: Metrics, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) for ``xlsx`` or ``csv``."""
    sheets = export_sheets(m)
    name = f"metrics-{m.period.label.replace('..', '_')}{'-' + m.unit_code if m.unit_code else ''}"
    if fmt == "csv":
        return write_csv_sections(sheets), CSV_MEDIA_TYPE, f"{name}.csv"
    return write_workbook(sheets), XLSX_MEDIA_TYPE, f"{name}.xlsx"

"""The metrics as one long table for Excel or CSV: section, figure, unit, value, and a Chinese label.

Every number of the JSON appears once, so a spreadsheet can pivot it; warnings are listed row by row.
"""

from __future__ import annotations

from typing import Any

from api.metrics.schemas import Metrics, YearOnYear
from api.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, write_csv, write_xlsx

HEADERS = ["section", "figure", "unit_code", "value", "说明"]
Row = tuple[str, str, str, Any, str]

LABELS = {
    "onsite": "现场检查（次）",
    "joint": "联合检查（次）",
    "nonsite": "非现场检查（次）",
    "total": "检查总数（次）",
    "checked_out": "已离场的现场检查",
    "checked_out_with_scan": "其中有效扫码入企",
    "joint_rate": "联合检查率",
    "scan_rate": "扫码入企率",
    "nonsite_share": "非现场检查占比",
    "plan_execution_rate": "计划执行率",
    "last_year_total": "上年同期检查总数",
    "yoy_percent": "同比变化（%）",
}


UNIT_FIGURES = [k for k in LABELS if k != "plan_execution_rate"]


def _yoy(name: str, yoy: YearOnYear, unit: str) -> list[Row]:
    label = LABELS.get(name, name)
    return [
        ("yoy", f"{name}.current", unit, yoy.current, f"{label}：本期"),
        ("yoy", f"{name}.last_year", unit, yoy.last_year, f"{label}：上年同期"),
        ("yoy", f"{name}.change_ratio", unit, yoy.change_ratio, f"{label}：同比变化率"),
        ("yoy", f"{name}.change_percent", unit, yoy.change_percent, f"{label}：同比变化（%）"),
    ]


def export_rows(m: Metrics) -> list[Row]:
    unit = m.unit_code or ""
    rows: list[Row] = [
        ("period", "label", unit, m.period.label, "统计期间"),
        ("period", "start", unit, m.period.start.isoformat(), "起始日"),
        ("period", "last_day", unit, m.period.last_day.isoformat(), "截止日（含）"),
    ]
    i = m.inspections
    rows += [("inspections", k, unit, getattr(i, k), LABELS[k]) for k in ("onsite", "joint", "nonsite", "total")]
    rows += _yoy("onsite", i.yoy_onsite, unit) + _yoy("nonsite", i.yoy_nonsite, unit) + _yoy("total", i.yoy_total, unit)
    r = m.rates
    for key in ("joint_rate", "checked_out", "checked_out_with_scan", "scan_rate", "nonsite_share"):
        rows.append(("rates", key, unit, getattr(r, key), LABELS[key]))
    note = f"（{r.plan_execution_note}）" if r.plan_execution_note else ""
    rows.append(("rates", "plan_execution_rate", unit, r.plan_execution_rate, LABELS["plan_execution_rate"] + note))
    for u in m.units:
        rows += [("units", k, u.unit_code, getattr(u, k), f"{u.unit_name}：{LABELS[k]}") for k in UNIT_FIGURES]
    for p in m.monthly.months:
        rows.append(("monthly", f"{m.monthly.year}-{p.month:02d}.onsite", unit, p.onsite, "现场检查"))
        rows.append(("monthly", f"{m.monthly.year}-{p.month:02d}.nonsite", unit, p.nonsite, "非现场检查"))
        rows.append(("monthly", f"{m.monthly.last_year}-{p.month:02d}.onsite", unit, p.last_year_onsite, "现场检查"))
        rows.append(
            ("monthly", f"{m.monthly.last_year}-{p.month:02d}.nonsite", unit, p.last_year_nonsite, "非现场检查")
        )
    rows += _warning_rows(m, unit)
    if m.complaints is not None:
        rows.append(("complaints", "total", unit, m.complaints.total, "投诉总数"))
        rows += [("complaints", s, unit, n, "按状态") for s, n in m.complaints.by_status.items()]
        rows.append(("complaints", "overdue", unit, m.complaints.overdue, "逾期未办结"))
    if m.ratings is not None:
        rows.append(("ratings", "count", unit, m.ratings.count, "评价数"))
        rows.append(("ratings", "average", unit, m.ratings.average, "平均分"))
        rows += [("ratings", f"score_{s}", unit, n, f"{s} 星") for s, n in m.ratings.distribution.items()]
    return rows


def _warning_rows(m: Metrics, unit: str) -> list[Row]:
    w = m.warnings
    rows: list[Row] = [
        ("warnings", "frequency.day", unit, w.frequency.day, "超过每日 1 次的企业数"),
        ("warnings", "frequency.week", unit, w.frequency.week, "超过每周 2 次的企业数"),
        ("warnings", "frequency.month", unit, w.frequency.month, "超过每月 3 次的企业数"),
        ("warnings", "caps_reached", unit, len(w.caps_reached), "达到年度检查上限（企业×单位）"),
        ("warnings", "low_yield", unit, len(w.low_yield), "连续 3 次无问题检查"),
        ("warnings", "emergency_overdue", unit, len(w.emergency_overdue), "紧急检查逾期未补批"),
        ("warnings", "unfiled_attempts", unit, w.unfiled_attempts.count, "未备案扫码"),
        ("warnings", "backfilled_scans", unit, w.backfilled_scans.count, "补录扫码"),
        ("warnings", "offsite_scans", unit, w.offsite_scans.count, "未能证明在场的扫码（无定位、精度不足或模拟定位）"),
    ]
    for f in w.frequency_rows:
        rows.append(
            ("frequency_warning", f"{f.kind}:{f.bucket_start.isoformat()}:{f.uscc}", "", f.visits, f.enterprise_name)
        )
    rows += [("cap_reached", f"{c.year}:{c.uscc}", c.unit_code, c.visits, c.enterprise_name) for c in w.caps_reached]
    rows += [("low_yield", f"{s.year}:{s.uscc}", s.unit_code, s.streak, s.enterprise_name) for s in w.low_yield]
    for e in w.emergency_overdue:
        rows.append(("emergency_overdue", f"visit:{e.visit_id}", e.lead_unit_code, e.approval_due_at.isoformat(), ""))
    return rows


def export_file(m: Metrics, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) for ``xlsx`` or ``csv``."""
    rows = [tuple("" if v is None else v for v in row) for row in export_rows(m)]
    name = f"metrics-{m.period.label.replace('..', '_')}{'-' + m.unit_code if m.unit_code else ''}"
    if fmt == "csv":
        return write_csv(HEADERS, rows), CSV_MEDIA_TYPE, f"{name}.csv"
    return write_xlsx("metrics", HEADERS, rows), XLSX_MEDIA_TYPE, f"{name}.xlsx"

"""Server-side SVG charts of the metrics (pygal), safe to inline in a page that runs no script.

pygal always embeds a small configuration ``<script>`` for its optional tooltips; with ``js=[]`` nothing
would use it, and the dashboard's Content-Security-Policy allows no script, so it is removed here.
"""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

from api.metrics.schemas import Metrics

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
FONT = '"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif'
STYLE = Style(
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    value_font_family=FONT,
    title_font_family=FONT,
    legend_font_family=FONT,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2937",
    foreground_strong="#111827",
    foreground_subtle="#9ca3af",
    title_font_size=18,
    legend_font_size=14,
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=12,
    colors=("#1d4ed8", "#059669", "#93c5fd", "#6ee7b7"),
)
MONTHS = [f"{m}月" for m in range(1, 13)]


def _options(**extra: object) -> dict[str, object]:
    return {
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": False,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 4,
        "print_values": False,
        "include_x_axis": True,
        "no_data_text": "暂无数据",  # pygal's default is English
        **extra,
    }


def _svg(chart: pygal.graph.graph.Graph) -> str:
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def monthly_chart(m: Metrics) -> str:
    """On-site and non-site inspections per month, this year and last year."""
    year, last = m.monthly.year, m.monthly.last_year
    chart = pygal.Bar(**_options(width=1100, height=420, title=f"每月检查次数 {year} 与 {last}"))
    chart.x_labels = MONTHS
    chart.add(f"{year} 现场", [p.onsite for p in m.monthly.months])
    chart.add(f"{year} 非现场", [p.nonsite for p in m.monthly.months])
    chart.add(f"{last} 现场", [p.last_year_onsite for p in m.monthly.months])
    chart.add(f"{last} 非现场", [p.last_year_nonsite for p in m.monthly.months])
    return _svg(chart)


def short_unit_name(name: str) -> str:
    """A unit's name without the city and district every unit shares (济南市历城区市场监督管理局 → 市场监督管理局)
    and without a trailing second name in brackets, which the chart's label column cannot hold
    (城市管理局（综合行政执法局） → 城市管理局); the table below the chart keeps the full names."""
    for prefix in ("济南市", "历城区"):
        if name.startswith(prefix) and len(name) > len(prefix) + 2:
            name = name[len(prefix) :]
    head, bracket, _ = name.partition("（")
    return head if bracket and len(head) >= 2 else name


def unit_rates_chart(m: Metrics) -> str:
    """Joint-inspection rate and 扫码入企 rate (percent) per unit that inspected on site in the period, one labelled
    row per unit (a unit without on-site inspections has no rate to draw)."""
    units = [u for u in m.units if u.joint_rate is not None or u.scan_rate is not None] or m.units
    labels = [short_unit_name(u.unit_name) for u in units]
    chart = pygal.HorizontalBar(
        **_options(
            width=1100,
            height=max(260, 90 + 34 * len(units)),
            title="各单位联合检查率与扫码入企率（%）",
            range=(0, 100),
            value_formatter=lambda v: f"{v:.1f}%",
            truncate_label=-1,
            # pygal sizes the label column at 0.6 em a character; a Chinese character is a full em wide.
            margin_left=int(0.45 * STYLE.label_font_size * max((len(label) for label in labels), default=0)),
        )
    )
    chart.x_labels = labels
    chart.add("联合检查率", [None if u.joint_rate is None else round(u.joint_rate * 100, 2) for u in units])
    chart.add("扫码入企率", [None if u.scan_rate is None else round(u.scan_rate * 100, 2) for u in units])
    return _svg(chart)

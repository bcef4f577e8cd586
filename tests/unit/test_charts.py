"""Chart labels a reader can take in: the shared city and district and a bracketed second name dropped."""

from __future__ import annotations

import pytest

from api.metrics.charts import short_unit_name


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("济南市历城区市场监督管理局", "市场监督管理局"),
        ("历城区城市管理局（综合行政执法局）", "城市管理局"),
        ("济南市生态环境局历城分局", "生态环境局历城分局"),
        ("（样例）单位", "（样例）单位"),  # nothing before the bracket: kept whole
        ("消防救援大队", "消防救援大队"),
    ],
)
def test_short_unit_names(name: str, short: str) -> None:
    assert short_unit_name(name) == short

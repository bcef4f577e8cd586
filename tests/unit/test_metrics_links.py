"""The caps' links, built with their common part encoded once, are the links ``visits_link`` builds."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from api.metrics.alerts import pair_link, visits_link


@pytest.mark.parametrize(("uscc", "unit_code"), [("91370112MA3C0001XY", "U-D21"), ("9137 0112&=", "单位/1")])
def test_a_pair_link_is_the_visits_link(uscc: str, unit_code: str) -> None:
    since = "2025-01-01T00:00:00+08:00"
    assert pair_link(uscc, unit_code, urlencode({"start_from": since})) == visits_link(
        uscc=uscc, unit_code=unit_code, start_from=since
    )

"""Small shared pieces of the plans: months as ``YYYY-MM`` (``parse_month``, ``period_text``) and local dates.

The plan policy (filing deadline, monthly limit, quiet days …) is ``api.policies.PlanPolicy``, built once from
the settings (the ``RUQI_PLAN_*`` variables, listed in the README) and handed to the plan routes; it is named
here too, where the plan modules import it. Its per-unit yearly cap is the filing policy's
(``Settings.unit_yearly_cap``), so planning and filing agree.
"""

from __future__ import annotations

import datetime as dt
import re

from api.clock import LOCAL_TZ
from api.errors import InvalidInput
from api.i18n import tr
from api.policies import PlanPolicy as PlanPolicy  # defined with the filing policy; plan modules name it here

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-10"`` -> (2026, 10); anything else is refused with ``invalid_period``."""
    match = _PERIOD.match(text)
    if match is None or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidInput(
            tr("{text} is not a month: use YYYY-MM, e.g. 2026-10.", text=repr(text)), code="invalid_period"
        )
    return int(match.group(1)), int(match.group(2))


def period_text(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(LOCAL_TZ).date()


def local_date(value: dt.date | dt.datetime) -> dt.date:
    return value.astimezone(LOCAL_TZ).date() if isinstance(value, dt.datetime) else value

"""What the dashboard template shows: the metrics, their charts and display helpers (no HTTP here)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from api.actor import Actor
from api.clock import LOCAL_TZ
from api.labels import LABELS
from api.metrics.charts import monthly_chart, unit_rates_chart
from api.metrics.drilldown import dashboard_link
from api.metrics.export import OFFSITE_PROBLEMS, UNFILED_REASONS
from api.metrics.period import local_midnight
from api.metrics.schemas import Metrics
from api.metrics.service import unit_choices
from models.enums import ComplaintStatus

FREQUENCY_KINDS = {"day": "当日超过 1 次", "week": "当周超过 2 次", "month": "当月超过 3 次"}
COMPLAINT_STATUS = LABELS[ComplaintStatus]


def pct(value: float | None) -> str:
    """A 0–1 rate as a percentage with two decimals ("75.16%"), or "—"."""
    return "—" if value is None else f"{value * 100:.2f}%"


def signed(value: float | None) -> str:
    """A year-on-year change in percent ("+12.5%", "−33.0%"), or "—" without last year's figure."""
    if value is None:
        return "—"
    return f"{'+' if value > 0 else '−' if value < 0 else '±'}{abs(value):.1f}%"


def local(value: dt.datetime | None) -> str:
    return "—" if value is None else value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def plain(value: Any) -> str:
    """The JSON spelling of a figure, for ``data-value`` (tests compare it with the API)."""
    return "null" if value is None else str(value)


def query(form: dict[str, Any], **extra: str) -> str:
    values = {k: v for k, v in {**form, **extra}.items() if v not in (None, "")}
    return urlencode({k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()})


def compared(metrics: Metrics | None) -> dict[str, Any]:
    """What year on year compares: last year's same days, only as far as this period has run (a running month
    is compared with the same days last year, not with last year's whole month)."""
    if metrics is None:
        return {}
    p = metrics.period
    return {
        "partial": p.compared_last_day < p.last_day,
        "through": p.compared_last_day,
        "days": (p.compared_last_day - p.start).days + 1,
        "last_year_start": p.last_year_start,
        "last_year_through": p.last_year_end - dt.timedelta(days=1),
    }


async def dashboard_context(
    metrics: Metrics | None, form: dict[str, Any], actor: Actor, today: dt.date, error: str = ""
) -> dict[str, Any]:
    quarter = (today.month - 1) // 3 + 1
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    units = await unit_choices()
    return {
        "m": metrics,
        "compared": compared(metrics),
        "error": error,
        "form": form,
        "username": actor.username,
        "units": units,
        "unit_names": dict(units),
        "period_query": urlencode(
            {"start_from": local_midnight(metrics.period.start), "start_to": local_midnight(metrics.period.end)}
            if metrics
            else {}
        ),
        "monthly_svg": monthly_chart(metrics) if metrics else "",
        "unit_rates_svg": unit_rates_chart(metrics) if metrics else "",
        "quick": [
            ("上月", f"{last_month.year}-{last_month.month:02d}"),
            ("本月", f"{today.year}-{today.month:02d}"),
            ("本季度", f"{today.year}-Q{quarter}"),
            ("本年", str(today.year)),
            ("上年", str(today.year - 1)),
        ],
        "api_query": query(form),
        "export_csv": "/dashboard/export?" + query(form, format="csv"),
        "export_xlsx": "/dashboard/export?" + query(form, format="xlsx"),
        **display_helpers(),
    }


def display_helpers() -> dict[str, Any]:
    """Formatting and words shared by the dashboard and its drill-down pages."""
    return {
        "frequency_kinds": FREQUENCY_KINDS,
        "complaint_status": COMPLAINT_STATUS,
        "unfiled_reasons": UNFILED_REASONS,
        "offsite_problems": OFFSITE_PROBLEMS,
        "pct": pct,
        "signed": signed,
        "local": local,
        "plain": plain,
        "drill": dashboard_link,
    }

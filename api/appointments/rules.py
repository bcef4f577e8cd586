"""预约式服务 rules as pure functions: what an enterprise may ask for and which slots it may propose.

The 历城 evaluation report (seeds/000) names 「预约式」服务+执法: the enterprise asks for a service visit and the unit
comes in a slot that suits both. Pure: no Litestar, no Piccolo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from api.errors import RuleViolation
from api.i18n import tr
from models.enums import ServiceType

REQUESTABLE = frozenset({ServiceType.service, ServiceType.publicity})  # 服务 (incl. 指导), 宣传
MAX_SLOTS = 3
MAX_SLOT_LENGTH = dt.timedelta(hours=24)
MAX_AHEAD = dt.timedelta(days=180)


def check_request(
    service_type: ServiceType, slots: Sequence[tuple[dt.datetime, dt.datetime]], now: dt.datetime
) -> None:
    if service_type not in REQUESTABLE:
        raise RuleViolation(
            tr("An enterprise asks for 服务 (guidance) or 宣传; not {kind}.", kind=service_type.value),
            code="service_type_not_requestable",
            field="service_type",
        )
    if not 1 <= len(slots) <= MAX_SLOTS:
        raise RuleViolation(tr("Propose 1 to {n} time slots.", n=MAX_SLOTS), code="slots_count", field="slots")
    for start, end in slots:
        if not start < end <= start + MAX_SLOT_LENGTH:
            raise RuleViolation(tr("A slot ends after it starts, within 24 hours."), code="slot_invalid", field="slots")
        if start <= now or start > now + MAX_AHEAD:
            raise RuleViolation(
                tr("A slot lies in the future, within 180 days."), code="slot_out_of_range", field="slots"
            )


def chosen(
    slots: Sequence[tuple[dt.datetime, dt.datetime]], number: int, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """Slot ``number`` (1-based) if it exists and has not begun."""
    if not 1 <= number <= len(slots):
        raise RuleViolation(tr("There is no slot {n}.", n=number), code="slot_unknown", field="slot")
    start, end = slots[number - 1]
    if start <= now:
        raise RuleViolation(tr("This slot has begun already; choose a later one."), code="slot_past", field="slot")
    return start, end

"""检查结果互认: other units' recent results, and a unit's acceptance of one instead of inspecting."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from models.enums import VisitResult


class RecognizableResult(msgspec.Struct):
    visit_id: int
    unit_codes: list[str]
    checked_out_at: dt.datetime
    result: VisitResult | None
    item_codes: list[str]  # the visit's items equivalent to those asked about
    accepted_for: list[str]  # item codes the asking unit already accepted this result for


class AcceptanceCreate(msgspec.Struct):
    visit_id: int
    item_code: Annotated[str, msgspec.Meta(min_length=1, max_length=32, description="Your unit's item")]
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class AcceptanceRead(msgspec.Struct):
    id: int
    unit_code: str
    uscc: str
    item_code: str
    visit_id: int
    note: str
    accepted_by: str
    accepted_at: dt.datetime

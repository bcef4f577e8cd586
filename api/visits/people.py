"""The visit's named inspectors, re-checked at the moment it matters (approval, verification, scan, check-out)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from api.errors import RuleViolation
from api.i18n import Text, tr
from api.visits.rules import LOCAL_TZ, InspectorFact, certificate_problem
from models.fastsql import PrebuiltSQL
from models.tables import Inspector
from models.visit_tables import VisitInspector

PROBLEM_TEXT = {
    "inspector_auxiliary": tr("auxiliary staff"),
    "inspector_suspended": tr("执法证 suspended"),
    "inspector_revoked": tr("执法证 revoked"),
    "certificate_not_valid": tr("执法证 not valid today"),
}


@dataclass(frozen=True)
class InvalidInspector:
    inspector_id: int
    name: str
    cert_no: str
    problem: str

    @property
    def text(self) -> Text:
        return tr("{name} (执法证 {cert_no}): {problem}", name=self.name, cert_no=self.cert_no, problem=self.label)

    @property
    def label(self) -> Text:
        return PROBLEM_TEXT[self.problem]


# One round trip on the hot paths (every scan): does any named inspector fail the check? Only then are they read.
_ANY_INVALID = PrebuiltSQL(
    VisitInspector,
    "SELECT EXISTS (SELECT 1 FROM visit_inspector vi JOIN inspector i ON i.id = vi.inspector "
    "JOIN visit v ON v.id = vi.visit WHERE vi.visit = {} AND v.kind = 'enforcement' "
    "AND (i.status <> 'valid' OR i.is_auxiliary OR i.valid_from IS NULL OR i.valid_to IS NULL "
    "OR i.valid_from > {} OR i.valid_to < {})) AS invalid",
)


async def invalid_inspectors(visit_id: int, now: dt.datetime) -> list[InvalidInspector]:
    """The visit's inspectors who may not act now, in filing order (empty when all are valid).

    Only enforcement visits are checked: a service visit (服务/宣传 …) exercises no powers."""
    day = now.astimezone(LOCAL_TZ).date()
    flag = await _ANY_INVALID.fetchrow(visit_id, day, day)
    if not (flag and flag["invalid"]):
        return []
    links = (
        await VisitInspector.select(VisitInspector.inspector)
        .where(VisitInspector.visit == visit_id)
        .order_by(VisitInspector.id)
    )
    ids = [r["inspector"] for r in links]
    if not ids:
        return []
    rows = {r["id"]: r for r in await Inspector.select().where(Inspector.id.is_in(ids))}
    found = []
    for inspector_id in ids:
        fact = InspectorFact.from_row(rows[inspector_id])
        problem = certificate_problem(fact, day)
        if problem is not None:
            found.append(InvalidInspector(inspector_id, fact.name, fact.cert_no or "", problem))
    return found


class InspectorNotValid(RuleViolation):
    code = "inspector_not_valid"


def refuse_invalid(invalid: list[InvalidInspector], action: Text) -> InspectorNotValid:
    return InspectorNotValid(
        tr("{action} refused: {people}.", action=action, people=[i.text for i in invalid]),
        field="inspector_ids",
        inspectors=[
            {"id": i.inspector_id, "name": i.name, "cert_no": i.cert_no, "problem": i.problem} for i in invalid
        ],
    )

"""One state transition of a visit at a time: an UPDATE that applies only to the revision the request read.

Every transition (approve, cancel, re-schedule, check-in, check-out) reads the visit, decides, then runs
``UPDATE visit SET …, revision = revision + 1 WHERE id = … AND revision = <read> RETURNING id``. Of two
requests that read the same revision exactly one updates a row; the other gets 409 ``state_changed`` with the
visit's current status, and its transaction (audit event included) rolls back: one audit event per transition.
On PostgreSQL a concurrent UPDATE waits for the first to commit and then re-checks the WHERE on the new row.
"""

from __future__ import annotations

from typing import Any

from api.errors import StateChanged
from api.i18n import tr
from models.visit_tables import Visit


async def state_changed(visit_id: int) -> StateChanged:
    row = await Visit.select(Visit.status, Visit.revision).where(Visit.id == visit_id).first()
    status = row["status"] if row else None
    return StateChanged(
        tr(
            "Visit {visit_id} was changed by another request meanwhile (now {status}); reload it.",
            visit_id=visit_id,
            status=status or "-",
        ),
        current_status=status,
        current_revision=row["revision"] if row else None,
    )


async def transition(row: dict[str, Any], values: dict[Any, Any]) -> None:
    """Apply ``values`` to the visit ``row`` was read as; StateChanged when another transition came first."""
    updated = (
        await Visit.update({**values, Visit.revision: Visit.revision + 1})
        .where((Visit.id == row["id"]) & (Visit.revision == row["revision"]))
        .returning(Visit.id)
    )
    if not updated:
        raise await state_changed(row["id"])

"""Object-level authorization rules shared by the services."""

from __future__ import annotations

from api.actor import Actor
from api.errors import Forbidden
from api.i18n import tr
from models.enums import Role


def ensure_can_edit_unit_list(actor: Actor, unit_id: int, what: str) -> None:
    """Admins edit any list record; a planner edits only records of its own unit."""
    if actor.is_admin:
        return
    if actor.role == Role.planner and actor.unit_id == unit_id:
        return
    if actor.role == Role.planner:
        raise Forbidden(tr("A planner may change only its own unit's {what}.", what=what), code="not_your_unit")
    raise Forbidden(tr("Only the unit's planner or an admin may change {what}.", what=what))


def ensure_admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise Forbidden(tr("Only an admin may change {what}.", what=what))

"""Who is acting: the authenticated principal as the services see it (no HTTP types)."""

from __future__ import annotations

from dataclasses import dataclass

from models.enums import Role

UNIT_ROLES = frozenset({Role.planner, Role.approver, Role.inspector})


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    role: Role
    unit_id: int | None = None
    inspector_id: int | None = None
    uscc: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def sees_everything(self) -> bool:
        """Admins and supervisors (司法局) read every record."""
        return self.role in (Role.admin, Role.supervisor)

    @property
    def is_unit_role(self) -> bool:
        return self.role in UNIT_ROLES


SYSTEM_ACTOR = Actor(user_id=0, username="system", role=Role.admin)

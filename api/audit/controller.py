"""The audit trail for the supervisor (司法局): verify the chain, read per-record events, sign checkpoints."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter

from api.audit import chain as audit
from api.audit.folding import fold_verifications
from api.audit.schemas import AuditEventRead, CheckpointRead, VerifyReport
from api.auth import require
from api.deps import Limit, Now, Offset
from api.pagination import Page
from models.enums import Role
from qr import KeyRing


def _keyring(request: Request[Any, Any, Any]) -> KeyRing:
    shared: KeyRing | None = request.app.state.audit_keyring  # kept in the database (RUQI_KEY_ENCRYPTION_KEY)
    if shared is not None:
        return shared
    return audit.audit_keyring(request.app.state.settings.data_dir, request.app.state.clock.now())


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]
    guards = [require(Role.supervisor)]

    @get(
        "/verify",
        summary="Re-walk the whole hash chain and report the first broken link",
        description="Checks every link (seq without gaps, prev_hash, hash) and every signed checkpoint.",
    )
    async def verify(self, request: Request[Any, Any, Any], now: Now) -> VerifyReport:
        return await audit.verify_chain(now, keyring=_keyring(request))

    @get("/events", summary="Events of one subject (visit:12, enterprise:<USCC> with its visits, …), oldest first")
    async def events(
        self,
        limit: Limit = 100,
        offset: Offset = 0,
        subject: Annotated[str | None, QueryParameter(max_length=64)] = None,
        event_type: Annotated[str | None, QueryParameter(name="type", max_length=32)] = None,
    ) -> Page[AuditEventRead]:
        rows, total = await audit.events_for(subject, limit, offset, event_type=event_type)
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @post("/checkpoints", summary="Sign a checkpoint (seq, head hash, time) with the dedicated audit key")
    async def checkpoint(self, request: Request[Any, Any, Any], now: Now) -> CheckpointRead:
        await fold_verifications(now)
        return await audit.make_checkpoint(_keyring(request), now)

    @get("/checkpoints/export", summary="Every signed checkpoint with the public keys, for external anchoring")
    async def export(self, request: Request[Any, Any, Any], now: Now) -> dict[str, Any]:
        return await audit.export_checkpoints(_keyring(request), now)

"""The audit trail for the supervisor (司法局): verify the chain, read per-record events, sign checkpoints."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter

from api.audit import chain as audit
from api.audit.folding import fold_verifications
from api.audit.schemas import AuditEventRead, CheckpointRead, VerifyReport
from api.auth import require
from api.deps import After, Limit, Now, Offset
from api.openapi_tags import AUDIT
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
    tags = [AUDIT]
    guards = [require(Role.supervisor)]

    @get(
        "/verify",
        summary="校验整条审计链",
    )
    async def verify(self, request: Request[Any, Any, Any], now: Now) -> VerifyReport:
        """从头重走哈希链：序号不缺、每条的 `prev_hash` 与上一条的 `hash` 相符、每条的哈希正确，
        并校验每个已签名的检查点；报告第一个断开的位置。

        角色：司法局（supervisor）。

        English: re-walks the whole hash chain and every signed checkpoint; reports the first broken link.
        """
        return await audit.verify_chain(now, keyring=_keyring(request))

    @get("/events", summary="查询审计事件")
    async def events(
        self,
        limit: Limit = 100,
        offset: Offset = 0,
        subject: Annotated[str | None, QueryParameter(max_length=64)] = None,
        event_type: Annotated[str | None, QueryParameter(name="type", max_length=32)] = None,
        after: After = None,
    ) -> Page[AuditEventRead]:
        """一个对象的审计事件，按时间先后：`subject=visit:12`、`enterprise:<统一社会信用代码>`（含其检查）等；
        `type` 按事件类型筛选。

        角色：司法局（supervisor）。English: the audit events of one subject, oldest first.
        """
        return await audit.events_for(subject, limit, offset, event_type=event_type, after=after)

    @post("/checkpoints", summary="签署审计检查点")
    async def checkpoint(self, request: Request[Any, Any, Any], now: Now) -> CheckpointRead:
        """用专用审计密钥签署一个检查点（序号、链头哈希、时间），此后对链的任何改动都会被发现。

        角色：司法局（supervisor）。English: signs (seq, head hash, time) with the dedicated audit key.
        """
        await fold_verifications(now)
        return await audit.make_checkpoint(_keyring(request), now)

    @get("/checkpoints/export", summary="导出已签名检查点")
    async def export(self, request: Request[Any, Any, Any], now: Now) -> dict[str, Any]:
        """全部已签名检查点及验证它们的公钥，可交公证或其他外部系统存证（区块链+公证）。

        角色：司法局（supervisor）。English: every signed checkpoint with the public keys, for external anchoring.
        """
        return await audit.export_checkpoints(_keyring(request), now)

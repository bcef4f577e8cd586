"""The app factory: the one place where controllers, rate counting, channels, auth, errors and OpenAPI meet."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from piccolo.engine.postgres import PostgresEngine
from redis.asyncio import Redis

from api import __version__, offload
from api import labels as _labels  # noqa: F401  # registers the Chinese words every vocabulary accepts as input
from api.accounts.controller import AuthController, UserController
from api.accounts.tokens import TokenVersions
from api.appointments.controller import ServiceRequestController
from api.audit.controller import AuditController
from api.audit.retention import partitions_ahead
from api.auth import build_jwt_auth
from api.catalogue.controller import (
    CatalogueController,
    ItemController,
    LibraryController,
    ScenarioController,
)
from api.catalogue.spreadsheet_controller import CatalogueIOController
from api.cli import RuqiCLIPlugin
from api.clock import Clock, SystemClock
from api.content_type import ContentTypeMiddleware
from api.context import ServiceContext
from api.data_dir import secure_data_dir
from api.deps import provide_now
from api.feedback.controller import ComplaintController, PublicFeedbackController, RatingController
from api.feedback.tracking_controller import ComplaintTrackingController
from api.health.controller import HealthController
from api.home.controller import HomeController
from api.input_boundary import InputBoundaryMiddleware
from api.keystore import AUDIT, DIRECTORIES, ENTERPRISE, VISIT, DatabaseKeys
from api.language import reader_language_middleware
from api.metrics.controller import MetricsController
from api.metrics.dashboard_controller import DashboardController
from api.nonsite.controller import nonsite_router
from api.openapi_docs import OpenAPIDocsPlugin, description_of
from api.openapi_errors import ProblemResponsesPlugin
from api.openapi_tags import OPENAPI_TAGS
from api.phone import assets as phone_assets
from api.phone.controller import PhoneAppController
from api.plans.controller import plan_route_handlers
from api.problems import exception_handlers
from api.recognition.controller import RecognitionController
from api.redis_resilience import MemoryWindowCounter, RedisWindowCounter, ResilientPubSubBackend
from api.registry.controller import EnterpriseController, InspectorController, UnitController
from api.settings import Settings
from api.supervision import escalation
from api.supervision.attachment_controller import case_attachment_router
from api.supervision.controller import CaseController, DocumentController
from api.verification.controller import public_route_handlers
from api.verification.log_batch import VerificationLogBatch
from api.visits.controller import VisitController
from api.visits.evidence_controller import visit_evidence_router
from api.visits.scans_controller import EnterpriseCodeController, ScanController
from api.visits.voiding import void_codes_of_inspector
from models.db import bind_engine, engine_from_url
from models.sqlite_pool import PooledSQLiteEngine
from qr import KeyRing

logger = logging.getLogger("ruqi")

STATIC_PATH = "/static"
STATIC_DIR = Path(__file__).parent / "static"
SWAGGER_UI_VERSION = "5.31.0"  # the files vendored in api/static/swagger-ui (see its README)

OPENAPI_DESCRIPTION = """\
扫码入企：涉企行政检查的接口——检查事项清单、联合检查场景、无事不扰清单，执法主体、执法人员和企业名录，
年度计划和月度计划，检查的备案、批准、扫码签到签退，企业核验、评价和投诉，非现场检查，司法局的监督指标和审计链。

**登录**：`POST /api/v1/auth/login` 取得令牌，其余非公开接口带 `Authorization: Bearer <令牌>`。
每个接口的说明写明哪些角色可以调用：规划员（planner）、主体负责人（approver）、执法人员（inspector）、
企业（enterprise）、司法局（supervisor）。管理员（admin）通过所有角色限制，但个别操作须本人身份
（如扫码签到须用执法人员账号）。

**错误**：一律为 RFC 9457 problem+json，`code` 是稳定的机器代码（如 `not_your_unit`），`title` 和 `detail`
默认中文，请求头 `Accept-Language: en` 时为英文。

**样例数据**：在生成的样例辖区上运行时，每条记录带 `sample: true`，样例企业名称以（样例）结尾，并非真实数据；
演示账号的密码均为 `ruqi-demo`。

English: the 扫码入企 field-inspection API. Messages are Chinese by default, English with `Accept-Language: en`;
machine codes never change.
"""


async def _keep_session(_: Any) -> None:
    """asyncpg's pool resets every released connection with a query (RESET ALL, UNLISTEN, advisory unlock …):
    a round trip per request for state we never set — our advisory locks are transaction-scoped and no pooled
    connection LISTENs. asyncpg still rolls back a transaction left open before calling this."""


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Litestar:
    """The app on ``settings`` (default: the environment) with ``clock`` (default: the wall clock)."""
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    engine = engine_from_url(settings.database_url)
    bind_engine(engine)
    redis_client = Redis.from_url(settings.redis_url) if settings.redis_url else None
    log_batch = VerificationLogBatch(settings.verify_log_flush_ms / 1000) if settings.verify_log_flush_ms else None
    jwt_auth = build_jwt_auth(settings.resolved_jwt_secret(), settings.jwt_ttl_minutes)
    # With a key-encryption key the rings live in the database (shared by every app machine), loaded at startup.
    shared_keys = DatabaseKeys(settings.kek, settings.data_dir) if settings.kek is not None else None
    if shared_keys is not None:
        keyring, enterprise_keyring = shared_keys.rings[VISIT], shared_keys.rings[ENTERPRISE]
    else:
        keyring = KeyRing.load_or_create(settings.data_dir / DIRECTORIES[VISIT], clock.now())
        enterprise_keyring = KeyRing.load_or_create(settings.data_dir / DIRECTORIES[ENTERPRISE], clock.now())
    secure_data_dir(settings.data_dir, settings.database_url)
    offload.configure("heavy", settings.heavy_work_concurrency)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # Pools belong to the loop that serves requests, so they are opened here and not at import.
        bind_engine(engine)
        if isinstance(engine, PostgresEngine):
            await engine.start_connection_pool(min_size=1, max_size=10, reset=_keep_session)
        elif isinstance(engine, PooledSQLiteEngine):  # the embedded default: WAL, one writer, parallel readers
            await engine.start_pool()
        secure_data_dir(settings.data_dir, settings.database_url)  # the SQLite file may be new since
        await partitions_ahead(clock.now())  # the verification log's coming months (PostgreSQL)
        try:
            async with contextlib.AsyncExitStack() as running:
                if shared_keys is not None:
                    await shared_keys.start(clock.now())
                    await running.enter_async_context(shared_keys.refreshing(settings.key_refresh_seconds))
                if log_batch is not None:  # flushed on the way out, before the pools close
                    await running.enter_async_context(log_batch.running())
                yield
        finally:
            if isinstance(engine, PostgresEngine):
                await engine.close_connection_pool()
            elif isinstance(engine, PooledSQLiteEngine):
                await engine.close_pool()
            if redis_client is not None:
                await redis_client.aclose()

    channels_backend: Any = (
        ResilientPubSubBackend(redis=redis_client, key_prefix=f"{settings.redis_prefix}:channels")
        if redis_client is not None
        else MemoryChannelsBackend()
    )
    channels = ChannelsPlugin(backend=channels_backend, arbitrary_channels_allowed=True)

    app = Litestar(
        route_handlers=[
            HomeController,
            HealthController,
            AuthController,
            UserController,
            UnitController,
            InspectorController,
            EnterpriseController,
            ItemController,
            ScenarioController,
            LibraryController,
            CatalogueController,
            CatalogueIOController,
            VisitController,
            ScanController,
            EnterpriseCodeController,
            AuditController,
            PublicFeedbackController,
            RatingController,
            ComplaintController,
            ComplaintTrackingController,
            CaseController,
            DocumentController,
            ServiceRequestController,
            RecognitionController,
            MetricsController,
            DashboardController,
            nonsite_router(settings),
            *public_route_handlers(settings),
            *plan_route_handlers,
            visit_evidence_router(settings),
            case_attachment_router(settings),
            PhoneAppController,
            create_static_files_router(
                path=STATIC_PATH, directories=[STATIC_DIR], include_in_schema=False, name="static"
            ),
        ],
        dependencies={"now": Provide(provide_now, sync_to_thread=False)},
        on_app_init=[jwt_auth.on_app_init],
        lifespan=[lifespan],
        plugins=[channels, RuqiCLIPlugin(), ProblemResponsesPlugin(), OpenAPIDocsPlugin()],
        middleware=[reader_language_middleware, InputBoundaryMiddleware(), ContentTypeMiddleware()],
        exception_handlers=exception_handlers,
        template_config=TemplateConfig(directory=Path(__file__).parent / "templates", engine=JinjaTemplateEngine),
        openapi_config=OpenAPIConfig(
            title="ruqi 入企 — 扫码入企接口 (inspection API)",
            version=__version__,
            description=description_of(OPENAPI_DESCRIPTION),
            path="/schema",
            render_plugins=[_swagger_ui()],
            use_handler_docstrings=True,  # an operation's description is its handler's docstring (Chinese)
            tags=OPENAPI_TAGS,
        ),
        cors_config=CORSConfig(allow_origins=[]),
        debug=settings.debug,
        state=None,
        request_max_body_size=settings.max_upload_bytes,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.jwt_auth = jwt_auth
    app.state.token_check = TokenVersions(settings.token_check_seconds).check
    app.state.redis_client = redis_client
    app.state.rate_counter = (
        RedisWindowCounter(redis_client, f"{settings.redis_prefix}:rate_limit")
        if redis_client is not None
        else MemoryWindowCounter()
    )
    app.state.engine = engine
    app.state.keyring = keyring
    app.state.audit_keyring = shared_keys.rings[AUDIT] if shared_keys is not None else None
    app.state.shared_keys = shared_keys
    app.state.verification_log_batch = log_batch
    app.state.phone_assets = phone_assets.load()
    app.state.context = ServiceContext(
        keyring=keyring,
        policy=settings.filing_policy,
        public_base_url=settings.public_base_url,
        issuer=settings.issuer,
        code_grace=dt.timedelta(minutes=settings.code_grace_minutes),
        scan_radius_m=float(settings.scan_radius_m),
        scan_max_accuracy_m=float(settings.scan_max_accuracy_m),
        enterprise_keyring=enterprise_keyring,
        backfill_window=dt.timedelta(days=settings.backfill_days),
        publish=_publisher(channels),
        inspector_changed=void_codes_of_inspector,
        verification_log_sink=log_batch.add if log_batch is not None else None,
        visit_checked_out=escalation.visit_checked_out,
    )
    return app


def _swagger_ui() -> SwaggerRenderPlugin:
    """Swagger UI from ruqi's own static files (api/static/swagger-ui): offline networks get a working page."""
    base = f"{STATIC_PATH}/swagger-ui"
    return SwaggerRenderPlugin(
        version=SWAGGER_UI_VERSION,
        js_url=f"{base}/swagger-ui-bundle.js",
        css_url=f"{base}/swagger-ui.css",
        standalone_preset_js_url=f"{base}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{STATIC_PATH}/favicon.png'>",
    )


def _publisher(channels: ChannelsPlugin) -> Any:
    """Live updates are best-effort: the database row is the truth and pages re-fetch it."""

    async def publish(channel: str, message: dict[str, Any]) -> None:
        try:
            channels.publish(message, channels=[channel])
        except Exception as exc:  # a broken Redis must not fail the request that changed the visit
            logger.warning("live update on %s not published: %r", channel, exc)

    return publish

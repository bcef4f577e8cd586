"""JWT authentication (Litestar's ``JWTAuth``), password hashing (argon2) and role guards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.security.jwt import JWTAuth, Token

from api.actor import Actor
from api.errors import Forbidden
from api.i18n import tr
from api.offload import run_in_pool
from models.enums import Role

_hasher = PasswordHasher()

# Routes anyone may call: health, docs, login, public verification pages and keys.
PUBLIC_PATHS = [
    "^/$",
    "^/health",
    "^/schema",
    "^/static/",
    "^/api/v1/auth/login",
    "^/\\.well-known/",
    "^/V/",
    "^/E/",
    "^/public/",
    # Public, except rating: only the inspected enterprise's own login rates (the code alone is not enough).
    "^/api/v1/public/(?!visits/[^/]+/rating)",
    "^/app(/|$)",  # the phone app's static files; its data comes from the API with a login
    "^/dashboard",  # the dashboard checks its own cookie (api/metrics/dashboard_controller.py)
]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    """``hash_password`` in the bounded ``password`` thread pool: argon2 never runs on the event loop."""
    return await run_in_pool("password", hash_password, password)


async def verify_password_async(password_hash: str, password: str) -> bool:
    return await run_in_pool("password", verify_password, password_hash, password)


TokenCheck = Callable[[Actor, int], Awaitable[bool]]
"""Is a token of this actor, carrying this token version, still good? (``app.state.token_check``)"""


def actor_from_claims(token: Token) -> Actor | None:
    """Rebuild the actor from the token's claims (whether the token is still good is ``token_version``'s
    and the app's ``token_check``'s business)."""
    extras = token.extras
    try:
        return Actor(
            user_id=int(extras["uid"]),
            username=token.sub,
            role=Role(extras["role"]),
            unit_id=extras.get("unit_id"),
            inspector_id=extras.get("inspector_id"),
            uscc=extras.get("uscc"),
        )
    except (KeyError, ValueError, TypeError):
        return None


def token_version(token: Token) -> int:
    """The account's token version when the token was issued (0 for tokens from before versions existed)."""
    value = token.extras.get("tv", 0)
    return value if isinstance(value, int) else -1


async def actor_from_token(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    """``JWTAuth``'s ``retrieve_user_handler``: async, so Litestar awaits it in the event loop (a sync one
    runs through ``sync_to_thread``, a thread-pool hop on every authenticated request).

    A token ends when access ends: deactivating the account, changing its role or binding, resetting its
    password or logging out raise the account's token version, and ``app.state.token_check`` (a briefly
    cached read, ``RUQI_TOKEN_CHECK_SECONDS``) refuses tokens carrying an older one."""
    actor = actor_from_claims(token)
    check: TokenCheck | None = connection.app.state.get("token_check")
    if actor is None or check is None:
        return actor
    return actor if await check(actor, token_version(token)) else None


def build_jwt_auth(secret: str, ttl_minutes: int) -> JWTAuth[Actor, Token]:
    return JWTAuth[Actor, Token](
        retrieve_user_handler=actor_from_token,
        token_secret=secret,
        exclude=PUBLIC_PATHS,
        default_token_expiration=timedelta(minutes=ttl_minutes),
        description="Bearer token from POST /api/v1/auth/login.",
    )


def token_extras(actor: Actor, version: int = 0) -> dict[str, Any]:
    return {
        "tv": version,
        "uid": actor.user_id,
        "role": actor.role.value,
        "unit_id": actor.unit_id,
        "inspector_id": actor.inspector_id,
        "uscc": actor.uscc,
    }


# Guards are coroutines: Litestar awaits async guards directly and runs sync ones through ``sync_to_thread``.
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def current_actor(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    user = connection.scope.get("user")
    if not isinstance(user, Actor):
        raise NotAuthorizedException("Login required.")
    return user


def require(*roles: Role) -> Guard:
    """A guard that admits only the given roles (admins are always admitted)."""
    allowed = frozenset(roles) | {Role.admin}

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        actor = current_actor(connection)
        if actor.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(tr("This action needs one of the roles: {roles}.", roles=names), code="forbidden")

    guard.__name__ = f"require_{'_'.join(sorted(r.value for r in allowed))}"
    return guard


async def any_authenticated(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    current_actor(connection)


STAFF = (Role.supervisor, Role.planner, Role.approver, Role.inspector)

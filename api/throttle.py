"""Limits on what one client may do: who the client is, rate limits for public writes, login throttling.

* ``client_address`` is the peer's address, or — only when the peer is a trusted proxy
  (``RUQI_TRUSTED_PROXIES``) — the address that proxy names in ``X-Forwarded-For``. Every limit keys on it.
* ``rate_limited(...)`` is a guard (per account, or per client address without a login) and ``enforce(...)``
  the same check on any key a controller knows after parsing the body (per enterprise or visit). Over the
  limit: 429 ``rate_limited`` with ``Retry-After`` and ``retry_after`` in the body, so the person is told when
  to try again.
* ``LoginThrottle`` counts failed logins per account and per client address; past the limit the account
  (or address) is locked, first for ``RUQI_LOGIN_LOCKOUT_SECONDS``, each further failure doubling it up to an
  hour. A locked account is refused even with the right password until the lock ends (429 ``login_locked``).

The counters are ``app.state.rate_counter``: Redis when ``REDIS_URL`` is set (shared by every worker),
in-process otherwise (``api.redis_resilience``); both fail open.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api.actor import Actor
from api.auth import Guard
from api.errors import TooManyRequests
from api.i18n import tr
from api.settings import Settings

HOUR = 3600
LOGIN_WINDOW_S = 15 * 60
MAX_LOCKOUT_S = HOUR

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Counter(Protocol):
    async def hit(self, key: str, window_s: int) -> tuple[int, int]: ...
    async def hit_then(self, key: str, then_key: str | None, limit: int, window_s: int) -> tuple[int, int]: ...
    async def block(self, key: str, seconds: int) -> None: ...
    async def blocked_for(self, key: str) -> int: ...
    async def clear(self, key: str) -> None: ...


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def forwarded_client(peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str:
    """The client's address: the peer, unless it is a trusted proxy; then the right-most untrusted address
    of ``X-Forwarded-For`` (entries left of it could be written by anyone)."""
    address = peer or "unknown"
    if not proxies or not forwarded_for or not _trusted(address, proxies):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # garbage in the header: the proxy itself is the client we can name
        address = hop
        if not _trusted(hop, proxies):
            break
    return address


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    settings: Settings = connection.app.state.settings
    peer = connection.client.host if connection.client else None
    return forwarded_client(peer, connection.headers.get("x-forwarded-for"), settings.trusted_proxies)


def _counter(connection: ASGIConnection[Any, Any, Any, Any]) -> Counter:
    counter: Counter = connection.app.state.rate_counter
    return counter


async def enforce(counter: Counter, key: str, limit: int, window_s: int) -> None:
    """Count one request on ``key``; over ``limit`` in the window: ``TooManyRequests``."""
    count, reset_in = await counter.hit(key, window_s)
    if count > limit:
        raise TooManyRequests(
            tr("Too many requests; please try again in {seconds} seconds.", seconds=reset_in), retry_after=reset_in
        )


async def enforce_on(connection: ASGIConnection[Any, Any, Any, Any], key: str, limit: int, window_s: int) -> None:
    await enforce(_counter(connection), key, limit, window_s)


def client_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Who is asking: the logged-in account, else the client address."""
    user = connection.scope.get("user")
    if isinstance(user, Actor):
        return f"user:{user.user_id}"
    return f"addr:{client_address(connection)}"


def rate_limited(name: str, limit: Callable[[Settings], int], window_s: int = HOUR) -> Guard:
    """A guard: at most ``limit(settings)`` requests per client (account, else address) per window on the
    routes named ``name``. Put it after the role guard: refused roles are not counted."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        settings: Settings = connection.app.state.settings
        await enforce_on(connection, f"{name}:{client_key(connection)}", limit(settings), window_s)

    guard.__name__ = f"rate_limited_{name}"
    return guard


@dataclass(frozen=True)
class Lockout:
    """A lock just set: on the account (``username``) or the client address, for ``seconds``."""

    scope: str  # "account" or "address"
    subject: str
    seconds: int
    failures: int


class LoginThrottle:
    """Failed logins per account and per client address, with growing lockouts (see the module doc)."""

    def __init__(self, counter: Counter, settings: Settings) -> None:
        self.counter = counter
        self.settings = settings

    async def check(self, username: str, address: str) -> None:
        """Refuse (429 ``login_locked``) while the account or the address is locked."""
        left = max(
            await self.counter.blocked_for(f"login:account:{username.casefold()}"),
            await self.counter.blocked_for(f"login:address:{address}"),
        )
        if left:
            raise TooManyRequests(
                tr("Too many failed logins; please try again in {seconds} seconds.", seconds=left),
                retry_after=left,
                code="login_locked",
            )

    async def failed(self, username: str, address: str) -> list[Lockout]:
        """Count a failure; the lockouts it sets (to be audited)."""
        locks = []
        for scope, subject, limit in (
            ("account", username.casefold(), self.settings.login_max_failures),
            ("address", address, self.settings.login_max_failures_per_address),
        ):
            failures, _ = await self.counter.hit(f"login:fail:{scope}:{subject}", LOGIN_WINDOW_S)
            if failures >= limit:
                seconds = min(self.settings.login_lockout_seconds * 2 ** min(failures - limit, 20), MAX_LOCKOUT_S)
                await self.counter.block(f"login:{scope}:{subject}", seconds)
                locks.append(Lockout(scope, subject, seconds, failures))
        return locks

    async def succeeded(self, username: str) -> None:
        await self.counter.clear(f"login:fail:account:{username.casefold()}")


def login_throttle(connection: ASGIConnection[Any, Any, Any, Any]) -> LoginThrottle:
    return LoginThrottle(_counter(connection), connection.app.state.settings)

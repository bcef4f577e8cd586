"""Request-scoped dependencies shared by controllers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter

from api.actor import Actor
from api.auth import current_actor
from api.clock import Clock
from api.context import ServiceContext

Limit = Annotated[int, Parameter(ge=1, le=500, description="Page size (1–500).")]
Offset = Annotated[int, Parameter(ge=0, le=2**31 - 1, description="Rows to skip.")]
After = Annotated[
    str | None,
    Parameter(
        max_length=200,
        description="下一页的游标：上一页返回的 `next_after`；深翻页时用它代替 offset。"
        "English: the previous page's `next_after`, for deep pages instead of offset.",
    ),
]


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    return current_actor(request)


CurrentActor = NamedDependency[Actor]
"""The logged-in actor, injected by name from ``provide_actor``."""


def provide_now(state: State) -> dt.datetime:
    """The request's "now" from the app's one clock (``api.clock``): aware UTC, local time only at the edge.

    Takes the app ``state`` (not the request) so that HTTP and WebSocket routes share it."""
    clock: Clock = state.clock
    return clock.now()


Now = NamedDependency[dt.datetime]
"""The request's instant, injected by name (``now``) from ``provide_now``, registered once on the app."""


def provide_context(request: Request[Any, Any, Any]) -> ServiceContext:
    """What the visit use cases need from the running app (keys, policy, live updates)."""
    env: ServiceContext = request.app.state.context
    return env


Env = NamedDependency[ServiceContext]
"""The running service's context for use cases, injected by name from ``provide_context``."""

DEPENDENCIES = {
    "actor": Provide(provide_actor, sync_to_thread=False),
    "env": Provide(provide_context, sync_to_thread=False),
}
"""The dependencies most controllers declare: the actor and the service context."""

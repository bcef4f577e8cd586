"""The domain error hierarchy. Each error carries a stable machine ``code`` and a human message.

The message is a ``Text`` (``api.i18n.tr``) rendered in the reader's language by ``api.problems``;
a plain string is shown as it is (messages not yet in the catalog).
"""

from __future__ import annotations

from typing import Any

from api.i18n import Text


class DomainError(Exception):
    status = 400
    code = "domain_error"

    def __init__(self, message: str | Text, *, code: str | None = None, field: str | None = None, **extra: Any):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.extra = extra


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unauthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class RuleViolation(DomainError):
    """A business rule refused the request (422: understood, but not allowed)."""

    status = 422
    code = "rule_violation"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class StateChanged(Conflict):
    """The record left the state this transition starts from (another request won the race): reload it.

    ``current`` carries the state it is in now, so a client can tell a lost race from a stale screen.
    """

    code = "state_changed"


class TooManyRequests(DomainError):
    """A limit on attempts or writes was reached: retry after ``retry_after`` seconds (also sent as Retry-After)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str | Text, *, retry_after: int, code: str | None = None, **extra: Any) -> None:
        super().__init__(message, code=code, retry_after=max(1, int(retry_after)), **extra)
        self.retry_after = max(1, int(retry_after))

"""The OpenAPI names, for every operation, the error statuses it can answer: problem+json, one ``Problem`` schema.

Every error of the API is RFC 9457 problem+json made by ``api.problems.problem`` (README "Errors"). Litestar
documents only a handler's success status, its ``responses=`` and a default 400 whose schema
(``status_code``/``detail``/``extra``) is not our body. ``ProblemResponsesPlugin`` receives each route as
it is registered and sets its handlers' ``responses`` (Litestar's ``ResponseSpec``, so the generated
document refers to one component schema ``Problem``); the 400 it adds replaces Litestar's default.

Which statuses an operation documents (``error_statuses``):

- 400 when it takes parameters or a body (malformed input, ``validation_error``, ``out_of_range``);
- 401 when the authentication middleware covers its path (not a public path) or a guard applies;
  403 when a guard applies (a role refused, or the record is not the caller's: ``not_your_unit``);
- 404 when it has path parameters, writes, or has a query parameter naming a record (``unit_code``,
  ``uscc``, ``visit_id``: ``REFERENCE_QUERY``): a record named in the request does not exist;
- 409 and 422 when it writes (POST/PUT/PATCH/DELETE): a conflict, a business rule;
- 413 and 415 when it reads a body (too large; a Content-Type it does not read, ``api.content_type``);
- 429 when a rate-limit middleware or guard applies (verification, complaints, ratings; login lockouts);
- 503 everywhere (``database_unavailable``);
- plus ``EXTRA_STATUSES`` (public routes whose service answers 401/403), and any 4xx/5xx the handler
  declares itself in ``responses=`` (its description is kept; the content becomes ``Problem``). A new
  exception is best declared on its handler: ``responses={403: ResponseSpec(None, description="…")}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Annotated, Any

import msgspec
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.middleware.authentication import AbstractAuthenticationMiddleware
from litestar.middleware.rate_limit import RateLimitMiddleware
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from api.i18n import Text, tr
from api.problems import PROBLEM_JSON, problem

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALWAYS = frozenset({503})
REFERENCE_QUERY = re.compile(r"(^|_)(code|id|uscc)$")  # query parameters that name a record


class Problem(msgspec.Struct):
    """错误应答（RFC 9457 problem+json）：接口的每个错误应答都是这个形状；有的错误另带字段（如检查码无效时的
    `outcome`）。An error (RFC 9457 problem+json): every error answer of the API has this shape.
    """

    type: Annotated[
        str, msgspec.Meta(description="问题类型的 URI。A URI naming the problem: https://ruqi.example/problems/{code}")
    ]
    title: Annotated[str, msgspec.Meta(description="问题类别的简短说明（默认中文）。The kind of problem, in words")]
    status: Annotated[int, msgspec.Meta(description="本应答的 HTTP 状态码。The HTTP status code")]
    code: Annotated[str, msgspec.Meta(description="稳定的机器代码，如 not_your_unit。The stable machine code")]
    detail: Annotated[str, msgspec.Meta(description="出了什么问题（默认中文）。What went wrong, for a human")]
    field: Annotated[str | None, msgspec.Meta(description="出错的输入字段。The input field at fault")] = None
    errors: Annotated[
        list[dict[str, Any]] | None,
        msgspec.Meta(description="每个校验错误（key、message），用于 validation_error。Every validation error"),
    ] = None


# status: (description, example code, example detail). The descriptions are Chinese, then English; the examples
# are the answers a client gets by default (Chinese title and detail, as ``api.problems.problem`` writes them).
STATUSES: dict[int, tuple[str, str, str | Text]] = {
    400: (
        "输入不合格（`validation_error` 带 `field` 和 `errors`、`invalid_uscc`、`out_of_range` 等）。"
        " Malformed input (`validation_error` with `field` and `errors`, `invalid_uscc`, `out_of_range`, …)",
        "validation_error",
        "window_start: Expected `datetime`, got `str`",
    ),
    401: (
        "未登录：没有令牌，或令牌过期、无效（`not_authenticated`、`bad_credentials`）。"
        " Not authenticated: no, an expired or an invalid bearer token (`not_authenticated`, `bad_credentials`)",
        "not_authenticated",
        tr("Log in first, then try again."),
    ),
    403: (
        "无权操作：账号的角色不符，或记录不属于本单位、本企业（`forbidden`、`not_your_unit` 等）。"
        " Forbidden: the caller's role, or a record that is not the caller's (`forbidden`, `not_your_unit`, …)",
        "forbidden",
        tr("Your account may not do this."),
    ),
    404: (
        "请求中（路径、查询参数或请求体）指明的记录不存在（`*_not_found`）。"
        " A record named in the request (path, query or body) does not exist (`*_not_found`)",
        "scenario_not_found",
        tr("Scenario {code} does not exist.", code="'SC-REST'"),
    ),
    409: (
        "与已存储的状态冲突（`*_taken`、`conflict` 等）。 Conflict with the stored state (`*_taken`, `conflict`, …)",
        "item_code_taken",
        tr("Item code {code} is already taken.", code="'MKT-001'"),
    ),
    413: (
        "请求体超过上限（`payload_too_large`）。 The request body is larger than the limit (`payload_too_large`)",
        "payload_too_large",
        tr("The request is larger than the service accepts."),
    ),
    415: (
        "请求体的 Content-Type 不是本接口读取的类型（`unsupported_media_type`）。"
        " The body's Content-Type is not the one this operation reads (`unsupported_media_type`)",
        "unsupported_media_type",
        "This operation reads application/json (UTF-8), not 'text/plain'.",
    ),
    422: (
        "业务规则不允许（`rule_violation`、`scenario_single_unit`、`item_in_use` 等）。"
        " A business rule refused the request (`rule_violation`, `scenario_single_unit`, `item_in_use`, …)",
        "item_in_use",
        tr("Item {code} is used by published scenarios {using}; change them first.", code="'MKT-001'", using="SC-REST"),
    ),
    429: (
        "该客户端请求过于频繁（`rate_limited`），RateLimit-* 响应头说明何时可重试。"
        " Too many requests from this client (`rate_limited`); RateLimit-* headers say when to retry",
        "rate_limited",
        tr("Too many requests; please wait a moment and try again."),
    ),
    503: (
        "数据库暂时不可用，请稍后重试（`database_unavailable`）。"
        " The database is unavailable; retry shortly (`database_unavailable`)",
        "database_unavailable",
        tr("The database is unavailable; please retry shortly."),
    ),
}

# A guard made by ``api.throttle.rate_limited`` (its name starts so): it answers 429, not 401/403.
RATE_LIMIT_GUARD = "rate_limited_"
# Public routes (no guard) whose service still answers 401/403 (or 429): (method, path) → statuses.
EXTRA_STATUSES: dict[tuple[str, str], frozenset[int]] = {
    ("POST", "/api/v1/auth/login"): frozenset({401, 429}),  # bad_credentials, login_locked
    ("POST", "/api/v1/public/visits/{token}/rating"): frozenset({403}),  # invalid_code
}


def _example(status: int) -> Example:
    _, code, detail = STATUSES.get(status, ("", "http_error", HTTPStatus(status).phrase))
    return Example(summary=code, value=problem(status, code, detail).content)


def problem_spec(status: int, description: str | None = None) -> ResponseSpec:
    """The response of one error status: problem+json with the shared ``Problem`` schema."""
    if description is None:
        description = STATUSES[status][0] if status in STATUSES else HTTPStatus(status).phrase
    return ResponseSpec(
        Problem,
        description=description,
        media_type=PROBLEM_JSON,
        generate_examples=False,
        examples=[_example(status)],
    )


def _middleware_classes(handler: HTTPRouteHandler) -> Iterable[tuple[type, dict[str, Any]]]:
    for middleware in handler.resolve_middleware():
        if isinstance(middleware, DefineMiddleware) and isinstance(middleware.middleware, type):
            yield middleware.middleware, middleware.kwargs
        elif isinstance(middleware, type):
            yield middleware, {}
        else:
            yield type(middleware), {}


def authenticates(handler: HTTPRouteHandler, path: str) -> bool:
    """Whether an authentication middleware (JWT) covers this route: not excluded by path or opt key."""
    for cls, kwargs in _middleware_classes(handler):
        if not issubclass(cls, AbstractAuthenticationMiddleware):
            continue
        exclude = kwargs.get("exclude") or []
        patterns = [exclude] if isinstance(exclude, str) else list(exclude)
        if patterns and re.compile("|".join(patterns)).search(path):
            continue
        if handler.opt.get(kwargs.get("exclude_opt_key") or "exclude_from_auth"):
            continue
        return True
    return False


def rate_limited(handler: HTTPRouteHandler) -> bool:
    return any(issubclass(cls, RateLimitMiddleware) for cls, _ in _middleware_classes(handler))


def error_statuses(route: HTTPRoute, handler: HTTPRouteHandler) -> set[int]:
    """The error statuses one handler of a route can answer (the module docstring gives the rules)."""
    methods = {str(m).upper() for m in handler.http_methods}
    kwargs_model = route.route_handler_map[next(iter(handler.http_methods))][1]
    has_body = handler.parsed_data_field is not None
    has_params = bool(
        route.path_parameters
        or kwargs_model.expected_query_params
        or kwargs_model.expected_header_params
        or kwargs_model.expected_cookie_params
    )
    writes = bool(methods & WRITES)
    names_a_record = any(REFERENCE_QUERY.search(p.field_alias) for p in kwargs_model.expected_query_params)
    statuses = set(ALWAYS)
    if has_body or has_params:
        statuses.add(400)
    if authenticates(handler, route.path_format):
        statuses.add(401)
    guards = handler.resolve_guards()
    limits = [g for g in guards if getattr(g, "__name__", "").startswith(RATE_LIMIT_GUARD)]
    if len(guards) > len(limits):
        statuses |= {401, 403}
    if route.path_parameters or writes or names_a_record:
        statuses.add(404)
    if writes:
        statuses |= {409, 422}
    if has_body:
        statuses |= {413, 415}
    if rate_limited(handler) or limits:
        statuses.add(429)
    for method in methods:
        statuses |= EXTRA_STATUSES.get((method, route.path_format), frozenset())
    statuses |= {status for status in handler.responses or {} if status >= 400}
    return statuses


def document_errors(route: HTTPRoute, handler: HTTPRouteHandler) -> dict[int, ResponseSpec]:
    """The handler's ``responses`` with every error status as a ``Problem`` (declared descriptions kept)."""
    declared = dict(handler.responses or {})
    for status in sorted(error_statuses(route, handler)):
        own = declared.get(status)
        description = own.description if own is not None and own.description != "Additional response" else None
        declared[status] = problem_spec(status, description)
    return declared


class ProblemResponsesPlugin(ReceiveRoutePlugin):
    """Documents every operation's error answers as it is registered (see the module docstring)."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in {id(h): h for h in route.route_handlers}.values():
            if handler.resolve_include_in_schema():
                handler.responses = document_errors(route, handler)

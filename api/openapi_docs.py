"""Three touches to the generated docs: Chinese descriptions without stray spaces, request examples by name, and a
Chinese description of each operation's success response.

Descriptions: ``OpenAPIConfig(use_handler_docstrings=True)`` makes a handler's docstring its operation's
description (Markdown). A docstring's line breaks are soft breaks, which a browser draws as a space — between two
Chinese characters that is a visible gap (执法 人员). ``description_of`` joins such lines without the space; a
paragraph (blank line) stays a paragraph, and lines of English keep their space.

Examples: a handler declares its examples the Litestar way, ``data: Annotated[T, Body(examples=[Example(summary="…",
value={…})])]``. Litestar puts their values in the body's JSON Schema (``examples``, values only), and Swagger UI
then shows the first one. ``RequestExamplesPlugin`` also puts them on the request body's media type as OpenAPI
``examples`` (name → Example with its summary), which Swagger UI offers as a drop-down by their Chinese
summaries. It does so through Litestar's documented hook for customising an operation: the handler's
``operation_class``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from inspect import cleandoc

from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Example, Operation, RequestBody
from litestar.params import BodyKwarg
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

WIDE = r"\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"  # CJK characters, full-width punctuation
_SOFT_BREAK = re.compile(rf"(?<=[{WIDE}])\n(?=\S)|(?<=\S)\n(?=[{WIDE}])")


def description_of(docstring: str) -> str:
    """A docstring as an operation description: soft line breaks next to a Chinese character vanish."""
    text = cleandoc(docstring)
    return "\n\n".join(_SOFT_BREAK.sub("", paragraph) for paragraph in text.split("\n\n"))


def request_examples(handler: HTTPRouteHandler) -> list[Example]:
    """The examples a handler declares on its body (``Body(examples=…)``), or none."""
    field = handler.parsed_data_field
    kwarg = field.kwarg_definition if field is not None else None
    return list(kwarg.examples or []) if isinstance(kwarg, BodyKwarg) else []


def with_request_examples(base: type[Operation], examples: Sequence[Example]) -> type[Operation]:
    """``base`` whose request body's media types list ``examples`` by name (示例 1, 示例 2, …)."""
    named = {f"示例 {number}": example for number, example in enumerate(examples, start=1)}

    def __post_init__(self: Operation) -> None:
        post_init = getattr(super(operation_class, self), "__post_init__", None)
        if post_init is not None:
            post_init()
        if isinstance(self.request_body, RequestBody):
            for media in self.request_body.content.values():
                media.examples = dict(named)

    operation_class: type[Operation] = dataclass(type("ExampledOperation", (base,), {"__post_init__": __post_init__}))
    return operation_class


# Litestar's default describes a success by its HTTP reason phrase ("Request fulfilled, document follows").
_SUCCESS = {
    200: "成功。 Request fulfilled",
    201: "已创建。 Created",
    202: "已受理。 Accepted",
    204: "成功，无内容。 No content",
}


def success_description(handler: HTTPRouteHandler) -> str:
    """The success response's description in Chinese (English after it), unless the handler wrote its own."""
    media_type = handler.media_type.value if isinstance(handler.media_type, Enum) else str(handler.media_type or "")
    if handler.status_code == 200 and media_type and not media_type.startswith(("application/json", "text/html")):
        return f"成功：返回文件（{media_type}）。 The file"
    return _SUCCESS.get(handler.status_code, f"成功（HTTP {handler.status_code}）。 Success")


class OpenAPIDocsPlugin(ReceiveRoutePlugin):
    """Sets each handler's description from its docstring and shows its body examples by name (module docstring)."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if handler.description is None and handler.fn.__doc__:
                handler.description = description_of(handler.fn.__doc__)
            if handler.response_description is None:
                handler.response_description = success_description(handler)
            if examples := request_examples(handler):
                handler.operation_class = with_request_examples(handler.operation_class, examples)

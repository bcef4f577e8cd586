"""The request validator's words (msgspec, Litestar) as messages a person can read in their language.

msgspec and Litestar explain a refused value in fixed English sentences ("Expected `int`, got `str`");
each known sentence becomes a message with the same facts, an unknown one is kept as it is inside a
general message. The machine-readable ``errors`` list of the answer keeps the validator's own words.

Pure: no Litestar, no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from api.i18n import Text, tr

_TYPE_WORDS: dict[str, Text] = {
    "int": tr("a whole number"),
    "float": tr("a number"),
    "str": tr("text"),
    "bool": tr("true or false"),
    "object": tr("an object"),
    "array": tr("a list"),
    "null": tr("null"),
}


def _type(name: str) -> Text | str:
    return _TYPE_WORDS.get(name, name)


_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Text]]] = [
    (
        re.compile(r"Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`"),
        lambda m: tr("must be {expected}, not {got}", expected=_type(m["expected"]), got=_type(m["got"])),
    ),
    (
        re.compile(r"Object missing required field `(?P<name>[^`]+)`"),
        lambda m: tr("the required field {name} is missing", name=m["name"]),
    ),
    (
        re.compile(r"Object contains unknown field `(?P<name>[^`]+)`"),
        lambda m: tr("there is no field {name}", name=m["name"]),
    ),
    (
        re.compile(r"Expected `[^`]+` of length <= (?P<limit>\d+)"),
        lambda m: tr("at most {limit} long", limit=m["limit"]),
    ),
    (
        re.compile(r"Expected `[^`]+` of length >= (?P<limit>\d+)"),
        lambda m: tr("at least {limit} long", limit=m["limit"]),
    ),
    (
        re.compile(r"Expected `[^`]+` (?P<op>>=|<=|>|<) (?P<limit>[-\d.e]+)"),
        lambda m: tr("must be {op} {limit}", op=m["op"], limit=m["limit"]),
    ),
    (
        re.compile(r"Expected `str` matching regex (?P<pattern>.+)"),
        lambda m: tr("does not have the required form ({pattern})", pattern=m["pattern"]),
    ),
    (
        re.compile(r"Invalid enum value (?P<value>.+)"),
        lambda m: tr("{value} is not one of the allowed values", value=m["value"]),
    ),
    (
        re.compile(r"Invalid RFC3339 encoded datetime"),
        lambda _: tr("not a date and time: use e.g. 2026-12-05T09:00:00+08:00"),
    ),
    (re.compile(r"Invalid RFC3339 encoded date"), lambda _: tr("not a date: use YYYY-MM-DD, e.g. 2026-12-05")),
    (
        re.compile(r"Missing required (?P<where>header|query|path|cookie) parameter '(?P<name>[^']+)'"),
        lambda m: tr("the required parameter {name} is missing", name=m["name"]),
    ),
    (re.compile(r"JSON is malformed"), lambda _: tr("the body is not valid JSON")),
]


def explain(message: str) -> Text:
    """The validator's ``message`` as a message in words (an unknown one kept inside a general message)."""
    text = message.split(" - at `")[0]
    for pattern, words in _PATTERNS:
        match = pattern.search(text)
        if match is not None:
            return words(match)
    return tr("not valid ({reason})", reason=text)

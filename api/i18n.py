"""Chinese first: every word a user reads is zh_CN by default, English with ``Accept-Language: en``.

Messages are gettext catalogs read with Babel. Code writes the English message as a template with named
placeholders and hands over the values: ``tr("Item {code} is retired.", code=code)``. The template is the
msgid (``pybabel extract`` finds it by the keyword ``tr``); the text is rendered only when the reader's
language is known, in ``api.problems`` for errors and wherever a response carries words. Values that are
themselves ``Text`` (an enumeration label, say) are rendered in the same language; lists are joined with
the language's separator. The catalog is ``api/locale/zh_CN/LC_MESSAGES/messages.po``; a unit test fails
when a msgid in the code has no Chinese translation there.

Words kept in the database to be read later (a schedule's explanations, say) are stored as data with ``dump``
and read with ``render_stored`` in the reader's language; ``Named`` puts a unit's name in where pure code
knows only its id.

Pure: no Litestar, no database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LOCALE = "zh_CN"
ENGLISH = "en"
SUPPORTED_LOCALES = (DEFAULT_LOCALE, ENGLISH)
_LIST_SEPARATOR = {DEFAULT_LOCALE: "、", ENGLISH: ", "}


class Text:
    """A message not yet in a language: an English template (the msgid) and its named values."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, /, **params: Any) -> None:
        self.msgid = msgid
        self.params = params

    def render(self, locale: str = DEFAULT_LOCALE) -> str:
        template = translate(self.msgid, locale)
        if not self.params:
            return template
        return template.format(**{name: _value(value, locale) for name, value in self.params.items()})

    def __str__(self) -> str:  # logs, exceptions' args: English
        return self.render(ENGLISH)

    def __repr__(self) -> str:
        return f"tr({self.msgid!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.msgid, self.params) == (other.msgid, other.params)

    def __hash__(self) -> int:
        return hash(self.msgid)


_JOINED_SEPARATORS: dict[str, dict[str, str]] = {
    "sentences": {DEFAULT_LOCALE: "", ENGLISH: " "},
    "clauses": {DEFAULT_LOCALE: "；", ENGLISH: "; "},
    "list": {DEFAULT_LOCALE: "、", ENGLISH: ", "},
}


class Joined(Text):
    """Messages read one after another: sentences (no space between them in Chinese), clauses (；) or a list (、)."""

    __slots__ = ()

    def __init__(self, parts: Sequence[str | Text | Named], how: str = "sentences") -> None:
        if how not in _JOINED_SEPARATORS:
            raise ValueError(f"unknown joining {how!r}")
        super().__init__("", parts=tuple(parts), how=how)

    def render(self, locale: str = DEFAULT_LOCALE) -> str:
        separator = _JOINED_SEPARATORS[self.params["how"]]
        return separator.get(locale, separator[ENGLISH]).join(
            str(_value(part, locale)) for part in self.params["parts"]
        )

    def __repr__(self) -> str:
        return f"Joined({list(self.params['parts'])!r}, {self.params['how']!r})"


class Named:
    """A thing of the registry the reader knows by its name (a unit, say), given in code by its id.

    Pure code cannot look names up; ``dump`` names it through the caller's look-up when the message is
    stored. Unnamed, it reads as its kind and id ("单位 21" / "unit 21").
    """

    __slots__ = ("key", "kind")

    def __init__(self, kind: str, key: int | str) -> None:
        self.kind = kind
        self.key = key

    def render(self, locale: str = DEFAULT_LOCALE) -> str:
        return tr("{kind} {key}", kind=_KIND_WORDS.get(self.kind, self.kind), key=self.key).render(locale)

    def __str__(self) -> str:
        return self.render(ENGLISH)

    def __repr__(self) -> str:
        return f"Named({self.kind!r}, {self.key!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Named) and (self.kind, self.key) == (other.kind, other.key)

    def __hash__(self) -> int:
        return hash((self.kind, self.key))


def unit(unit_id: int) -> Named:
    """A unit named in a message (``dump`` puts its name in when the message is stored)."""
    return Named("unit", unit_id)


def tr(msgid: str, /, **params: Any) -> Text:
    """Mark ``msgid`` (English, ``{named}`` placeholders) for translation, with the values to fill in."""
    return Text(msgid, **params)


_KIND_WORDS: dict[str, Text] = {"unit": tr("unit")}

Message = str | Text
"""Words for a reader: a plain string (typed by a user, or stored before messages were kept as data) or ``Text``."""


def render(message: str | Text, locale: str = DEFAULT_LOCALE) -> str:
    """A message in ``locale``: ``Text`` is translated and filled in, a plain string is left as it is."""
    return message.render(locale) if isinstance(message, Text) else message


_READER: ContextVar[str] = ContextVar("ruqi_reader_locale", default=DEFAULT_LOCALE)


def set_reader_locale(locale: str) -> None:
    """The language of the request being served (set once per request by ``api.language``)."""
    _READER.set(locale)


def for_reader(message: str | Text) -> str:
    """``message`` in the language of the request being served (Chinese outside a request).

    For words built deep in a service that leave in a response body (an import's row errors, say);
    errors raised as ``DomainError`` are rendered by ``api.problems`` and need not use this.
    """
    return render(message, _READER.get())


def translate(msgid: str, locale: str = DEFAULT_LOCALE) -> str:
    """The catalog's translation of ``msgid`` (English and untranslated messages: the msgid itself)."""
    if locale == ENGLISH:
        return msgid
    return _catalog_messages(locale).get(msgid) or msgid


def negotiate(accept_language: str | None) -> str:
    """The reader's language from an ``Accept-Language`` header: English only when preferred to Chinese."""
    if not accept_language:
        return DEFAULT_LOCALE
    for tag in _by_preference(accept_language):
        if tag == "*":
            return DEFAULT_LOCALE
        try:
            language = Locale.parse(tag, sep="-").language
        except (ValueError, UnknownLocaleError):
            continue
        if language == "zh":
            return DEFAULT_LOCALE
        if language == "en":
            return ENGLISH
    return DEFAULT_LOCALE


def _by_preference(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def _value(value: Any, locale: str) -> Any:
    if isinstance(value, Text | Named):
        return value.render(locale)
    if isinstance(value, list | tuple | set | frozenset):
        items: Iterable[Any] = sorted(value) if isinstance(value, set | frozenset) else value
        return _LIST_SEPARATOR.get(locale, ", ").join(str(_value(v, locale)) for v in items)
    return value


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def _catalog_messages(locale: str) -> Mapping[str, str]:
    return {str(m.id): str(m.string) for m in load_catalog(locale) if m.id and m.string and not m.fuzzy}


def load_catalog(locale: str) -> Catalog:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return Catalog(locale=locale)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


# Stored messages: a message kept in the database as data (JSON), so that it is read in the reader's language
# later. Plain strings are stored as they are; ``load`` returns them unchanged (old English rows included).
_STORED_PREFIXES = ('{"msg":', '{"join":')


def dump(message: Message, name: Callable[[Named], str | None] = lambda _: None) -> str:
    """``message`` as text for a database column: JSON for ``Text`` (``Named`` things named by ``name``)."""
    if not isinstance(message, Text):
        return message
    return json.dumps(_encode(message, name), ensure_ascii=False, separators=(",", ":"))


def load(stored: str) -> Message:
    """The message ``dump`` stored (a plain string stays a plain string)."""
    if not stored.startswith(_STORED_PREFIXES):
        return stored
    try:
        decoded = _decode(json.loads(stored))
    except (ValueError, KeyError, TypeError):
        return stored
    return decoded if isinstance(decoded, Text) else stored


def with_names(message: Message, name: Callable[[Named], str | None]) -> Message:
    """``message`` with the ``Named`` things ``name`` knows replaced by their names (as ``dump`` does)."""
    return message if not isinstance(message, Text) else _decode(_encode(message, name))


def render_stored(stored: str, locale: str | None = None) -> str:
    """A stored message in ``locale`` (default: the language of the request being served)."""
    message = load(stored)
    return render(message, _READER.get() if locale is None else locale)


def _encode(value: Any, name: Callable[[Named], str | None]) -> Any:
    if isinstance(value, Joined):
        return {"join": value.params["how"], "parts": [_encode(part, name) for part in value.params["parts"]]}
    if isinstance(value, Text):
        encoded: dict[str, Any] = {"msg": value.msgid}
        if value.params:
            encoded["p"] = {key: _encode(item, name) for key, item in value.params.items()}
        return encoded
    if isinstance(value, Named):
        named = name(value)
        return named if named is not None else {"named": value.kind, "key": value.key}
    if isinstance(value, set | frozenset):
        return [_encode(item, name) for item in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        return [_encode(item, name) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "join" in value:
        return Joined([_decode(part) for part in value["parts"]], value["join"])
    if "msg" in value:
        return Text(value["msg"], **{key: _decode(item) for key, item in value.get("p", {}).items()})
    if "named" in value:
        return Named(value["named"], value["key"])
    raise ValueError("not a stored message")

"""Chinese first: every word a user reads is zh_CN by default, English with ``Accept-Language: en``.

Messages are gettext catalogs read with Babel. Code writes the English message as a template with named
placeholders and hands over the values: ``tr("Item {code} is retired.", code=code)``. The template is the
msgid (``pybabel extract`` finds it by the keyword ``tr``); the text is rendered only when the reader's
language is known, in ``api.problems`` for errors and wherever a response carries words. Values that are
themselves ``Text`` (an enumeration label, say) are rendered in the same language; lists are joined with
the language's separator. The catalog is ``api/locale/zh_CN/LC_MESSAGES/messages.po``; a unit test fails
when a msgid in the code has no Chinese translation there.

Pure: no Litestar, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def tr(msgid: str, /, **params: Any) -> Text:
    """Mark ``msgid`` (English, ``{named}`` placeholders) for translation, with the values to fill in."""
    return Text(msgid, **params)


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
    if isinstance(value, Text):
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

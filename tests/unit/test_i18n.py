"""Chinese first: every message in the code has its zh_CN translation; English on request."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from api.i18n import DEFAULT_LOCALE, ENGLISH, load_catalog, negotiate, render, tr

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("api", "schedules", "qr")


def _msgids() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in SOURCES:
        method_map = [("**.py", "python")]
        for filename, lineno, message, _, _ in extract_from_dir(
            ROOT / package, method_map, keywords={"tr": None}, comment_tags=()
        ):
            found.setdefault(str(message), f"{package}/{filename}:{lineno}")
    return found


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_its_chinese_translation() -> None:
    catalog = {str(m.id): m for m in load_catalog(DEFAULT_LOCALE) if m.id}
    missing = [f"{where}: {msgid!r}" for msgid, where in _msgids().items() if not _translated(catalog.get(msgid))]
    assert missing == [], "add these to api/locale/zh_CN/LC_MESSAGES/messages.po (make messages):\n" + "\n".join(
        missing
    )


def _translated(message: object) -> bool:
    return bool(message is not None and getattr(message, "string", "") and not getattr(message, "fuzzy", False))


def test_translations_keep_the_placeholders() -> None:
    wrong = [
        f"{m.id!r} -> {m.string!r}"
        for m in load_catalog(DEFAULT_LOCALE)
        if m.id and m.string and _placeholders(str(m.id)) != _placeholders(str(m.string))
    ]
    assert wrong == []


def test_chinese_by_default_english_on_request() -> None:
    message = tr("{text} is not a month: use YYYY-MM, e.g. 2026-10.", text="'2026-13'")
    assert render(message) == "'2026-13' 不是月份：请写成 YYYY-MM，例如 2026-10。"
    assert render(message, ENGLISH) == "'2026-13' is not a month: use YYYY-MM, e.g. 2026-10."
    assert str(message) == render(message, ENGLISH)  # logs are English
    assert render("plain text") == "plain text"


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, DEFAULT_LOCALE),
        ("", DEFAULT_LOCALE),
        ("en", ENGLISH),
        ("en-US,en;q=0.9", ENGLISH),
        ("zh-CN,zh;q=0.9,en;q=0.8", DEFAULT_LOCALE),
        ("en;q=0.5,zh;q=0.9", DEFAULT_LOCALE),
        ("fr-FR,en;q=0.7", ENGLISH),
        ("fr-FR", DEFAULT_LOCALE),
        ("*", DEFAULT_LOCALE),
        ("en;q=0", DEFAULT_LOCALE),
        ("???, en", ENGLISH),
    ],
)
def test_the_reader_s_language_is_negotiated(header: str | None, locale: str) -> None:
    assert negotiate(header) == locale

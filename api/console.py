"""What the ``ruqi`` command prints: Chinese first, English when the environment's language is English."""

from __future__ import annotations

import os

import click

from api.i18n import DEFAULT_LOCALE, ENGLISH, Text, render


def cli_locale() -> str:
    """Chinese first: English only when the environment's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) is."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return ENGLISH if value.lower().startswith("en") else DEFAULT_LOCALE
    return DEFAULT_LOCALE


def words(message: str | Text) -> str:
    """``message`` in the console's language."""
    return render(message, cli_locale())


def say(message: str | Text, *, err: bool = False) -> None:
    click.echo(words(message), err=err)


def refuse(message: str | Text) -> click.ClickException:
    """A refusal the command ends with (exit status 1), in the console's language."""
    return click.ClickException(words(message))

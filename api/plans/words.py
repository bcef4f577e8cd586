"""How the schedule's words are kept: as messages, read later in the reader's language (``api.i18n.dump``).

The builder (pure) names units by id; they are stored by name, as the planner knows them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from api.i18n import Message, Named, dump


def unit_namer(unit_names: Mapping[int, str]) -> Callable[[Named], str | None]:
    """The name of a ``Named`` unit (``None``: not a unit, or unknown)."""

    def name(thing: Named) -> str | None:
        return unit_names.get(int(thing.key)) if thing.kind == "unit" else None

    return name


def message_store(unit_names: Mapping[int, str]) -> Callable[[Message], str]:
    """Text for a database column: ``Text`` as a stored message with the units named; plain strings as they are."""
    name = unit_namer(unit_names)

    def store(message: Message) -> str:
        return dump(message, name)

    return store

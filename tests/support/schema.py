"""What a database's schema is, read from its catalogue: columns, types, nullability, defaults, indexes, unique
and foreign-key constraints (and, on PostgreSQL, triggers, functions and sequences).

Used to compare the schema the migrations build with the one ``models.db.create_schema`` builds from the tables.
Every description is a set of plain tuples, so a difference prints as the rows one side lacks.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg

from models.db import bind_engine, create_schema, engine_from_url

Description = dict[str, set[tuple[Any, ...]]]


def build_from_tables(database_url: str) -> None:
    """The tables' schema on an empty database (what the tests' template databases use)."""

    async def build() -> None:
        engine = engine_from_url(database_url)
        bind_engine(engine)
        await create_schema(engine)

    asyncio.run(build())


def describe_sqlite(path: Path) -> Description:
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'migration'"
            )
        ]
        columns, indexes, foreign_keys = set(), set(), set()
        for table in tables:
            for _, name, type_, notnull, default, pk in conn.execute(f'PRAGMA table_info("{table}")'):
                columns.add((table, name, type_.upper(), bool(notnull), default, pk))
            for _, index, unique, origin, partial in conn.execute(f'PRAGMA index_list("{table}")'):
                indexed = tuple(r[2] for r in conn.execute(f'PRAGMA index_info("{index}")'))
                # SQLite names the indexes of UNIQUE constraints by position (sqlite_autoindex_<table>_<n>).
                name = None if index.startswith("sqlite_autoindex_") else index
                indexes.add((table, name, indexed, bool(unique), origin, bool(partial)))
            for row in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
                _, _, target, source, to, on_update, on_delete, match = row
                foreign_keys.add((table, source, target, to, on_update, on_delete, match))
        triggers = {
            (r[0], r[1], r[2])
            for r in conn.execute("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'")
        }
        return {
            "tables": {(t,) for t in tables},
            "columns": columns,
            "indexes": indexes,
            "foreign_keys": foreign_keys,
            "triggers": triggers,
        }
    finally:
        conn.close()


async def _describe_postgres(dsn: str) -> Description:
    conn = await asyncpg.connect(dsn)
    try:
        columns = await conn.fetch(
            "SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision, is_nullable, "
            "column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name != 'migration'"
        )
        indexes = await conn.fetch(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename != 'migration'"
        )
        constraints = await conn.fetch(
            "SELECT c.conrelid::regclass::text AS table_name, c.conname, c.contype, "
            "pg_get_constraintdef(c.oid) AS def, c.condeferrable, c.condeferred FROM pg_constraint c "
            "WHERE c.connamespace = 'public'::regnamespace AND c.conrelid::regclass::text != 'migration'"
        )
        triggers = await conn.fetch(
            "SELECT tgrelid::regclass::text AS table_name, tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger "
            "WHERE NOT tgisinternal"
        )
        functions = await conn.fetch(
            "SELECT proname, pg_get_functiondef(oid) AS def FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
        )
        sequences = await conn.fetch(
            "SELECT sequencename, data_type::text, increment_by, cycle FROM pg_sequences WHERE schemaname = 'public' "
            "AND sequencename NOT LIKE 'migration_%'"
        )
    finally:
        await conn.close()
    return {
        "tables": {(r["table_name"],) for r in columns},
        "columns": {tuple(r.values()) for r in columns},
        "indexes": {tuple(r.values()) for r in indexes},
        "constraints": {tuple(r.values()) for r in constraints},
        "triggers": {tuple(r.values()) for r in triggers},
        "functions": {tuple(r.values()) for r in functions},
        "sequences": {tuple(r.values()) for r in sequences},
    }


def describe_postgres(dsn: str) -> Description:
    return asyncio.run(_describe_postgres(dsn))


def differences(migrated: Description, from_tables: Description) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Per aspect, the rows only the migrated schema has and the rows only the tables' schema has."""
    found = {}
    for aspect in sorted(set(migrated) | set(from_tables)):
        only_migrated = sorted(migrated.get(aspect, set()) - from_tables.get(aspect, set()), key=repr)
        only_tables = sorted(from_tables.get(aspect, set()) - migrated.get(aspect, set()), key=repr)
        if only_migrated or only_tables:
            found[aspect] = {"only_migrated": only_migrated, "only_tables": only_tables}
    return found

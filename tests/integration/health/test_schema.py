"""The migrations build exactly the tables' schema, on SQLite and on PostgreSQL.

Each backend gets two fresh databases: one migrated by the real ``ruqi migrate``, one built by
``models.db.create_schema`` from the tables (as the test templates are). Their catalogues are compared:
columns (type, nullability, default), indexes, unique and foreign-key constraints, and on PostgreSQL the
audit trigger, its function and the sequences too.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.support.databases import create_pg_database, drop_pg_database, pg_dsn
from tests.support.schema import build_from_tables, describe_postgres, describe_sqlite, differences

WATCHED = ("visit", "visit_unit", "scan", "nonsite_record")
MIGRATIONS = Path(__file__).resolve().parents[3] / "models" / "piccolo_migrations"
# Column defaults that would make the database, not the app's clock, decide an instant.
CLOCK_DEFAULTS = ("current_timestamp", "current_date", "current_time", "now()", "localtimestamp")


def migrate(database_url: str, data_dir: Path) -> None:
    # A schema check, not a deployment: no shared secrets needed on PostgreSQL.
    env = dict(os.environ, DATABASE_URL=database_url, RUQI_DATA_DIR=str(data_dir), RUQI_ENV="development")
    ruqi = Path(sys.executable).with_name("ruqi")
    # No timeout: with one, subprocess polls with time.sleep, which fails (EINVAL) under make test's faketime run.
    result = subprocess.run([str(ruqi), "migrate"], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sqlite_migrations_build_the_tables_schema(tmp_path: Path) -> None:
    migrate(f"sqlite:///{tmp_path / 'migrated.sqlite3'}", tmp_path)
    build_from_tables(f"sqlite:///{tmp_path / 'tables.sqlite3'}")
    migrated = describe_sqlite(tmp_path / "migrated.sqlite3")
    assert len(migrated["tables"]) >= 30 and migrated["foreign_keys"] and migrated["indexes"]
    assert len(migrated["triggers"]) == 3 * len(WATCHED)
    assert differences(migrated, describe_sqlite(tmp_path / "tables.sqlite3")) == {}
    clock = [c for c in migrated["columns"] if c[4] is not None and any(d in str(c[4]).lower() for d in CLOCK_DEFAULTS)]
    assert clock == []


def test_postgres_migrations_build_the_tables_schema(tmp_path: Path) -> None:
    migrated_db, tables_db = create_pg_database(), create_pg_database()
    try:
        migrate(pg_dsn(migrated_db), tmp_path)
        build_from_tables(pg_dsn(tables_db))
        migrated = describe_postgres(pg_dsn(migrated_db))
        assert len(migrated["tables"]) >= 30 and migrated["constraints"] and migrated["indexes"]
        metrics = {f"metrics_{t}_{op}" for t in WATCHED for op in ("insert", "update", "delete")}
        assert {t[1] for t in migrated["triggers"]} == {"audit_chain_link", *metrics}
        assert differences(migrated, describe_postgres(pg_dsn(tables_db))) == {}
        clock = [c for c in migrated["columns"] if c[6] and any(d in str(c[6]).lower() for d in CLOCK_DEFAULTS)]
        assert clock == []
    finally:
        drop_pg_database(migrated_db)
        drop_pg_database(tables_db)


def test_migrations_import_no_application_code_and_say_what_they_do() -> None:
    files = sorted(MIGRATIONS.glob("models_*.py"))
    assert files
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert {name.split(".")[0] for name in imported} <= {"piccolo", "enum", "datetime", "decimal", "uuid"}, path
        description = next(
            node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "DESCRIPTION"
            and isinstance(node.value, ast.Constant)
        )
        assert isinstance(description, str) and len(description) > 10 and description != "True", path

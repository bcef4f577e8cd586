"""Plans in the present: the holiday calendar as data, shortfalls of a build, stable planned-visit ids, kept edits."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "holiday calendar years and days (calendar_year, calendar_day); plan_shortfall; plan_visit status, "
    "replaced_by and calendar_flag; plan_task edited_by_unit; plan_carry entry_ids"
)


class ScheduleMonth(Table, tablename="schedule_month", schema=None):
    id = Serial(primary_key=True)


class Unit(Table, tablename="unit", schema=None):
    id = Serial(primary_key=True)


def _params(**overrides: object) -> dict[str, object]:
    params: dict[str, object] = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(overrides)
    return params


def _reference(table: type[Table], index: bool = True) -> dict[str, object]:
    return _params(
        references=table,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        target_column=None,
        null=True,
        index=index,
    )


NEW_TABLES: list[tuple[str, str, list[tuple[str, type, dict[str, object]]]]] = [
    (
        "PlanShortfall",
        "plan_shortfall",
        [
            ("id", Serial, _params(primary_key=True)),
            ("schedule", ForeignKey, _reference(ScheduleMonth)),
            ("uscc", Varchar, _params(length=18, default="")),
            ("unit", ForeignKey, _reference(Unit, index=False)),
            ("entry_id", Varchar, _params(length=64, default="")),
            ("wanted", Integer, _params(default=0)),
            ("planned", Integer, _params(default=0)),
            ("missing", Integer, _params(default=0)),
            ("reason", Text, _params(default="")),
        ],
    ),
    (
        "CalendarYear",
        "calendar_year",
        [
            ("id", Serial, _params(primary_key=True)),
            ("year", Integer, _params(default=0, unique=True)),
            ("source", Varchar, _params(length=120, default="")),
            ("loaded_by", Varchar, _params(length=64, default="")),
            ("loaded_at", Timestamptz, _params(default=None)),
        ],
    ),
    (
        "CalendarDay",
        "calendar_day",
        [
            ("id", Serial, _params(primary_key=True)),
            ("year", Integer, _params(default=0, index=True)),
            ("day", Date, _params(default=None, unique=True)),
            ("kind", Varchar, _params(length=8, default="")),
            ("name", Text, _params(default="")),
        ],
    ),
]

NEW_COLUMNS: list[tuple[str, str, str, type, dict[str, object]]] = [
    ("PlanVisit", "plan_visit", "status", Varchar, _params(length=16, default="planned")),
    ("PlanVisit", "plan_visit", "replaced_by", Integer, _params(default=None, null=True)),
    ("PlanVisit", "plan_visit", "calendar_flag", Text, _params(default="")),
    ("PlanTask", "plan_task", "edited_by_unit", Integer, _params(default=None, null=True)),
    ("PlanCarry", "plan_carry", "entry_ids", JSON, _params(default=[])),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)
    for class_name, tablename, columns in NEW_TABLES:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    for class_name, tablename, name, column_class, params in NEW_COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager

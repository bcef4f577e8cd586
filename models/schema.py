"""Every table of the app, in creation order (referenced tables first)."""

from piccolo.table import Table

from models.tables import BASE_TABLES
from models.visit_tables import VISIT_TABLES

ALL_TABLES: list[type[Table]] = [*BASE_TABLES, *VISIT_TABLES]

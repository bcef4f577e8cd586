"""Every table of the app, in creation order (referenced tables first)."""

from piccolo.table import Table

from models.appointment_tables import APPOINTMENT_TABLES
from models.audit_tables import AUDIT_TABLES
from models.metrics_tables import METRICS_TABLES
from models.nonsite_tables import NONSITE_TABLES
from models.plan_tables import PLAN_TABLES
from models.shared_tables import SHARED_TABLES
from models.supervision_tables import SUPERVISION_TABLES
from models.tables import BASE_TABLES
from models.visit_tables import VISIT_TABLES

ALL_TABLES: list[type[Table]] = [
    *BASE_TABLES,
    *VISIT_TABLES,
    *NONSITE_TABLES,
    *AUDIT_TABLES,
    *PLAN_TABLES,
    *SHARED_TABLES,
    *SUPERVISION_TABLES,
    *APPOINTMENT_TABLES,
    *METRICS_TABLES,
]

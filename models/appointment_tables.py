"""预约式服务 (an enterprise asks a unit for a service visit and proposes slots) and 检查结果互认."""

from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from models.tables import Enterprise, Item, Unit
from models.visit_tables import Visit


class ServiceRequest(Table, tablename="service_request"):
    id = Serial(primary_key=True)
    enterprise = ForeignKey(Enterprise, index=True)
    unit = ForeignKey(Unit, index=True)
    service_type = Varchar(length=16)
    topic = Text(default="")
    slots = JSON(default=[])  # [{"start": ISO 8601, "end": ISO 8601}, …] as the enterprise proposed them
    status = Varchar(length=16, index=True)
    requested_by = Varchar(length=64)
    requested_at = Timestamptz(default=None)
    decided_by = Varchar(length=64, default="")
    decided_at = Timestamptz(null=True, default=None)
    decline_reason = Text(default="")
    chosen_slot = Integer(default=0)  # 1-based; 0 until a slot is chosen
    visit = ForeignKey(Visit, null=True, default=None, index=True)


class ResultAcceptance(Table, tablename="result_acceptance"):
    """检查结果互认: a unit accepts another unit's recent result for an item instead of inspecting again."""

    id = Serial(primary_key=True)
    link_key = Varchar(length=64, unique=True)  # unit:item:visit — one acceptance per unit, item and visit
    unit = ForeignKey(Unit, index=True)
    enterprise = ForeignKey(Enterprise, index=True)
    item = ForeignKey(Item, index=True)
    visit = ForeignKey(Visit, index=True)
    note = Text(default="")
    accepted_by = Varchar(length=64)
    accepted_at = Timestamptz(default=None, index=True)


APPOINTMENT_TABLES: list[type[Table]] = [ServiceRequest, ResultAcceptance]

"""The registry and the three lists (items, joint scenarios, 无事不扰 library) with their history."""

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.readable import Readable
from piccolo.table import Table

from models.enums import (
    InspectorStatus,
    ItemCategory,
    ItemMethod,
    ListStatus,
    RiskGrade,
    Role,
    UnitKind,
)


class Unit(Table, tablename="unit"):
    """执法主体: a department, a street office or another inspecting body."""

    id = Serial(primary_key=True)
    code = Varchar(length=32, unique=True)
    name = Varchar(length=128)
    kind = Varchar(length=16, choices=UnitKind)
    parent: ForeignKey["Unit"] = ForeignKey("self", null=True, default=None)
    sample = Boolean(default=False)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])


class Inspector(Table, tablename="inspector"):
    """执法人员 with a 执法证; auxiliary staff (辅助人员) have no certificate and never inspect."""

    id = Serial(primary_key=True)
    name = Varchar(length=64)
    unit = ForeignKey(Unit, index=True)
    cert_no = Varchar(length=32, unique=True, null=True, default=None)
    valid_from = Date(null=True, default=None)
    valid_to = Date(null=True, default=None)
    status = Varchar(length=16, choices=InspectorStatus, default=InspectorStatus.valid)
    is_auxiliary = Boolean(default=False)
    sample = Boolean(default=False)


class Enterprise(Table, tablename="enterprise"):
    id = Serial(primary_key=True)
    uscc = Varchar(length=18, unique=True)
    name = Varchar(length=200)
    address = Varchar(length=300, default="")
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    industry_code = Varchar(length=8, default="", index=True)
    above_scale = Boolean(default=False)
    risk_grade = Varchar(length=8, choices=RiskGrade, default=RiskGrade.low)
    credit_grade = Varchar(length=4, default="B")
    whitelisted = Boolean(default=False)
    whitelist_reason = Text(default="")
    whitelist_until = Date(null=True, default=None)
    sample = Boolean(default=False)
    # The enterprise code (企业码) in force: issued at ``code_issued_at`` (None: the first code, never re-issued);
    # codes issued at or after ``code_previous_issued_at`` keep working until ``code_previous_until`` (grace).
    code_issued_at = Timestamptz(null=True, default=None)
    code_previous_issued_at = Timestamptz(null=True, default=None)
    code_previous_until = Timestamptz(null=True, default=None)


class User(Table, tablename="app_user"):
    id = Serial(primary_key=True)
    username = Varchar(length=64, unique=True)
    password_hash = Varchar(length=200)
    role = Varchar(length=16, choices=Role)
    unit = ForeignKey(Unit, null=True, default=None)
    inspector = ForeignKey(Inspector, null=True, default=None)
    uscc = Varchar(length=18, null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz(default=None)
    # Raised by deactivation, a role or binding change, a password reset and logout: older tokens stop working.
    token_version = Integer(default=0)


class Item(Table, tablename="item"):
    """涉企检查事项清单 entry."""

    id = Serial(primary_key=True)
    code = Varchar(length=32, unique=True)
    name = Varchar(length=300)
    unit = ForeignKey(Unit, index=True)
    legal_basis = Text(default="")
    object = Text(default="")
    method = Varchar(length=16, choices=ItemMethod, default=ItemMethod.onsite)
    yearly_cap = Integer(default=1)
    nonsite_capable = Boolean(default=False)
    category = Varchar(length=24, choices=ItemCategory, default=ItemCategory.random_check)
    status = Varchar(length=16, choices=ListStatus, default=ListStatus.draft)
    version = Integer(default=1)
    updated_at = Timestamptz(default=None)
    sample = Boolean(default=False)


class Scenario(Table, tablename="scenario"):
    """联合检查场景: items of two or more units checked together in one visit."""

    id = Serial(primary_key=True)
    code = Varchar(length=32, unique=True)
    name = Varchar(length=300)
    industry_codes = JSON(default=[])
    lead_unit = ForeignKey(Unit, index=True)
    item_codes = JSON(default=[])
    status = Varchar(length=16, choices=ListStatus, default=ListStatus.draft)
    version = Integer(default=1)
    updated_at = Timestamptz(default=None)
    sample = Boolean(default=False)


class LibraryEntry(Table, tablename="library_entry"):
    """无事不扰 library: an item without routine on-site inspection and the triggers that allow one."""

    id = Serial(primary_key=True)
    item = ForeignKey(Item, unique=True)
    triggers = JSON(default=[])
    note = Text(default="")
    status = Varchar(length=16, choices=ListStatus, default=ListStatus.published)
    version = Integer(default=1)
    updated_at = Timestamptz(default=None)
    sample = Boolean(default=False)


class ListHead(Table, tablename="list_head"):
    """The current version number of each list; the row lock serializes concurrent changes."""

    id = Serial(primary_key=True)
    name = Varchar(length=16, unique=True)
    version = Integer(default=0)


class CatalogueChange(Table, tablename="catalogue_change"):
    """One numbered version of one record of one list: who, when, why and the record as it became."""

    id = Serial(primary_key=True)
    list_name = Varchar(length=16, index=True)
    list_version = Integer()
    record_code = Varchar(length=32, index=True)
    record_version = Integer()
    action = Varchar(length=8)
    actor = Varchar(length=64)
    at = Timestamptz(default=None)
    reason = Text(default="")
    snapshot = JSON(default={})


class DatasetInfo(Table, tablename="dataset_info"):
    """Key/value facts about the loaded data, e.g. that it is generated sample data."""

    id = Serial(primary_key=True)
    key = Varchar(length=64, unique=True)
    value = Text(default="")


REGISTRY_TABLES: list[type[Table]] = [Unit, Inspector, Enterprise, User]
LIST_TABLES: list[type[Table]] = [Item, Scenario, LibraryEntry, ListHead, CatalogueChange]
BASE_TABLES: list[type[Table]] = [*REGISTRY_TABLES, *LIST_TABLES, DatasetInfo]

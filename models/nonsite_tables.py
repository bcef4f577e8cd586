"""Non-site inspection (非现场检查): devices and points, records of what they saw, and evidence files."""

from piccolo.columns import (
    BigInt,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from models.enums import AssetStatus, NonsiteKind, NonsiteResult
from models.tables import Enterprise, Inspector, Item, Unit
from models.visit_tables import Visit


class NonsiteAsset(Table, tablename="nonsite_asset"):
    id = Serial(primary_key=True)
    code = Varchar(length=32, unique=True)
    kind = Varchar(length=24, choices=NonsiteKind)
    unit = ForeignKey(Unit, index=True)
    name = Varchar(length=200)
    # Where a fixed camera or point stands, or a drone/boat is based (WGS 84).
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    status = Varchar(length=16, choices=AssetStatus, default=AssetStatus.active)
    created_at = Timestamptz(default=None)
    sample = Boolean(default=False)


class NonsiteRecord(Table, tablename="nonsite_record"):
    id = Serial(primary_key=True)
    mode = Varchar(length=24, choices=NonsiteKind, index=True)
    asset = ForeignKey(NonsiteAsset, null=True, default=None, index=True)
    unit = ForeignKey(Unit, index=True)
    operator = ForeignKey(Inspector, index=True)
    started_at = Timestamptz(default=None, index=True)
    ended_at = Timestamptz(default=None)
    # GeoJSON geometry (Point or LineString, WGS 84), validated and stored as canonical JSON text.
    geometry = Text()
    # Optional: a drone patrol may cover an area rather than one enterprise.
    enterprise = ForeignKey(Enterprise, null=True, default=None, index=True)
    findings = Text(default="")
    result = Varchar(length=16, choices=NonsiteResult)
    # The on-site visit this record's finding triggered, if any.
    triggered_visit = ForeignKey(Visit, null=True, default=None)
    created_by = Varchar(length=64)
    created_at = Timestamptz(default=None)
    sample = Boolean(default=False)


class NonsiteRecordItem(Table, tablename="nonsite_record_item"):
    id = Serial(primary_key=True)
    record = ForeignKey(NonsiteRecord, index=True)
    item = ForeignKey(Item, index=True)


class Evidence(Table, tablename="evidence"):
    """One uploaded file, stored once on disk (content-addressed) however often it is uploaded.

    ``sha256`` is the hash of the bytes the client sent (and announced): the identity of the upload.
    ``stored_sha256`` is the hash of the bytes kept on disk — the same for files kept as sent, the hash
    of the re-encoded file for images (metadata stripped) — and names the file in the store.
    """

    id = Serial(primary_key=True)
    sha256 = Varchar(length=64, unique=True)
    stored_sha256 = Varchar(length=64, index=True)
    media_type = Varchar(length=100)
    size = BigInt()
    stored_size = BigInt()
    original_filename = Varchar(length=255, default="")
    stored_path = Varchar(length=200)  # relative to <data_dir>/evidence
    thumbnail_path = Varchar(length=200, null=True, default=None)
    captured_at = Timestamptz(null=True, default=None)
    uploaded_by = Varchar(length=64)
    uploaded_at = Timestamptz(default=None)


class RecordEvidence(Table, tablename="record_evidence"):
    id = Serial(primary_key=True)
    record = ForeignKey(NonsiteRecord, index=True)
    evidence = ForeignKey(Evidence, index=True)
    # "<record id>:<evidence id>": a file is attached to a record once (a portable composite unique key;
    # SQLite cannot add a composite UNIQUE constraint to an existing table).
    link_key = Varchar(length=64, unique=True)
    added_by = Varchar(length=64)
    added_at = Timestamptz(default=None)


class VisitEvidence(Table, tablename="visit_evidence"):
    """A photo or file taken during an on-site visit (the inspector's phone, at check-out): the same
    content-addressed evidence store as non-site records."""

    id = Serial(primary_key=True)
    visit = ForeignKey(Visit, index=True)
    evidence = ForeignKey(Evidence, index=True)
    link_key = Varchar(length=64, unique=True)  # "<visit id>:<evidence id>": a file is attached to a visit once
    added_by = Varchar(length=64)
    added_at = Timestamptz(default=None)


NONSITE_TABLES: list[type[Table]] = [
    NonsiteAsset,
    NonsiteRecord,
    NonsiteRecordItem,
    Evidence,
    RecordEvidence,
    VisitEvidence,
]

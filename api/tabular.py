"""Spreadsheets in and out: .xlsx (openpyxl) and UTF-8 CSV, plus typed reading of one row's cells.

No HTTP and no database here: ``read_table`` turns uploaded bytes into numbered rows keyed by header,
``write_xlsx``/``write_csv`` turn rows into bytes, and ``RowReader`` parses cells into domain values,
collecting a ``RowError`` per bad cell instead of stopping at the first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import PurePath
from typing import Any

import msgspec
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from api.clock import LOCAL_TZ
from api.errors import DomainError, InvalidInput, PayloadTooLarge, RuleViolation
from api.i18n import Text, for_reader, tr

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
# Bounds checked before (and while) an .xlsx is parsed: a small archive can expand enormously.
MAX_SHEET_ROWS = MAX_ROWS + 1000  # rows read from the sheet, empty ones included (header = row 1)
MAX_COLUMNS = 100  # cells read per row; columns right of these are ignored
MAX_ENTRY_BYTES = 16 * 1024 * 1024  # uncompressed size of one part of the archive (a worksheet, the strings)
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024  # all parts together
MAX_ARCHIVE_ENTRIES = 500
MAX_SHARED_STRINGS = 200_000
PARSE_BUDGET_S = 20.0  # wall time a file may take to read
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"  # Litestar appends "; charset=utf-8" to text/* types itself
LIST_SEPARATORS = ("、", ",", "，", ";", "；")  # ideographic comma, ASCII and full-width , ;
_TRUE = {"是", "y", "yes", "true", "1", "√"}
_FALSE = {"否", "n", "no", "false", "0", "×"}


# What openpyxl raises on a damaged workbook (SyntaxError: the XML parsers' ParseError).
_XLSX_ERRORS: tuple[type[Exception], ...] = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError)
_XLSX_ERRORS += (IndexError, AttributeError, OSError, EOFError, SyntaxError)


class UnsupportedFileType(DomainError):
    status = 415
    code = "unsupported_file_type"


class RowError(msgspec.Struct):
    row: int
    column: str
    code: str
    message: str


class Table(msgspec.Struct):
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number in the sheet, header -> cell text); header is row 1


def file_kind(filename: str, content_type: str | None) -> str:
    """``xlsx`` or ``csv`` from the file name's extension (or, without one, from the media type)."""
    suffix = PurePath(filename or "").suffix.lower()
    media = (content_type or "").split(";")[0].strip().lower()
    if suffix == ".xlsx" or (not suffix and media == XLSX_MEDIA_TYPE):
        return "xlsx"
    if suffix == ".csv" or (not suffix and media in {"text/csv", "application/csv"}):
        return "csv"
    if suffix == ".xls":
        raise UnsupportedFileType(
            tr(
                "Only .xlsx workbooks and UTF-8 .csv files can be imported, not {name}. "
                "Save old .xls workbooks as .xlsx first.",
                name=repr(filename),
            )
        )
    raise UnsupportedFileType(
        tr("Only .xlsx workbooks and UTF-8 .csv files can be imported, not {name}.", name=repr(filename or "?"))
    )


def read_table(filename: str, content_type: str | None, data: bytes) -> Table:
    """The file's first sheet as a ``Table``. Blocking and CPU-heavy: call it in a worker thread
    (``api.offload.run_in_pool("heavy", ...)``). A file that would expand past the bounds above is refused
    (413 ``file_too_complex`` / ``too_many_rows``, 422 ``file_too_slow``) before or while it is parsed."""
    kind = file_kind(filename, content_type)
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLarge(
            tr("The file is larger than {megabytes} MB.", megabytes=MAX_FILE_BYTES // (1024 * 1024)),
            code="file_too_large",
        )
    deadline = time.monotonic() + PARSE_BUDGET_S
    if kind == "csv":
        return _table(_csv_rows(data), deadline)
    try:
        check_xlsx_bounds(data)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _table(workbook.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS), deadline)
        finally:
            workbook.close()
    except _XLSX_ERRORS as exc:
        raise InvalidInput(
            tr("The file is not a readable .xlsx workbook ({name}).", name=type(exc).__name__), code="unreadable_file"
        ) from exc


def _too_complex(what: Text) -> PayloadTooLarge:
    return PayloadTooLarge(
        tr("The workbook expands too far to be read ({what}); save it again with only the list's rows.", what=what),
        code="file_too_complex",
    )


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
_STRING_TAG = re.compile(rb"<(?:\w+:)?si[\s/>]")
_TAIL = 16  # bytes carried over between chunks, so that a tag split by a chunk boundary is still seen


def _count(pattern: re.Pattern[bytes], tail: bytes, chunk: bytes) -> int:
    """Tags in ``chunk`` (including one that began in ``tail``, the end of the previous chunk)."""
    return sum(1 for m in pattern.finditer(tail + chunk) if m.end() > len(tail))


def check_xlsx_bounds(data: bytes) -> None:
    """Refuse a workbook that would expand too far, before openpyxl parses it: every part is decompressed
    once (measured, not taken from the sizes the archive claims) and its rows, cells and shared strings are
    counted by their tags. openpyxl would otherwise walk a sheet of two million empty rows just to size it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
        if len(entries) > MAX_ARCHIVE_ENTRIES:
            raise _too_complex(tr("{count} parts", count=len(entries)))
        total = 0
        for entry in entries:
            if entry.file_size > MAX_ENTRY_BYTES:
                raise _too_complex(tr("{name} holds {size} MB", name=entry.filename, size=entry.file_size >> 20))
            sheet = entry.filename.startswith("xl/worksheets/")
            strings = entry.filename == "xl/sharedStrings.xml"
            size = rows = cells = texts = 0
            tail = b""
            with archive.open(entry) as part:
                while chunk := part.read(1 << 20):
                    size += len(chunk)
                    total += len(chunk)
                    if size > MAX_ENTRY_BYTES or total > MAX_UNCOMPRESSED_BYTES:
                        raise _too_complex(tr("more than {size} MB uncompressed", size=MAX_ENTRY_BYTES >> 20))
                    if sheet:
                        rows += _count(_ROW_TAG, tail, chunk)
                        cells += _count(_CELL_TAG, tail, chunk)
                        if rows > MAX_SHEET_ROWS:
                            raise PayloadTooLarge(
                                tr("A file may hold at most {count} rows, empty ones included.", count=MAX_SHEET_ROWS),
                                code="too_many_rows",
                            )
                        if cells > MAX_SHEET_ROWS * MAX_COLUMNS:
                            raise _too_complex(tr("more than {count} cells", count=MAX_SHEET_ROWS * MAX_COLUMNS))
                    elif strings:
                        texts += _count(_STRING_TAG, tail, chunk)
                        if texts > MAX_SHARED_STRINGS:
                            raise _too_complex(tr("more than {count} distinct texts", count=MAX_SHARED_STRINGS))
                    tail = chunk[-_TAIL:]


def _table(raw_rows: Iterable[Sequence[Any]], deadline: float = math.inf) -> Table:
    headers: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(raw_rows, start=1):
        if number > MAX_SHEET_ROWS:
            raise PayloadTooLarge(
                tr("A file may hold at most {count} rows, empty ones included.", count=MAX_SHEET_ROWS),
                code="too_many_rows",
            )
        if number % 256 == 0 and time.monotonic() > deadline:
            raise RuleViolation(
                tr("The file took longer than {seconds} seconds to read; split it.", seconds=int(PARSE_BUDGET_S)),
                code="file_too_slow",
            )
        cells = [cell_text(v) for v in values[:MAX_COLUMNS]]
        if number == 1:
            headers = [_header(c) for c in cells]
            while headers and not headers[-1]:  # a reader pads rows to the widest it reads: no empty columns
                headers.pop()
            continue
        if not any(cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise PayloadTooLarge(
                tr("A file may hold at most {count} data rows.", count=MAX_ROWS), code="too_many_rows"
            )
        cells += [""] * (len(headers) - len(cells))
        row: dict[str, str] = {}
        for header, cell in zip(headers, cells, strict=False):
            if header and header not in row:
                row[header] = cell
        rows.append((number, row))
    return Table(headers=headers, rows=rows)


def _header(text: str) -> str:
    return text.replace(" ", "").replace("\u3000", "").strip("*＊")


def csv_records(data: bytes) -> Iterator[list[str]]:
    """The rows of a UTF-8 CSV file, bounded as an import is: how other modules read CSV (one place reads it)."""
    return _csv_rows(data)


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    """The rows one by one (a file of a million empty lines is refused at ``MAX_SHEET_ROWS``, not listed)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            tr("The CSV file is not valid UTF-8 (byte {start}). In Excel use 'Save as → CSV UTF-8'.", start=exc.start),
            code="invalid_encoding",
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(tr("The CSV file cannot be read: {exc}.", exc=exc), code="unreadable_file") from exc
        yield [_restore(cell) for cell in row[:MAX_COLUMNS]]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


class Sheet(msgspec.Struct):
    """One table of an export: a sheet of a workbook, or a titled section of a CSV file."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]


# OWASP CSV injection: a cell a spreadsheet would read as a formula (or DDE) starts with one of these.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; everything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return _local(value)


def _local(value: Any) -> Any:
    """Instants are shown in Beijing time, without an offset (spreadsheets have no time zones)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return value


def _restore(text: str) -> str:
    """The inverse of ``neutralize`` for imported cells (a list exported as CSV imports unchanged)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text


def write_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    return write_workbook([Sheet(title=title, headers=headers, rows=rows)])


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx file: one worksheet per ``Sheet``, bold frozen header row, columns as wide as their text."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = workbook.create_sheet(_sheet_title(spec.title))
        sheet.freeze_panes = "A2"
        for index, width in enumerate(_widths(spec), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        header_cells = []
        for header in spec.headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in spec.rows:
            cells = []
            for value in row:
                if isinstance(value, str):  # control characters (a name typed with \x01) cannot go in a worksheet
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell = WriteOnlyCell(sheet, value=_local(value))
                if isinstance(value, str):
                    cell.data_type = "s"  # text that starts with "=" stays text, never a formula
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([neutralize(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Chinese text as UTF-8


def write_csv_sections(sheets: Sequence[Sheet]) -> bytes:
    """One CSV file of several tables: each is a 【title】 line, its header row and rows, then a blank line."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for spec in sheets:
        writer.writerow([f"【{spec.title}】"])
        writer.writerow(spec.headers)
        writer.writerows([neutralize(v) for v in row] for row in spec.rows)
        writer.writerow([])
    return out.getvalue().encode("utf-8-sig")


def _sheet_title(title: str) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\."""
    return "".join(" " if c in "[]:*?/\\" else c for c in title)[:31] or "Sheet"


def _display_width(value: Any) -> int:
    text = cell_text(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _widths(spec: Sheet, sample: int = 500) -> list[float]:
    """Column widths (in Excel's character units) from the header and the first rows, 8 to 60 wide."""
    widths = [_display_width(h) for h in spec.headers]
    for row in spec.rows[:sample]:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], _display_width(value))
    return [min(max(w + 2, 8), 60) for w in widths]


class RowReader:
    """Typed access to one row's cells. ``None`` means "not given": the column is absent or the cell empty."""

    def __init__(self, number: int, cells: Mapping[str, str], errors: list[RowError]) -> None:
        self.number = number
        self.cells = cells
        self.errors = errors

    def error(self, column: str, code: str, message: str | Text) -> None:
        self.errors.append(RowError(row=self.number, column=column, code=code, message=for_reader(message)))

    def text(self, column: str, *, required: bool = False) -> str | None:
        value = self.cells.get(column)
        if value:
            return value
        if required:
            self.error(column, "required", tr("{column} must not be empty.", column=column))
            return None
        return None if value is None else ""

    def label(self, column: str, labels: Mapping[str, str]) -> str | None:
        """A Chinese label (or the stored English value) from a closed list."""
        raw = self.cells.get(column) or ""
        if not raw:
            return None
        if raw in labels:
            return labels[raw]
        if raw in labels.values():
            return raw
        self.error(column, "invalid_value", _not_one_of(column, raw, labels))
        return None

    def integer(self, column: str, *, suffixes: Sequence[str] = ()) -> int | None:
        raw = self.cells.get(column) or ""
        for suffix in suffixes:
            raw = raw.removesuffix(suffix)
        if not raw:
            return None
        try:
            return int(raw.strip())
        except ValueError:
            message = tr("{column} must be a whole number, not {value}.", column=column, value=repr(raw))
            self.error(column, "invalid_value", message)
            return None

    def boolean(self, column: str) -> bool | None:
        raw = (self.cells.get(column) or "").lower()
        if not raw:
            return None
        if raw in _TRUE or raw in _FALSE:
            return raw in _TRUE
        self.error(
            column, "invalid_value", tr("{column} must be 是 or 否, not {value}.", column=column, value=repr(raw))
        )
        return None

    def codes(
        self, column: str, *, required: bool = False, labels: Mapping[str, str] | None = None
    ) -> list[str] | None:
        raw = self.text(column, required=required)
        if raw is None:
            return None
        for separator in LIST_SEPARATORS[1:]:
            raw = raw.replace(separator, LIST_SEPARATORS[0])
        parts = [p.strip() for p in raw.split(LIST_SEPARATORS[0]) if p.strip()]
        if labels is None:
            return parts
        values: list[str] = []
        for part in parts:
            value = labels.get(part, part if part in labels.values() else None)
            if value is None:
                self.error(column, "invalid_value", _not_one_of(column, part, labels))
            elif value not in values:
                values.append(value)
        return values


def _not_one_of(column: str, value: str, labels: Mapping[str, str]) -> Text:
    return tr("{column} {value} is not one of: {choices}.", column=column, value=repr(value), choices="/".join(labels))

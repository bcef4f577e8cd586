"""Hostile uploads, built small: workbooks that expand enormously and images that claim huge sizes."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _workbook(header: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replace(xlsx: bytes, parts: dict[str, bytes]) -> bytes:
    """``xlsx`` with ``parts`` replaced or added (deflated: the archive stays small)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename not in parts:
                target.writestr(entry, source.read(entry))
        for name, data in parts.items():
            target.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def empty_rows_workbook(rows: int, header: list[str]) -> bytes:
    """A sheet of ``rows`` empty rows under a header (the 275 KB, 2-million-row workbook of issue 13)."""
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(header))
    body = "".join(f'<row r="{n}"/>' for n in range(2, rows + 2))
    xml = f'<worksheet {_NS}><sheetData><row r="1">{cells}</row>{body}</sheetData></worksheet>'
    return _replace(_workbook(header), {SHEET: xml.encode()})


def shared_strings_bomb(count: int, header: list[str]) -> bytes:
    """A shared-string table of ``count`` entries (compresses to almost nothing)."""
    items = "<si><t>x</t></si>" * count
    xml = f'<sst {_NS} count="{count}" uniqueCount="{count}">{items}</sst>'
    return _replace(_workbook(header), {STRINGS: xml.encode()})


def inflated_part(megabytes: int, header: list[str]) -> bytes:
    """An extra part of ``megabytes`` MB of zeros: kilobytes in the archive."""
    return _replace(_workbook(header), {"xl/padding.bin": bytes(megabytes << 20)})


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` pixels; its pixel data is a few bytes (never decoded)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )

"""QR images of token URLs: PNG (1-bit, Pillow) and SVG text, error correction M.

Speed (target ≤ 5 ms per code at version 11): the version is chosen once, arithmetically; the data
codewords come from ``qr.codewords`` (qrcode's own ``create_data`` is the slow part); the mask pattern
is fixed, so qrcode places modules once instead of nine times (it otherwise tries all eight masks).
The PNG is drawn one module per pixel and scaled with nearest-neighbour; the SVG is one path of runs.
"""

from __future__ import annotations

import io
import re

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from qr import codewords

MAX_VERSION = 11  # a visit code must stay readable from a phone screen held at arm's length
# Joint visits (several units, or more than 4 inspectors) may use up to version 15 (77 modules a side), which
# a phone camera still reads from a screen; beyond it the code carries a digest of its lists instead.
LARGE_MAX_VERSION = 15
MASK_PATTERN = 2  # lowest ISO 18004 penalty for 83 of 100 sample visit URLs (mean 2352 vs 2549-2855)
QUIET_ZONE = 4  # modules of white border, as ISO/IEC 18004 asks
Image.preinit()  # load the PNG driver at import, not inside the first request (~15 ms once)

_DARK_RUN = re.compile(b"\x01+")
_DARK_TO_BLACK = bytes([255, 0]) + bytes(254)  # module 1 (dark) -> 0 (black), 0 -> 255 (white)


class QRTooLarge(ValueError):
    """The URL needs a larger QR version than allowed."""


def qr_matrix(url: str, max_version: int = MAX_VERSION) -> list[list[bool]]:
    """The module matrix (True = dark) without quiet zone; QRTooLarge above ``max_version``."""
    parts = codewords.parts_for(url)
    version = codewords.smallest_version(parts, ERROR_CORRECT_M)
    if version is None or version > max_version:
        raise QRTooLarge(f"{len(url)} characters need QR version {version or '> 40'} (limit {max_version})")
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=0)
    code.data_cache = codewords.codewords(parts, version, ERROR_CORRECT_M)
    code.makeImpl(False, MASK_PATTERN)
    modules: list[list[bool]] = code.modules
    return modules


def qr_version(url: str) -> int | None:
    """The QR version the URL needs at level M (None beyond version 40)."""
    return codewords.smallest_version(codewords.parts_for(url), ERROR_CORRECT_M)


def render_png(url: str, box_size: int = 4, max_version: int = MAX_VERSION) -> bytes:
    """A 1-bit PNG, ``box_size`` pixels per module, with a 4-module quiet zone."""
    matrix = qr_matrix(url, max_version)
    side = len(matrix) + 2 * QUIET_ZONE
    margin = b"\x00" * QUIET_ZONE
    quiet = [b"\x00" * side] * QUIET_ZONE
    dark_is_1 = b"".join([*quiet, *(margin + bytes(row) + margin for row in matrix), *quiet])
    pixels = dark_is_1.translate(_DARK_TO_BLACK)
    image = Image.frombytes("L", (side, side), pixels).convert("1", dither=Image.Dither.NONE)
    if box_size != 1:
        image = image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def render_svg(url: str, box_size: int = 4, max_version: int = MAX_VERSION) -> str:
    """SVG text in module units (one path of horizontal dark runs), ``box_size`` px per module."""
    matrix = qr_matrix(url, max_version)
    side = len(matrix) + 2 * QUIET_ZONE
    runs: list[str] = []
    for y, row in enumerate(matrix, start=QUIET_ZONE):
        for run in _DARK_RUN.finditer(bytes(row)):
            x, width = run.start() + QUIET_ZONE, run.end() - run.start()
            runs.append(f"M{x} {y}h{width}v1h-{width}z")
    px = side * box_size
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{px}" height="{px}" '
        f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )

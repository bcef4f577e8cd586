"""QR images: read a photo or PNG with zxing-cpp, and draw a code in the terminal with half blocks."""

from __future__ import annotations

import io
from pathlib import Path

import zxingcpp
from PIL import Image

QUIET = 2  # modules of light border drawn around the code in the terminal
_HALF = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


class NoCode(ValueError):
    """The image holds no readable QR code."""


def _open(source: Path | bytes) -> Image.Image:
    image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    image.load()
    return image


def decode(source: Path | bytes) -> str:
    """The text of the first QR code in an image file (or PNG bytes)."""
    try:
        image = _open(source)
    except (OSError, ValueError) as exc:
        raise NoCode(f"cannot read the image: {exc}") from exc
    results = [
        r
        for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
        if r.valid and r.format == zxingcpp.BarcodeFormat.QRCode
    ]
    if not results:
        raise NoCode("no QR code found in the image")
    return str(results[0].text)


def modules(source: Path | bytes) -> list[list[bool]]:
    """The module grid (True = dark) of a clean, axis-aligned rendering such as the server's PNG.

    The top-left finder pattern's first row is 7 dark modules: that fixes the module size in pixels.
    """
    image = _open(source).convert("L")
    width, height = image.size
    pixels = image.load()
    assert pixels is not None

    def dark(x: int, y: int) -> bool:
        value = pixels[x, y]
        return (value if isinstance(value, int | float) else value[0]) < 128

    box = image.point(lambda v: 255 if v < 128 else 0).getbbox()
    if box is None:
        raise NoCode("the image is blank")
    left, top, right, bottom = box
    run = 0
    while left + run < right and dark(left + run, top):
        run += 1
    size = run / 7
    if size < 1:
        raise NoCode("no finder pattern at the top-left corner")
    count = round((right - left) / size)
    if count < 21 or abs(count * size - (right - left)) > size / 2 or (bottom - top) > (right - left) + size:
        raise NoCode("the code is not a clean square grid")
    return [
        [
            dark(min(width - 1, int(left + (c + 0.5) * size)), min(height - 1, int(top + (r + 0.5) * size)))
            for c in range(count)
        ]
        for r in range(count)
    ]


def terminal(grid: list[list[bool]], invert: bool = True) -> str:
    """Two module rows per text line (▀ ▄ █). ``invert`` draws dark modules as spaces, for dark terminals."""
    side = len(grid) + 2 * QUIET
    padded = [[False] * side for _ in range(QUIET)]
    padded += [[False] * QUIET + row + [False] * QUIET for row in grid]
    padded += [[False] * side for _ in range(QUIET + 1)]
    lines = []
    for r in range(0, len(grid) + 2 * QUIET, 2):
        top, bottom = padded[r], padded[r + 1]
        lines.append("".join(_HALF[(t != invert, b != invert)] for t, b in zip(top, bottom, strict=True)))
    return "\n".join(lines)

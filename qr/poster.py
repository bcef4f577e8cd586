"""The enterprise code as a printable A4 poster (PNG at 300 dpi): something an enterprise can post on its door.

The page carries the enterprise's name and 统一社会信用代码, the code itself (large enough for a phone at
arm's length), and two short instructions: one for inspectors (扫码入企: scan to check in, unfiled visits are
refused) and one for the enterprise (how to check a visitor's code and complain). Text is set in Noto Sans CJK
SC: the full system font when the machine has it (Debian ``fonts-noto-cjk``), otherwise the GB 2312 cut bundled
in ``qr/fonts`` (see its README). Pure apart from reading those font files: no web framework, no database.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from qr.render import QUIET_ZONE, qr_matrix

DPI = 300
A4 = (2480, 3508)  # 210 × 297 mm at 300 dpi
MARGIN = 170
TEXT_SIZE = 62
BUNDLED_FONT = Path(__file__).parent / "fonts" / "NotoSansSC-GB2312.otf"
SYSTEM_FONTS = {  # (path, index of the SC face in the collection)
    "regular": (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),
    "bold": (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"), 2),
}
GREEN = (21, 94, 52)
INK = (17, 24, 39)
GREY = (75, 85, 99)

INSPECTOR_TEXT = (
    "执法人员：到达后请打开“扫码入企”手机应用扫描本码签到。"
    "未经备案、未经单位负责人批准或不在检查时段内的检查，系统将拒绝并报告行政执法监督机构。"
)
ENTERPRISE_TEXT = (
    "企业：请来访检查人员出示本次检查的检查码（亮码），用手机相机扫码核验检查单位、执法人员和检查事项。"
    "未备案的检查，企业有权拒绝；对检查有异议，可在核验页面一键投诉。"
)


@dataclass(frozen=True)
class PosterText:
    enterprise_name: str
    uscc: str
    footer: str = ""  # e.g. the verification site and the date the code was issued


@dataclass(frozen=True)
class _Fonts:
    regular: str | Path
    bold: str | Path
    regular_index: int
    bold_index: int
    fake_bold: bool  # the bundled cut has one weight: bold is drawn with a stroke

    def font(self, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        path, index = (self.bold, self.bold_index) if bold else (self.regular, self.regular_index)
        return ImageFont.truetype(str(path), size, index=index)


@lru_cache(maxsize=2)
def _fonts(use_system: bool = True) -> _Fonts:
    regular, bold = SYSTEM_FONTS["regular"], SYSTEM_FONTS["bold"]
    if use_system and regular[0].exists() and bold[0].exists():
        return _Fonts(regular[0], bold[0], regular[1], bold[1], fake_bold=False)
    return _Fonts(BUNDLED_FONT, BUNDLED_FONT, 0, 0, fake_bold=True)


def render_poster(url: str, text: PosterText, *, use_system_font: bool = True) -> bytes:
    """The A4 poster as PNG bytes (300 dpi), with the QR code of ``url``."""
    fonts = _fonts(use_system_font)
    page = Image.new("RGB", A4, "white")
    draw = ImageDraw.Draw(page)
    width = A4[0] - 2 * MARGIN
    y = MARGIN

    draw.rectangle((0, 0, A4[0], 40), fill=GREEN)
    y = _line(draw, fonts, "企业码 · 扫码入企", y, size=120, bold=True, fill=GREEN)
    y += 40
    for line in _wrap(draw, fonts.font(104, bold=True), text.enterprise_name, width):
        y = _line(draw, fonts, line, y, size=104, bold=True, fill=INK)
    y = _line(draw, fonts, f"统一社会信用代码  {text.uscc}", y + 10, size=56, fill=GREY)
    y += 50

    matrix = qr_matrix(url, max_version=15)
    modules = len(matrix) + 2 * QUIET_ZONE
    box = min(1500, A4[1] - y - 1100) // modules
    side = modules * box
    left = (A4[0] - side) // 2
    _draw_code(draw, matrix, left, y, box)
    draw.rounded_rectangle((left - 12, y - 12, left + side + 12, y + side + 12), radius=24, outline=GREEN, width=8)
    y += side + 70

    for paragraph in (INSPECTOR_TEXT, ENTERPRISE_TEXT):
        for line in _wrap(draw, fonts.font(TEXT_SIZE), paragraph, width):
            y = _line(draw, fonts, line, y, size=TEXT_SIZE, fill=INK, center=False)
        y += 36
    if text.footer:
        _line(draw, fonts, text.footer, A4[1] - MARGIN - 40, size=40, fill=GREY)

    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()


def _draw_code(draw: ImageDraw.ImageDraw, matrix: list[list[bool]], left: int, top: int, box: int) -> None:
    for row_index, row in enumerate(matrix, start=QUIET_ZONE):
        y = top + row_index * box
        for col_index, dark in enumerate(row, start=QUIET_ZONE):
            if dark:
                x = left + col_index * box
                draw.rectangle((x, y, x + box - 1, y + box - 1), fill="black")


def _line(
    draw: ImageDraw.ImageDraw,
    fonts: _Fonts,
    text: str,
    y: int,
    *,
    size: int,
    fill: tuple[int, int, int],
    bold: bool = False,
    center: bool = True,
) -> int:
    """Draw one line (centred, or from the left margin); return the y of the next line."""
    font = fonts.font(size, bold)
    stroke = max(size // 40, 1) if bold and fonts.fake_bold else 0
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font, stroke_width=stroke)
    x = (A4[0] - (right - left)) // 2 if center else MARGIN
    draw.text((x - left, y - top), text, font=font, fill=fill, stroke_width=stroke, stroke_fill=fill)
    return y + int((bottom - top) * 1.45)


def _wrap(draw: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont, text: str, width: int) -> list[str]:
    """Break Chinese text into lines that fit ``width`` pixels (any character may end a line)."""
    lines, current = [], ""
    for char in text:
        candidate = current + char
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = char.lstrip()
        else:
            current = candidate
    return [*lines, current] if current else lines


def covers(text: str, *, use_system_font: bool = True) -> bool:
    """Whether the poster's font has a glyph for every character of ``text`` (no tofu)."""
    fonts = _fonts(use_system_font)
    font = fonts.font(40)
    missing = font.getmask("\uffff").getbbox()  # what an unknown character draws: the .notdef box
    return all(ch.isspace() or font.getmask(ch).getbbox() != missing for ch in text)

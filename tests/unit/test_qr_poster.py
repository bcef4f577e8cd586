"""The enterprise code poster: A4 at 300 dpi, the code decodes from the printed page, every character has a glyph."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from qr.poster import A4, ENTERPRISE_TEXT, INSPECTOR_TEXT, PosterText, covers, render_poster

URL = "HTTP://127.0.0.1:8000/E/2KCEVIQBE4" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 5
TEXT = PosterText(
    "济南泉城餐饮有限公司（样例）", "91370112MA3C0001AT", "核验网址 http://127.0.0.1:8000 · 2026-06-10 生成"
)


@pytest.mark.parametrize("system_font", [True, False])
def test_the_poster_is_a4_at_300_dpi_and_its_code_scans(system_font: bool) -> None:
    image = Image.open(io.BytesIO(render_poster(URL, TEXT, use_system_font=system_font)))
    assert image.size == A4 and round(image.info["dpi"][0]) == 300
    # As a phone would see a printed page: the whole sheet, scaled down.
    small = image.convert("L").resize((A4[0] // 3, A4[1] // 3))
    found = zxingcpp.read_barcodes(small, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    assert [b.text for b in found] == [URL]


@pytest.mark.parametrize("system_font", [True, False])
def test_the_poster_s_words_have_glyphs(system_font: bool) -> None:
    for words in (TEXT.enterprise_name, "统一社会信用代码", "企业码 · 扫码入企", INSPECTOR_TEXT, ENTERPRISE_TEXT):
        assert covers(words, use_system_font=system_font), words


def test_the_bundled_font_knows_what_it_lacks() -> None:
    assert not covers("龘", use_system_font=False)  # outside GB 2312: the check is not vacuous

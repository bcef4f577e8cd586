"""QR images: the realistic visit URL fits version 11 at level M, PNG and SVG scan back exactly."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import qrcode
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from qrcode import util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q
from qrcode.exceptions import DataOverflowError

from qr import codewords
from qr.claims import EnterpriseClaims, VisitClaims
from qr.codec import enterprise_url, visit_url
from qr.keys import KeyRing
from qr.render import QUIET_ZONE, QRTooLarge, qr_matrix, qr_version, render_png, render_svg
from qr.tokens import sign_enterprise, sign_visit

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
BASE_URL = "https://ruqi.example.gov.cn"  # 27 characters: the longest base that keeps version 11
RING = KeyRing.generate(NOW)


def realistic_visit_token(visit_id: int = 40213, certs: int = 2, items: int = 3) -> bytes:
    """Issuer, visit id, USCC, window, two 执法证 numbers and three item codes."""
    return sign_visit(
        VisitClaims.for_window(
            issuer="ruqi",
            visit_id=visit_id,
            uscc="91370112MA3C1234X5",
            window_start=NOW + timedelta(days=5),
            window_end=NOW + timedelta(days=5, hours=3),
            issued_at=NOW,
            cert_numbers=[f"370112001234{n:02d}" for n in range(certs)],
            item_codes=[f"JC-U-D21-{n:03d}" for n in range(items)],
        ),
        RING,
    )


VISIT_URL = visit_url(BASE_URL, realistic_visit_token())


def _decode(png: bytes) -> list[zxingcpp.Barcode]:
    # Only QR codes: zxing-cpp 3 also reports phantom 1-D barcodes inside some QR matrices.
    return list(
        zxingcpp.read_barcodes(
            Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    )


def test_realistic_visit_token_is_about_210_bytes_and_fits_version_11_at_level_m() -> None:
    token = realistic_visit_token(visit_id=2_000_000_000)  # a 4-byte visit id: the largest encoding
    assert len(token) <= 210
    url = visit_url(BASE_URL, token)
    assert qr_version(url) == 11
    assert len(qr_matrix(url)) == 17 + 4 * 11


def test_png_scans_back_to_the_exact_url() -> None:
    png = render_png(VISIT_URL)
    (barcode,) = _decode(png)
    assert barcode.text == VISIT_URL
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode and barcode.ec_level == "M"
    image = Image.open(io.BytesIO(png))
    assert image.mode == "1" and image.size == ((61 + 2 * QUIET_ZONE) * 4,) * 2


def test_enterprise_code_and_other_box_sizes_scan_too() -> None:
    token = sign_enterprise(EnterpriseClaims("ruqi", "91370112MA3C1234X5", NOW), RING)
    url = enterprise_url("http://127.0.0.1:8000", token)
    for box in (1, 2, 8):
        assert [b.text for b in _decode(render_png(url, box_size=box))] == [url]


def test_svg_is_well_formed_and_draws_exactly_the_matrix() -> None:
    svg = render_svg(VISIT_URL, box_size=4)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("width") == "276"
    path = root.find("{http://www.w3.org/2000/svg}path")
    assert path is not None
    matrix = qr_matrix(VISIT_URL)
    side = len(matrix) + 2 * QUIET_ZONE
    drawn = [[False] * side for _ in range(side)]
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path.get("d", "")):
        for dx in range(int(width)):
            drawn[int(y)][int(x) + dx] = True
    assert [row[QUIET_ZONE:-QUIET_ZONE] for row in drawn[QUIET_ZONE:-QUIET_ZONE]] == matrix
    assert not any(drawn[y][x] for y in range(side) for x in range(side) if min(x, y, side - 1 - x, side - 1 - y) < 4)
    raster = Image.frombytes("L", (side, side), bytes(0 if d else 255 for row in drawn for d in row))
    out = io.BytesIO()
    raster.resize((side * 4, side * 4), Image.Resampling.NEAREST).save(out, format="PNG")
    assert [b.text for b in _decode(out.getvalue())] == [VISIT_URL]


def test_payloads_beyond_version_11_are_refused() -> None:
    too_big = visit_url(BASE_URL, realistic_visit_token(certs=3, items=5))
    with pytest.raises(QRTooLarge):
        render_png(too_big)
    with pytest.raises(QRTooLarge):
        render_svg(too_big)
    assert [b.text for b in _decode(render_png(too_big, max_version=14))] == [too_big]


@pytest.mark.parametrize("visit_id", range(8))
def test_many_tokens_scan_with_the_fixed_mask(visit_id: int) -> None:
    url = visit_url(BASE_URL, realistic_visit_token(visit_id=visit_id))
    assert [b.text for b in _decode(render_png(url))] == [url]


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567:/.", min_size=1, max_size=1200)
    | st.text(alphabet="0123456789", min_size=1, max_size=2000)
    | st.text(max_size=300),
    st.sampled_from([ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q, ERROR_CORRECT_H]),
)
def test_fast_codewords_equal_qrcodes_own(text: str, error_correction: int) -> None:
    parts = codewords.parts_for(text)
    version = codewords.smallest_version(parts, error_correction)
    reference = qrcode.QRCode(error_correction=error_correction)
    reference.add_data(text)
    try:
        assert version == reference.best_fit()
    except DataOverflowError:
        assert version is None
    if version is not None:
        expected = util.create_data(version, error_correction, [segment for segment, _, _ in parts])
        assert codewords.codewords(parts, version, error_correction) == expected

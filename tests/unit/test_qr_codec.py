"""Token bytes ⇄ Base32 text in an upper-case URL path (QR alphanumeric mode)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qr.codec import (
    MAX_TEXT_CHARS,
    MalformedToken,
    decode_token,
    encode_token,
    enterprise_url,
    token_from_url_or_text,
    visit_url,
)

QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
TOKEN = bytes(range(40))


@given(st.binary(min_size=1, max_size=400))
def test_base32_round_trip_is_upper_case_without_padding(token: bytes) -> None:
    text = encode_token(token)
    assert "=" not in text and text == text.upper()
    assert decode_token(text) == token


def test_url_shapes_are_entirely_qr_alphanumeric() -> None:
    visit = visit_url("https://ruqi.example.gov.cn/", TOKEN)
    enterprise = enterprise_url("http://127.0.0.1:8000", TOKEN)
    assert visit == f"HTTPS://RUQI.EXAMPLE.GOV.CN/V/{encode_token(TOKEN)}"
    assert enterprise == f"HTTP://127.0.0.1:8000/E/{encode_token(TOKEN)}"
    assert set(visit) <= QR_ALPHANUMERIC and set(enterprise) <= QR_ALPHANUMERIC


def test_a_path_prefix_keeps_its_case() -> None:
    assert visit_url("https://gov.cn/ruqi/", TOKEN).startswith("HTTPS://GOV.CN/ruqi/V/")


@pytest.mark.parametrize("base", ["ruqi.example.gov.cn", "https://h/?a=1", "https://h/#x", "https://u:p@h/"])
def test_base_urls_that_cannot_prefix_a_token_path_are_refused(base: str) -> None:
    with pytest.raises(ValueError):
        visit_url(base, TOKEN)


@pytest.mark.parametrize(
    "text",
    [
        visit_url("https://ruqi.example.gov.cn", TOKEN),
        visit_url("https://ruqi.example.gov.cn", TOKEN).lower(),  # some scanners lower-case the URL
        enterprise_url("https://h", TOKEN) + "/",
        enterprise_url("https://h", TOKEN) + "?utm=x#y",
        f"/V/{encode_token(TOKEN)}",
        f"  {encode_token(TOKEN)}\n",
    ],
)
def test_token_from_url_or_text_accepts_what_a_scanner_hands_over(text: str) -> None:
    assert token_from_url_or_text(text) == TOKEN


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ABC",
        "A1B2",
        "HTTPS://H/X/AAAAAAAA",
        "HTTPS://H/V/",
        "HTTPS://[/V/AA",
        "ÄÖÜ",
        "A" * (MAX_TEXT_CHARS + 1),
    ],
)
def test_bad_text_raises_malformed_token(text: str) -> None:
    with pytest.raises(MalformedToken):
        token_from_url_or_text(text)

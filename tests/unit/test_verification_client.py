"""Coarse client facts for the verification log, the page's words, and token parsing (no I/O)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.context import ServiceContext
from api.settings import Settings
from api.verification.log import browser_family, coarse_client, network_of
from api.verification.schemas import VerificationOutcome
from api.verification.service import MAX_TOKEN_TEXT, live_visit_id, parse_token
from api.verification.texts import kind_text, outcome_text, window_text
from models.enums import ServiceType, VisitKind
from qr import KeyRing

NOW = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)
ENV = ServiceContext(
    keyring=KeyRing.generate(NOW), policy=Settings().filing_policy, public_base_url="https://x.example"
)

WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN"
)
CHROME = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1"
HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36"


@pytest.mark.parametrize(
    ("ua", "family"),
    [(WECHAT, "WeChat"), (CHROME, "Chrome"), (SAFARI, "Safari"), (HEADLESS, "Chrome"), ("", "other"), (None, "other")],
)
def test_browser_family(ua: str | None, family: str) -> None:
    assert browser_family(ua) == family


@pytest.mark.parametrize(
    ("host", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("testclient", "unknown"),
        (None, "unknown"),
    ],
)
def test_network_is_truncated(host: str | None, network: str) -> None:
    assert network_of(host) == network


def test_coarse_client_is_short_and_holds_no_full_address() -> None:
    client = coarse_client("203.0.113.77", WECHAT)
    assert client == "203.0.113.0/24 WeChat"
    assert len(coarse_client("2001:db8::1", "x" * 10_000)) <= 120


@given(st.one_of(st.none(), st.text(max_size=300)), st.one_of(st.none(), st.text(max_size=3000)))
def test_coarse_client_never_fails(host: str | None, ua: str | None) -> None:
    assert len(coarse_client(host, ua)) <= 120


def test_every_outcome_has_words() -> None:
    for outcome in VerificationOutcome:
        tone, headline, reason, detail = outcome_text(outcome)
        assert detail and headline in ("已备案 · 有效", "时间未到 · 尚未生效", "未备案/无效")
        assert (headline == "时间未到 · 尚未生效") == (outcome is VerificationOutcome.not_yet_valid)
        assert (tone == "green") == (outcome is VerificationOutcome.valid) and bool(reason) != (tone == "green")


def test_service_visits_say_they_are_not_inspections() -> None:
    assert kind_text(VisitKind.enforcement, None) == ("行政检查", "")
    label, notice = kind_text(VisitKind.service, ServiceType.research)
    assert label == "调研（非检查）" and "不是行政检查" in notice and "执法权力" in notice


def test_window_text_is_local_time() -> None:
    start = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai, a Friday
    assert window_text(start, start + dt.timedelta(hours=2)) == "2026年11月27日（周五）09:00–11:00"
    assert window_text(start, start + dt.timedelta(hours=20)) == "2026年11月27日（周五）09:00 – 11月28日05:00"


@given(st.one_of(st.text(max_size=2 * MAX_TOKEN_TEXT), st.binary(max_size=500).map(lambda b: b.decode("latin-1"))))
def test_parsing_and_live_checks_never_raise(text: str) -> None:
    parse_token(text)
    assert live_visit_id(text, ENV, NOW) is None


def test_overlong_text_is_refused_unread() -> None:
    assert parse_token("A" * (MAX_TOKEN_TEXT + 1)) is None
    assert parse_token(None) is None

"""The verification log: coarse client facts (network prefix, browser family) and the supervisor's listing.

Only coarse facts are kept: the client's IPv4 /24 or IPv6 /48 network and the browser family, never the
full address or the User-Agent string.
"""

from __future__ import annotations

import ipaddress

from api.cursor import decode_ids, encode_cursor
from api.pagination import Page
from api.verification.schemas import VerificationLogRead
from models.estimates import page_total
from models.visit_tables import VerificationLog

# Order matters: in-app browsers and derivatives name Safari and Chrome too.
_FAMILIES: tuple[tuple[str, str], ...] = (
    ("micromessenger", "WeChat"),
    ("alipayclient", "Alipay"),
    ("dingtalk", "DingTalk"),
    ("mqqbrowser", "QQ"),
    ("qqbrowser", "QQ"),
    ("ucbrowser", "UC"),
    ("huaweibrowser", "Huawei"),
    ("miuibrowser", "Xiaomi"),
    ("samsungbrowser", "Samsung"),
    ("edg/", "Edge"),
    ("opr/", "Opera"),
    ("firefox/", "Firefox"),
    ("fxios", "Firefox"),
    ("crios", "Chrome"),
    ("chrome/", "Chrome"),
    ("chromium", "Chrome"),
    ("safari/", "Safari"),
    ("curl/", "curl"),
)
MAX_UA_CHARS = 2048


def browser_family(user_agent: str | None) -> str:
    ua = (user_agent or "")[:MAX_UA_CHARS].lower()
    return next((family for needle, family in _FAMILIES if needle in ua), "other")


def network_of(host: str | None) -> str:
    """``203.0.113.0/24`` or ``2001:db8:1::/48``; ``unknown`` when the host is not an IP address."""
    try:
        address = ipaddress.ip_address((host or "").strip())
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def coarse_client(host: str | None, user_agent: str | None) -> str:
    return f"{network_of(host)} {browser_family(user_agent)}"[:120]


async def list_verifications(
    visit_id: int | None, limit: int = 100, offset: int = 0, after: str | None = None
) -> Page[VerificationLogRead]:
    """Newest first; all verifications, or those of one visit; ``after`` continues from a page's ``next_after``."""
    query = VerificationLog.select().order_by(VerificationLog.id, ascending=False)
    count = VerificationLog.count()
    if visit_id is not None:
        query = query.where(VerificationLog.visit_id == visit_id)
        count = count.where(VerificationLog.visit_id == visit_id)
    if after is not None:
        query = query.where(VerificationLog.id < decode_ids(after)[0])
    rows = await query.limit(limit).offset(offset)
    items = [
        VerificationLogRead(
            id=r["id"],
            at=r["at"],
            visit_id=r["visit_id"],
            outcome=r["outcome"],
            channel=r["channel"],
            client=r["client"],
        )
        for r in rows
    ]
    total, exact = await page_total(VerificationLog, count, filtered=visit_id is not None)
    following = encode_cursor(rows[-1]["id"]) if len(rows) == limit else None
    return Page(items, total, limit, offset, following, exact)

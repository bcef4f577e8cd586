"""QR codes for 扫码入企: signed visit and enterprise tokens, their keys, URLs and images.

Pure domain code: no Litestar, no Piccolo, nothing from ``api`` or ``models``.
"""

from qr.claims import DEFAULT_GRACE, EnterpriseClaims, TokenKind, VisitClaims
from qr.codec import MalformedToken, enterprise_url, token_from_url_or_text, visit_url
from qr.keys import KeyInfo, KeyRing
from qr.render import QRTooLarge, render_png, render_svg
from qr.tokens import Outcome, VerifyResult, sign_enterprise, sign_visit, verify_token, verify_with_jwks

__all__ = [
    "DEFAULT_GRACE",
    "EnterpriseClaims",
    "KeyInfo",
    "KeyRing",
    "MalformedToken",
    "Outcome",
    "QRTooLarge",
    "TokenKind",
    "VerifyResult",
    "VisitClaims",
    "enterprise_url",
    "render_png",
    "render_svg",
    "sign_enterprise",
    "sign_visit",
    "token_from_url_or_text",
    "verify_token",
    "verify_with_jwks",
    "visit_url",
]

"""统一社会信用代码 (USCC) per GB 32100-2015: 18 characters, the last a check character.

Characters come from a 31-symbol alphabet (digits and upper-case letters without I, O, S, V, Z).
Positions 3–8 are the administrative division code and must be digits.
"""

from __future__ import annotations

from api.errors import InvalidInput
from api.i18n import tr

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class InvalidUSCC(InvalidInput):
    code = "invalid_uscc"


def check_character(first17: str) -> str:
    """The 18th character for the given first 17."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(raw: str, *, field: str = "uscc") -> str:
    """Return the canonical (upper-case, trimmed) USCC or raise ``InvalidUSCC`` naming what is wrong.

    Lower-case input is accepted and upper-cased: people type codes by hand, and the standard
    alphabet is case-free in meaning.
    """
    code = raw.strip().upper()
    if len(code) != 18:
        raise InvalidUSCC(tr("统一社会信用代码 must have 18 characters, got {count}", count=len(code)), field=field)
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        raise InvalidUSCC(tr("统一社会信用代码 contains characters outside GB 32100-2015: {bad}", bad=bad), field=field)
    if not code[2:8].isdigit():
        raise InvalidUSCC(tr("统一社会信用代码 positions 3–8 (division code) must be digits"), field=field)
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidUSCC(
            tr("统一社会信用代码 check character is {code}, expected {expected}", code=code[17], expected=expected),
            field=field,
        )
    return code


def is_valid_uscc(raw: str) -> bool:
    try:
        normalize_uscc(raw)
    except InvalidUSCC:
        return False
    return True

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.registry.uscc import ALPHABET, InvalidUSCC, check_character, is_valid_uscc, normalize_uscc

# Published examples of real registrations (GB 32100-2015 check characters).
VALID = ["91350100M000100Y43", "91110000600037341L"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code: str) -> None:
    assert normalize_uscc(code) == code


def test_lowercase_and_spaces_are_normalized() -> None:
    assert normalize_uscc("  91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y44", "check character is 4, expected 3"),
        ("91350100M000100Y4", "18 characters, got 17"),
        ("91350100M000100Y433", "18 characters, got 19"),
        ("", "18 characters, got 0"),
        ("91350100M000100I43", "outside GB 32100-2015: I"),
        ("9135O100M000100Y43", "outside GB 32100-2015: O"),
        ("91A50100M000100Y43", "division code"),
        ("91350100M000100Y4!", "outside GB 32100-2015: !"),
    ],
)
def test_invalid_codes_name_the_problem(code: str, fragment: str) -> None:
    with pytest.raises(InvalidUSCC) as info:
        normalize_uscc(code)
    assert fragment in str(info.value.message)
    assert info.value.code == "invalid_uscc"


@given(
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)
def test_generated_check_character_validates_and_any_other_fails(head: str, division: str, body: str) -> None:
    first17 = head + division + body
    good = first17 + check_character(first17)
    assert is_valid_uscc(good)
    for other in ALPHABET:
        if other != good[-1]:
            assert not is_valid_uscc(first17 + other)


def test_single_character_substitution_is_detected() -> None:
    code = VALID[0]
    for position in range(17):
        for ch in ALPHABET:
            if ch != code[position]:
                altered = code[:position] + ch + code[position + 1 :]
                if altered[2:8].isdigit():
                    assert not is_valid_uscc(altered), altered

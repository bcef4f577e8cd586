"""The password policy for accounts created or reset through the API or ``ruqi create-user`` (pure).

At least ``MIN_LENGTH`` characters, not one of the most common passwords (nor one of them with digits or
punctuation around it), and not the username. The sample district's shared demo password is set only by
``ruqi seed`` (``api.sample``) and is refused here like any other weak password.
"""

from __future__ import annotations

import re

from api.errors import RuleViolation
from api.i18n import tr

MIN_LENGTH = 12
MAX_LENGTH = 256

# The most used passwords of the published leak lists (lower case), plus the sample district's demo password.
COMMON = frozenset(
    [
        "123456",
        "123456789",
        "12345678",
        "1234567890",
        "12345",
        "1234567",
        "111111",
        "000000",
        "123123",
        "654321",
        "666666",
        "888888",
        "112233",
        "121212",
        "123321",
        "147258369",
        "159753",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "1qaz2wsx",
        "1qaz2wsx3edc",
        "a123456",
        "aa123456",
        "abc123",
        "abc123456",
        "abcd1234",
        "admin",
        "admin123",
        "admin1234",
        "administrator",
        "asdfgh",
        "asdfghjkl",
        "asd123",
        "baseball",
        "changeme",
        "dragon",
        "football",
        "iloveyou",
        "letmein",
        "login",
        "master",
        "monkey",
        "passw0rd",
        "password",
        "password1",
        "password123",
        "princess",
        "qazwsx",
        "qwe123",
        "qwerty",
        "qwerty123",
        "qwertyuiop",
        "shanghai",
        "starwars",
        "sunshine",
        "superman",
        "trustno1",
        "welcome",
        "welcome1",
        "woaini",
        "woaini1314",
        "zxcvbnm",
        "zaq12wsx",
        "5201314",
        "1314520",
        "ruqi",
        "ruqi-demo",
        "ruqidemo",
        "ruqi123",
        "ruqi2026",
        "changeit",
        "p@ssw0rd",
        "p@ssword",
        "default",
        "secret",
        "root",
        "toor",
        "guest",
        "test",
        "test123",
        "user123",
        "china",
        "beijing",
        "jinan",
        "qwertyuiopasdfghjkl",
        "123456789012",
        "1234567890123",
        "12345678910",
        "11111111",
        "00000000",
        "88888888",
        "66666666",
        "87654321",
        "147258",
        "159357",
        "741852963",
        "qweasdzxc",
        "qweasd",
        "1qazxsw2",
        "passwordpassword",
        "administrator1",
        "admin888",
        "admin@123",
    ]
)
_AROUND = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$")


def password_problem(password: str, username: str) -> str | None:
    """The policy's machine code for what is wrong with ``password``, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "password_too_short"
    lowered = password.casefold()
    core = _AROUND.sub(r"\1", lowered)
    if lowered in COMMON or core in COMMON or len(set(lowered)) <= 2:
        return "password_too_common"
    name = username.casefold()
    if name and (name in lowered or lowered in name):
        return "password_contains_username"
    return None


def check_password(password: str, username: str, field: str = "password") -> None:
    """Raise ``RuleViolation`` (422) naming what is wrong with ``password``."""
    code = password_problem(password, username)
    if code == "password_too_short":
        raise RuleViolation(tr("A password has at least {count} characters.", count=MIN_LENGTH), code=code, field=field)
    if code == "password_too_common":
        raise RuleViolation(tr("This password is among the most common ones; choose another."), code=code, field=field)
    if code == "password_contains_username":
        raise RuleViolation(tr("A password must not contain the username."), code=code, field=field)

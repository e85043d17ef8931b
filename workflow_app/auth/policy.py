"""The password policy for passwords people choose (change and, later, any new one).

At least MIN_LENGTH characters, not the username (nor containing it), and not one of
the commonly used passwords shipped in common_passwords.txt (checked without regard to
case). Temporary passwords from an admin reset are random and forced to change.
"""

import secrets
from functools import cache
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
# No 0/O, 1/l/I: a temporary password is read out over the phone.
TEMP_ALPHABET = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"


@cache
def common_passwords():
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def password_problem(password, username):
    """The field error code for a new password, or None when it is acceptable."""
    password, name = password or "", (username or "").strip().lower()
    if len(password) < MIN_LENGTH:
        return "password_too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        return "not_text"
    lowered = password.lower()
    if name and (lowered == name or lowered == name[::-1]
                 or (len(name) >= 4 and name in lowered)):
        return "password_has_username"
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return "password_common"
    return None


def temporary_password():
    """A random password for an admin reset; the holder must change it at next login."""
    return "".join(secrets.choice(TEMP_ALPHABET) for _ in range(14))

"""Password hashing with Argon2id.

Defaults are argon2-cffi's (RFC 9106 low-memory profile); the test configuration
lowers the cost through ARGON2_TIME_COST / ARGON2_MEMORY_COST so the suite can
create hundreds of users quickly. Stored hashes carry their own parameters, so
verifying works whatever the current settings are.
"""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


@cache
def _hasher(time_cost, memory_cost):
    if time_cost is None:
        return PasswordHasher()
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)


def hasher():
    if not has_app_context():
        return _hasher(None, None)
    cfg = current_app.config
    return _hasher(cfg.get("ARGON2_TIME_COST"), cfg.get("ARGON2_MEMORY_COST"))


def hash_password(password):
    return hasher().hash(password)


def check_password(password_hash, password):
    """True only for a real hash that matches. An unknown user is still checked
    against a dummy hash, so timing does not reveal which usernames exist."""
    h = hasher()
    try:
        return bool(h.verify(password_hash or _dummy(h), password)) and bool(password_hash)
    except (VerificationError, InvalidHashError, UnicodeEncodeError):
        # A lone surrogate cannot be any stored password: a plain "wrong", never a 500.
        return False


@cache
def _dummy_for(hasher_obj):
    return hasher_obj.hash("kaohe-dummy-password")


def _dummy(hasher_obj):
    return _dummy_for(hasher_obj)

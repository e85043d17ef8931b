"""Changing, resetting and unlocking credentials, and who may do it.

Every change here ends the user's other sessions and tokens (User.end_credentials) and
is written to the user's audit chain; no password, old, new or temporary, is logged.
"""

from flask_babel import lazy_gettext as _l

from workflow_app.audit.services import record
from workflow_app.auth.policy import password_problem, temporary_password
from workflow_app.auth.services import authenticate
from workflow_app.auth.throttle import clear_failures, lock_state
from workflow_app.errors import Invalid, NotAllowed, NotAuthenticated
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.people.passwords import check_password, hash_password
from workflow_app.people.scope import administers

FIELD_MESSAGES.update({
    "password_too_short": _l("Too short: at least 10 characters."),
    "password_has_username": _l("The password must not be or contain the username."),
    "password_common": _l("This password is too common; choose another one."),
    "password_unchanged": _l("The new password must differ from the current one."),
    "password_mismatch": _l("The two new passwords differ."),
    "wrong_password": _l("The current password is wrong."),
})


def can_reset_password(actor, user):
    """org_admins over the person's unit; one's own password goes through the change form."""
    return actor is not None and actor.id != user.id and administers(actor, user.org_unit)


def can_unlock_login(actor, user):
    return actor is not None and administers(actor, user.org_unit)


def change_password(user, old, new, confirm=None, client_addr=""):
    """The user's own change: the current password (throttled like a login), then policy."""
    try:
        authenticate(user.username, old, client_addr)
    except NotAuthenticated:
        raise Invalid(fields={"old_password": "wrong_password"}) from None
    problem = password_problem(new, user.username)
    if problem is None and confirm is not None and confirm != new:
        problem = "password_mismatch"
    if problem is None and check_password(user.password_hash, new):
        problem = "password_unchanged"
    if problem:
        raise Invalid(fields={"new_password": problem})
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.end_credentials()
    record("user", user.id, "password_change", actor=user)


def reset_password(actor, user):
    """A temporary password the person must change at next login; returns it once."""
    if not can_reset_password(actor, user):
        raise NotAllowed()
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.end_credentials()
    clear_failures(user.username)
    record("user", user.id, "password_reset", actor=actor)
    return password


def unlock_login(actor, user):
    """Lift the login throttle of the account (every address)."""
    if not can_unlock_login(actor, user):
        raise NotAllowed()
    cleared = clear_failures(user.username)
    record("user", user.id, "login_unlock", actor=actor, data={"failures_cleared": cleared})
    return cleared


def login_status(user):
    return lock_state(user.username)

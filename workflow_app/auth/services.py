"""Authentication: the password check behind the login throttle, and API bearer tokens.

Every credential carries the user's credential epoch (User.credential_epoch): session
cookies through User.get_id, tokens in their row. Moving the epoch on kills them all.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from workflow_app.auth.throttle import (  # noqa: F401  (TooManyAttempts re-exported)
    TooManyAttempts,
    attempt_succeeded,
    reserve_attempt,
)
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import NotAllowed, NotAuthenticated
from workflow_app.extensions import db
from workflow_app.people.models import ApiToken, User
from workflow_app.people.passwords import check_password
from workflow_app.people.substitutes import load_acting_user
from workflow_app.sso.policy import password_login_allowed


class PasswordLoginOff(NotAllowed):
    """The right password of an account that must log in through SSO (sso/policy.py)."""

    code = "password_login_disabled"
    default_message = _l("This account logs in through unified identity authentication; "
                         "password login is turned off for it.")


class PasswordChangeRequired(NotAllowed):
    code = "password_change_required"
    default_message = _l("You must change your password before you continue.")


def authenticate(username, password, client_addr=""):
    """The user for these credentials, or NotAuthenticated / TooManyAttempts /
    PasswordLoginOff (an SSO user while SSO_PASSWORD_LOGIN refuses them passwords).

    The attempt is recorded and committed before the password is checked (see
    auth/throttle.py), so a failure counts even if the caller rolls back.
    """
    attempt = reserve_attempt(username, client_addr)
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    ok = check_password(user.password_hash if user else None, password or "")
    if not ok or not user.is_active:
        raise NotAuthenticated(_l("Wrong username or password."), code="bad_credentials")
    if not password_login_allowed(user):  # said only to whoever knows the password
        raise PasswordLoginOff()
    attempt_succeeded(attempt)
    return user


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user):
    token = secrets.token_urlsafe(32)
    hours = current_app.config["API_TOKEN_HOURS"]
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token),
                            epoch=user.credential_epoch or 0,
                            expires_at=utcnow() + timedelta(hours=hours)))
    return token


def user_for_token(token):
    """The token's user while the token is unexpired, unrevoked and of the current epoch."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or as_utc(row.expires_at) <= utcnow():
        return None
    user = load_acting_user(row.user_id)
    if not user.is_active or row.epoch != (user.credential_epoch or 0):
        return None
    return user


def revoke_token(token):
    """Delete this one token (DELETE /api/v1/tokens/current). The caller commits."""
    db.session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))


def end_credentials(user):
    """Logout: every session and token of the user dies. The caller commits."""
    user.end_credentials()

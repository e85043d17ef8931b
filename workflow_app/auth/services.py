"""Authentication: password check with a rate limit, and API bearer tokens."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import DomainError, NotAuthenticated
from workflow_app.extensions import db
from workflow_app.people.models import ApiToken, LoginFailure, User
from workflow_app.people.passwords import check_password


class TooManyAttempts(DomainError):
    status, code = 429, "too_many_attempts"
    default_message = _l("Too many failed logins. Please wait 15 minutes and try again.")


def _keys(username, client_addr):
    return [f"user:{(username or '').strip().lower()}", f"addr:{client_addr or '-'}"]


def _check_rate(keys, now):
    window = now - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    for key in keys:
        # The per-address limit is looser: many people may share an office NAT.
        cap = limit if key.startswith("user:") else limit * 10
        count = db.session.scalar(select(func.count()).select_from(LoginFailure)
                                  .where(LoginFailure.key == key, LoginFailure.at >= window))
        if count >= cap:
            raise TooManyAttempts()


def authenticate(username, password, client_addr=""):
    """The user for these credentials, or NotAuthenticated / TooManyAttempts.

    Failures are committed at once in their own small transaction so that the
    count survives the caller's rollback.
    """
    now = utcnow()
    keys = _keys(username, client_addr)
    _check_rate(keys, now)
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    ok = check_password(user.password_hash if user else None, password or "")
    if not ok or not user.is_active:
        db.session.add_all([LoginFailure(key=k, at=now) for k in keys])
        db.session.commit()
        raise NotAuthenticated(_l("Wrong username or password."), code="bad_credentials")
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
    return user


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user):
    token = secrets.token_urlsafe(32)
    hours = current_app.config["API_TOKEN_HOURS"]
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token),
                            expires_at=utcnow() + timedelta(hours=hours)))
    return token


def user_for_token(token):
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or as_utc(row.expires_at) <= utcnow() or not row.user.is_active:
        return None
    return row.user

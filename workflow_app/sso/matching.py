"""Who an SSO login is: the configured claim matched to an existing account.

Nobody is ever created here. The identity (protocol, issuer, subject) is linked to the
account at its first SSO login; afterwards the account only takes that identity, so an
identity provider that hands a username to somebody new cannot give them the old
owner's account. Every outcome is audited on the account's chain; an attempt that names
no account has no chain and goes to the log.
"""

import logging

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from workflow_app.audit.services import record
from workflow_app.errors import NotAllowed
from workflow_app.extensions import db
from workflow_app.people.models import User

log = logging.getLogger(__name__)
SUBJECT_MAX = 255


class SsoRefused(NotAllowed):
    code = "sso_refused"
    default_message = _l("Single sign-on did not complete. Please try again.")


class NoAccount(SsoRefused):
    code = "sso_no_account"
    default_message = _l("Your unified identity account is not linked to any account in "
                         "this system. Ask the system administrator to add you.")


class InactiveAccount(SsoRefused):
    code = "sso_inactive"
    default_message = _l("Your account in this system is deactivated. Ask the system "
                         "administrator.")


class OtherIdentity(SsoRefused):
    code = "sso_other_identity"
    default_message = _l("This account is already linked to a different unified identity. "
                         "Ask the system administrator.")


def subject_of(protocol, issuer, subject):
    """The identity as stored in User.sso_subject."""
    value = f"{protocol}|{issuer}|{subject}"
    if not subject or len(value) > SUBJECT_MAX:
        raise SsoRefused()
    return value


def claim_value(claims, name):
    """The matching claim as text; a list claim (CAS attributes) counts if single."""
    value = claims.get(name)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value.strip() if isinstance(value, str) else ""


def _candidates(value):
    field = current_app.config["SSO_MATCH_FIELD"]
    if field == "email":  # mailbox names are case-insensitive in practice
        condition = func.lower(User.email) == value.lower()
    else:
        condition = getattr(User, field) == value
    return db.session.scalars(select(User).where(condition).limit(2)).all()


def match_user(value, subject):
    """The one account for the claim `value`, or an SsoRefused saying why not."""
    found = _candidates(value) if value else []
    if len(found) != 1:  # none, or two accounts share the email/phone: refuse both
        raise NoAccount()
    user = found[0]
    if user.sso_subject and user.sso_subject != subject:
        raise OtherIdentity()
    holder = db.session.scalar(select(User).where(User.sso_subject == subject))
    if holder is not None and holder.id != user.id:
        raise OtherIdentity()
    if not user.is_active:
        raise InactiveAccount()
    return user


def sso_login(protocol, value, subject, client_addr=""):
    """The account for this SSO identity, linked and audited; the caller commits
    (also after a refusal, which is audited too) and starts the session."""
    try:
        user = match_user(value, subject)
    except SsoRefused as exc:
        _audit_refusal(protocol, value, subject, exc, client_addr)
        raise
    first = user.sso_subject is None
    user.sso_subject = subject
    record("user", user.id, "sso_login", actor=user, client_addr=client_addr[:64],
           data={"protocol": protocol, "linked": first})
    return user


def _audit_refusal(protocol, value, subject, exc, client_addr):
    found = _candidates(value) if value else []
    if len(found) == 1:
        record("user", found[0].id, "sso_login_refused", actor=None,
               client_addr=client_addr[:64], data={"protocol": protocol, "reason": exc.code})
    log.warning("SSO login refused (%s): %s=%r subject=%r from %s", exc.code,
                current_app.config["SSO_MATCH_FIELD"], value, subject, client_addr)

"""Unlinking an account from its unified identity (统一身份认证), by an org_admin.

matching.py links the identity at the first SSO login and afterwards lets the account
take no other one; when the identity provider re-issues a person's identity (a new
subject, a move to another issuer) the old link must go, or the person is locked out.
Unlinking is audited on the user's chain with the identity that was removed and the
reason; the next SSO login links whichever identity then matches the account. It also
ends the person's sessions and tokens: one opened through the old identity should not
outlive it.
"""

from flask_babel import lazy_gettext as _l

from workflow_app import limits
from workflow_app.audit.services import record
from workflow_app.errors import NotAllowed, WrongState
from workflow_app.people.scope import administers
from workflow_app.validation import require_text

NOT_LINKED = _l("This account is not linked to a unified identity.")


def sso_identity(user):
    """(protocol, subject) of the linked identity, or None; the issuer or CAS server stays
    inside the subject as stored ("oidc|issuer|sub")."""
    if not user.sso_subject:
        return None
    protocol, _, rest = user.sso_subject.partition("|")
    return protocol, rest


def can_unlink_sso(actor, user):
    return actor is not None and administers(actor, user.org_unit)


def unlink_sso_identity(user, actor, reason, client_addr=""):
    """Clear the link (the caller commits); refused outside the actor's scope."""
    if not can_unlink_sso(actor, user):
        raise NotAllowed()
    reason = require_text("reason", reason, limits.REASON)
    if not user.sso_subject:
        raise WrongState(NOT_LINKED)
    old, user.sso_subject = user.sso_subject, None
    user.end_credentials()
    record("user", user.id, "sso_unlink", actor=actor, client_addr=client_addr[:64],
           data={"protocol": old.partition("|")[0], "subject": old, "reason": reason})
    return old

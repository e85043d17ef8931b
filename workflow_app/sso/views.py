"""GET /sso/login?next=<local path> starts the configured protocol; the provider sends
the browser back to GET /sso/callback, which ends in the same session start as the
password login (auth.views.start_session) and lands on `next` (a local path only).

Both answer 404 while SSO is off. A refusal (unknown or deactivated account, a forged
or stale answer) shows the login page with the reason, never a 500.
"""

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from forms.auth import LoginForm
from workflow_app.auth.views import start_session
from workflow_app.extensions import db
from workflow_app.security.redirects import safe_next
from workflow_app.sso import cas, oidc
from workflow_app.sso.logout import STATE
from workflow_app.sso.matching import SsoRefused, claim_value, sso_login, subject_of
from workflow_app.sso.oidc import PROVIDER_ERRORS
from workflow_app.sso.policy import protocol

bp = Blueprint("sso", __name__, url_prefix="/sso")
log = logging.getLogger(__name__)
NEXT = "sso_next"


def _callback_url():
    """Absolute, on PUBLIC_BASE_URL: the address registered with the provider."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for("sso.callback")


def _required():
    name = protocol()
    if not name:
        abort(404)
    return name


@bp.get("/login")
def login():
    name = _required()
    target = safe_next(request.args.get("next"), url_for("assessments.index"))
    session[NEXT] = target
    try:
        if name == "oidc":
            return oidc.login_redirect(_callback_url())
        return redirect(cas.login_url(_callback_url()))
    except (SsoRefused, *PROVIDER_ERRORS) as exc:  # e.g. the discovery document is down
        log.warning("SSO start failed: %r", exc)
        return _refused(SsoRefused())


@bp.get("/callback")
def callback():
    name = _required()
    try:
        protocol_name, value, subject, id_token = _identity(name)
        user = sso_login(protocol_name, value, subject, request.remote_addr or "")
    except SsoRefused as exc:
        db.session.commit()  # the refusal's audit entry
        return _refused(exc)
    except PROVIDER_ERRORS as exc:
        db.session.rollback()
        log.warning("SSO answer refused: %r", exc)
        return _refused(SsoRefused())
    target = safe_next(session.get(NEXT), url_for("assessments.index"))
    start_session(user)
    session[STATE] = {"protocol": protocol_name}
    if id_token and current_app.config.get("SSO_SINGLE_LOGOUT"):
        session[STATE]["id_token"] = id_token
    db.session.commit()
    return redirect(target)


def _identity(name):
    """(protocol, matching value, subject, id_token) of the provider's answer."""
    claim = current_app.config.get("SSO_MATCH_CLAIM") or ""
    if name == "oidc":
        if request.args.get("error"):
            raise SsoRefused()
        issuer, sub, claims, id_token = oidc.complete()
        return "oidc", claim_value(claims, claim), subject_of("oidc", issuer, sub), id_token
    server, user, attributes = cas.complete(request.args.get("ticket"), _callback_url())
    value = claim_value(attributes, claim) if claim else user.strip()
    return "cas", value, subject_of("cas", server, user), None


def _refused(exc):
    session.pop(NEXT, None)
    return render_template("auth/login.html", form=LoginForm(), error=exc.message), exc.status


@bp.app_context_processor
def sso_button():
    """The login page shows the SSO button only when SSO is configured."""
    return {"sso_enabled": bool(protocol())}

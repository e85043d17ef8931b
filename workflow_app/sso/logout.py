"""Logout through the provider too (SSO_SINGLE_LOGOUT): OpenID Connect RP-Initiated
Logout 1.0 (end_session_endpoint with id_token_hint), CAS Protocol 3.0 §2.3 (/logout).
Kaohe's own logout (auth.views.logout) always ends every local session first."""

import logging

from flask import current_app, session, url_for

from workflow_app.sso import cas, oidc
from workflow_app.sso.matching import SsoRefused
from workflow_app.sso.policy import protocol

log = logging.getLogger(__name__)
STATE = "sso"  # the session key sso.views sets at an SSO login


def single_logout_url():
    """Where logout sends a browser whose session came through SSO (SSO_SINGLE_LOGOUT):
    the provider's own logout, which comes back to our login page. Read it before the
    session is cleared."""
    state = session.get(STATE)
    if not (state and protocol() and current_app.config.get("SSO_SINGLE_LOGOUT")):
        return None
    back = current_app.config["PUBLIC_BASE_URL"] + url_for("auth.login")
    try:
        if state["protocol"] == "oidc":
            return oidc.logout_url(state.get("id_token"), back)
        return cas.logout_url(back)
    except (SsoRefused, *oidc.PROVIDER_ERRORS) as exc:
        log.warning("SSO logout URL unavailable: %r", exc)
        return None

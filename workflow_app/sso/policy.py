"""Single sign-on settings (config.py) and who may still log in with a password.

SSO is off unless SSO_PROTOCOL names a protocol; a half-configured SSO stops the start
(like a weak SECRET_KEY) rather than showing a button that cannot work.

"SSO user" (SSO_PASSWORD_LOGIN=0): an account with a recorded SSO subject, i.e. one that
has logged in through SSO at least once. SSO_PASSWORD_LOGIN=none refuses passwords to
every account. In both modes the accounts in SSO_BREAK_GLASS_USERS keep their password
(the local administrator who must get in when the identity provider is down), and with
SSO switched off every account may use its password again.
"""

from flask import current_app

PROTOCOLS = ("oidc", "cas")
MATCH_FIELDS = ("username", "email", "phone")
PASSWORD_MODES = ("1", "0", "none")
REQUIRED = {"oidc": ("OIDC_ISSUER", "OIDC_CLIENT_ID"), "cas": ("CAS_SERVER_URL",)}


class SsoMisconfigured(RuntimeError):
    """Raised by create_app: SSO_PROTOCOL is set but the rest cannot work."""


def protocol(config=None):
    """"oidc", "cas", or "" (SSO off)."""
    config = current_app.config if config is None else config
    return (config.get("SSO_PROTOCOL") or "").strip().lower()


def settings_problem(config):
    """Why the SSO settings cannot work, or None (SSO off counts as fine)."""
    name = protocol(config)
    if not name:
        return None
    if name not in PROTOCOLS:
        return f"SSO_PROTOCOL must be one of {', '.join(PROTOCOLS)} (or empty): {name!r}"
    missing = [key for key in REQUIRED[name] if not config.get(key)]
    if not config.get("PUBLIC_BASE_URL"):
        missing.append("PUBLIC_BASE_URL")  # the callback address given to the provider
    if missing:
        return f"SSO_PROTOCOL={name} needs {', '.join(missing)}"
    if config.get("SSO_MATCH_FIELD") not in MATCH_FIELDS:
        return f"SSO_MATCH_FIELD must be one of {', '.join(MATCH_FIELDS)}"
    if str(config.get("SSO_PASSWORD_LOGIN")) not in PASSWORD_MODES:
        return f"SSO_PASSWORD_LOGIN must be one of {', '.join(PASSWORD_MODES)}"
    if name == "cas" and str(config.get("CAS_VERSION")) not in ("2", "3"):
        return "CAS_VERSION must be 2 or 3"
    return None


def settle_sso(config):
    problem = settings_problem(config)
    if problem:
        raise SsoMisconfigured(problem)


def break_glass_users():
    names = current_app.config.get("SSO_BREAK_GLASS_USERS") or ()
    if isinstance(names, str):
        names = names.split(",")
    return {n.strip() for n in names if n.strip()}


def password_login_allowed(user):
    """May `user` log in (web form or API token) with a password?"""
    if not protocol() or user.username in break_glass_users():
        return True
    mode = str(current_app.config.get("SSO_PASSWORD_LOGIN", "1"))
    if mode == "1":
        return True
    return mode == "0" and not user.sso_subject

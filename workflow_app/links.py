"""Every absolute link Kaohe hands to people: emails, survey links, their QR codes and SMS.

They all start with the configured PUBLIC_BASE_URL (config.settle_public_base_url checked
it at start), never with the address of the request that made them: the Host and
X-Forwarded-Host headers are the client's to choose, and a link sent to residents must
not point wherever an attacker's request said (host header injection).
"""

from urllib.parse import urlencode, urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from config import is_loopback_host
from workflow_app.errors import Conflict

# Only the path is taken from the URL map; this host never appears in a link.
_NO_HOST = "public-base-url.invalid"


class NoPublicUrl(Conflict):
    """Links cannot be handed out with this configuration: the request itself is fine,
    the server is not ready for it (409; 422 is for an invalid payload)."""

    code = "public_url_not_configured"
    default_message = _l(
        "No public address is configured, so links and QR codes cannot be made. Ask the "
        "system administrator to set PUBLIC_BASE_URL to the address people use to reach "
        "Kaohe (e.g. https://kaohe.example.gov.cn).")

    def __init__(self, message=None, *, code=None):
        super().__init__(message, code=code, details={"setting": "PUBLIC_BASE_URL"})


class LoopbackPublicUrl(NoPublicUrl):
    code = "public_url_loopback"
    default_message = _l(
        "The public address points at this computer itself (a loopback address such as "
        "127.0.0.1 or localhost), so phones scanning a code or opening an SMS link could "
        "not reach it. Ask the system administrator to set PUBLIC_BASE_URL to the address "
        "people use to reach Kaohe (e.g. https://kaohe.example.gov.cn).")


def base_url():
    """The configured public base without a final slash, or "" when none is set."""
    return current_app.config.get("PUBLIC_BASE_URL") or ""


def absolute(path):
    """`path` (e.g. "/my", from the app itself) as an absolute link; NoPublicUrl if unset."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"not a path within Kaohe: {path!r}")
    if not base_url():
        raise NoPublicUrl()
    return base_url() + path


def entry_link(path):
    """`path` as an absolute link for a notice read outside Kaohe (DingTalk, WeCom):
    through single sign-on when it is configured (SSO_PROTOCOL), so that opening it
    signs the person in and lands on the item: /sso/login?next=<path>."""
    absolute(path)  # the same checks: a path within Kaohe, a public base configured
    if current_app.config.get("SSO_PROTOCOL"):
        return absolute("/sso/login?" + urlencode({"next": path}))
    return absolute(path)


def public_url(endpoint, **values):
    """url_for(endpoint, **values) as people outside reach it: built from the URL map and
    PUBLIC_BASE_URL (which carries any path prefix), never from the current request."""
    return absolute(current_app.url_map.bind(_NO_HOST).build(endpoint, values))


def handout_problem():
    """Why links may not be printed or sent to people now, or None: no base configured,
    or (outside the demo) a loopback base nobody else could open."""
    if not base_url():
        return NoPublicUrl()
    if is_loopback_host(urlsplit(base_url()).hostname) and not current_app.config.get(
            "KAOHE_DEMO"):
        return LoopbackPublicUrl()
    return None


def require_handout():
    """Raise the handout problem (409 in the API), before anything is issued or printed."""
    problem = handout_problem()
    if problem is not None:
        raise problem

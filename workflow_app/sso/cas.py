"""CAS 2.0/3.0 service ticket validation, through python-cas.

Followed: CAS Protocol 3.0 Specification (Apereo): §2.1 /login with `service`, §2.5
/serviceValidate (CAS 2.0), §2.6 /p3/serviceValidate (CAS 3.0, attributes in
cas:attributes), §2.3 /logout; Appendix A (the cas:serviceResponse XML).

The service URL sent to /login and to the validation is one fixed address on
PUBLIC_BASE_URL; where to go afterwards stays in the session, so the ticket is bound to
exactly the service it was issued for.
"""

from xml.etree.ElementTree import ParseError

import requests
from cas import CASClient
from flask import current_app

from workflow_app.sso.matching import SsoRefused


class _TimedSession(requests.Session):
    """python-cas has no timeout of its own: a hung CAS server must not hang a worker."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", current_app.config["SSO_HTTP_TIMEOUT"])
        return super().request(*args, **kwargs)


def server_url():
    url = current_app.config["CAS_SERVER_URL"]
    return url if url.endswith("/") else url + "/"  # python-cas joins "login" onto it


def client(service_url):
    return CASClient(version=int(current_app.config["CAS_VERSION"]), service_url=service_url,
                     server_url=server_url(), session=_TimedSession())


def login_url(service_url):
    return client(service_url).get_login_url()


def complete(ticket, service_url):
    """(server, user, attributes) for a valid ticket; SsoRefused for anything else."""
    if not ticket or len(ticket) > 256:
        raise SsoRefused()
    try:
        user, attributes, _ = client(service_url).verify_ticket(ticket)
    except (requests.RequestException, ParseError, IndexError, AttributeError) as exc:
        current_app.logger.warning("CAS ticket validation failed: %s", exc)
        raise SsoRefused() from exc
    if not user:  # cas:authenticationFailure (INVALID_TICKET, INVALID_SERVICE, ...)
        raise SsoRefused()
    return server_url(), user, attributes or {}


def logout_url(redirect_url):
    return client(redirect_url).get_logout_url(redirect_url)

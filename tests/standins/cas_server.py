"""A stand-in CAS server on loopback, built to the CAS Protocol 3.0 Specification
(Apereo): /login (§2.1), /serviceValidate (§2.5, CAS 2.0), /p3/serviceValidate (§2.6,
CAS 3.0), /logout (§2.3), answering the cas:serviceResponse XML of Appendix A.

It checks: /login gets a `service`; a service ticket is valid once, only for the exact
service it was issued for (else INVALID_SERVICE), and only at the endpoint of the
configured version; unknown tickets answer INVALID_TICKET. CAS 3.0 answers carry
cas:attributes; CAS 2.0 answers carry them too only with `attributes_in_v2` (the common
extension many deployments add).
"""

import secrets
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from tests.standins.sso_http import LoopbackServer

NS = 'xmlns:cas="http://www.yale.edu/tp/cas"'


class CasServer(LoopbackServer):
    def __init__(self, user="a1", attributes=None, attributes_in_v2=False):
        self.user = user
        self.attributes = attributes if attributes is not None else {
            "mail": "a1@example.test", "displayName": "A1"}
        self.attributes_in_v2 = attributes_in_v2
        self.tickets = {}
        self.validations = []   # (path, ticket, service, outcome)
        self.broken = False     # validation answers an HTML error page (a proxy's 502)

    def route(self, method, path, query, form, headers):
        if method == "GET" and path == "/cas/login":
            return self.login(query)
        if method == "GET" and path in ("/cas/serviceValidate", "/cas/p3/serviceValidate"):
            return self.validate(path, query)
        if method == "GET" and path == "/cas/logout":
            return 302, {"Location": query.get("service") or query.get("url") or "/"}, b""
        return 404, {}, b"not found"

    def login(self, q):
        service = q.get("service")
        if not service:
            return 400, {}, b"service required"
        ticket = "ST-" + secrets.token_urlsafe(20)
        self.tickets[ticket] = service
        sep = "&" if "?" in service else "?"
        return 302, {"Location": f"{service}{sep}{urlencode({'ticket': ticket})}"}, b""

    def validate(self, path, q):
        if self.broken:
            return 502, {"Content-Type": "text/html"}, b"<html><body>Bad Gateway"
        ticket, service = q.get("ticket", ""), q.get("service", "")
        issued_for = self.tickets.pop(ticket, None)  # valid once, whatever the outcome
        if issued_for is None:
            outcome = self._failure("INVALID_TICKET", f"Ticket {ticket} not recognized")
        elif issued_for != service:
            outcome = self._failure("INVALID_SERVICE", "Ticket was issued for another service")
        else:
            outcome = self._success(with_attributes=path.startswith("/cas/p3/")
                                    or self.attributes_in_v2)
        self.validations.append((path, ticket, service, outcome[0]))
        return 200, {"Content-Type": "application/xml; charset=utf-8"}, outcome[1].encode()

    @staticmethod
    def _failure(code, text):
        return "failure", (f'<cas:serviceResponse {NS}><cas:authenticationFailure code="{code}">'
                           f"{escape(text)}</cas:authenticationFailure></cas:serviceResponse>")

    def _success(self, with_attributes):
        attrs = "".join(f"<cas:{k}>{escape(v)}</cas:{k}>" for k, v in self.attributes.items())
        block = f"<cas:attributes>{attrs}</cas:attributes>" if with_attributes else ""
        return "success", (f"<cas:serviceResponse {NS}><cas:authenticationSuccess>"
                           f"<cas:user>{escape(self.user)}</cas:user>{block}"
                           f"</cas:authenticationSuccess></cas:serviceResponse>")

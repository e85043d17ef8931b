"""A threaded loopback HTTP server for the SSO stand-ins (OIDC provider, CAS server)."""

from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.standins.loopback import QuietHandler, running


class Handler(QuietHandler):
    """Routes GET/POST to `standin.route(method, path, query, form, headers)`, which
    returns (status, headers dict, body bytes)."""

    def do_GET(self):  # noqa: N802  (http.server's naming)
        self._answer("GET", b"")

    def do_POST(self):  # noqa: N802
        self._answer("POST", self.body())

    def _answer(self, method, body):
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        status, headers, payload = self.server.standin.route(method, parts.path, query, form,
                                                             self.headers)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class LoopbackServer:
    """Start with `with Standin() as s:`; `s.url` is its http://127.0.0.1:port."""

    def __enter__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.standin = self
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._running = running(self.httpd)
        self._running.__enter__()
        return self

    def __exit__(self, *exc):
        self._running.__exit__(*exc)

    def route(self, method, path, query, form, headers):
        raise NotImplementedError

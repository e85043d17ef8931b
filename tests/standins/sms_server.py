"""The loopback HTTP server the SMS provider stand-ins share: a thread per request, the
requests it accepted in `sent`, and error codes to answer next in `fail_next`."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StandinHandler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so no client socket outlives its test.

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self, status, payload, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass  # keep the test output clean


@contextmanager
def serve(handler, **state):
    """Run `handler` on a free 127.0.0.1 port; yields the server with `state` set on it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.sent, server.fail_next, server.refused, server.lock = [], [], [], threading.Lock()
    for key, value in state.items():
        setattr(server, key, value)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def next_failure(server):
    with server.lock:
        return server.fail_next.pop(0) if server.fail_next else None

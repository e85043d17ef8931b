"""The loopback HTTP server the SMS provider stand-ins share: a thread per request, the
requests it accepted in `sent`, and error codes to answer next in `fail_next`."""

import threading
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

from tests.standins.loopback import QuietHandler, running


class StandinHandler(QuietHandler):
    """The SMS stand-ins' handler (aliyun_sms.py, tencent_sms.py)."""


@contextmanager
def serve(handler, **state):
    """Run `handler` on a free 127.0.0.1 port; yields the server with `state` set on it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.sent, server.fail_next, server.refused, server.lock = [], [], [], threading.Lock()
    for key, value in state.items():
        setattr(server, key, value)
    with running(server):
        yield server


def next_failure(server):
    with server.lock:
        return server.fail_next.pop(0) if server.fail_next else None

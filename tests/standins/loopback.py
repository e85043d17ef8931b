"""What every stand-in shares: a quiet request handler that reads bodies and answers
bytes or JSON, and a server run on its own thread for the length of a `with`."""

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler


class QuietHandler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so no client socket outlives its test.

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self, status, payload, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def answer_json(self, status, payload):
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.answer(status, data, "application/json; charset=utf-8")

    def log_message(self, *args):
        pass  # keep the test output clean


@contextmanager
def running(server):
    """Serve until the block ends; the server is closed and its thread joined after."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

"""What the DingTalk and WeCom stand-ins share: a threaded loopback HTTP server that
issues access tokens, checks them on every send, answers errcodes on demand and keeps
what it accepted. Each provider's file (dingtalk.py, wecom.py) says which paths,
parameters and message fields it checks, after the provider's documents."""

import json
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.standins.loopback import QuietHandler

INVALID_PARAMETER = object()  # answer: the provider's "invalid parameter" errcode


class WorkAppServer(ThreadingHTTPServer):
    TOKEN_PATH = SEND_PATH = ""
    TOKEN_INVALID = TOKEN_EXPIRED = BAD_CREDENTIALS = BAD_PARAMETER = 0

    def __init__(self, key, secret, agent_id, users):
        super().__init__(("127.0.0.1", 0), Handler)
        self.key, self.secret, self.agent_id = key, secret, agent_id
        self.users = set(users)
        self.lock = threading.Lock()
        self.token, self.expired, self.issued = "", set(), []
        self.received, self.refused, self.problems = [], [], []
        self.answers = []  # errcodes for the next sends, in order

    @property
    def base(self):
        return f"http://127.0.0.1:{self.server_port}"

    @property
    def token_calls(self):
        return len(self.issued)

    def expire_token(self):
        """The provider ends the current token early (both document that it may)."""
        with self.lock:
            self.expired.add(self.token)
            self.token = ""

    # --- the two endpoints ---------------------------------------------------------

    def get_token(self, query):
        if not self.credentials_ok(query):
            return {"errcode": self.BAD_CREDENTIALS, "errmsg": "invalid credentials"}
        with self.lock:
            if not self.token:  # within its lifetime the same token comes back
                self.token = f"token-{len(self.issued) + 1}"
            self.issued.append(self.token)
            return {"errcode": 0, "errmsg": "ok", "access_token": self.token,
                    "expires_in": 7200}

    def send(self, query, body):
        token = query.get("access_token", "")
        with self.lock:
            if token in self.expired:
                return self._refuse(body, self.TOKEN_EXPIRED, "access_token expired")
            if not token or token != self.token:
                return self._refuse(body, self.TOKEN_INVALID, "invalid access_token")
            if self.answers:
                code = self.answers.pop(0)
                return self._refuse(body, code, "answer on demand")
        problems = self.check_message(body)
        with self.lock:
            if problems:
                self.problems += problems
                return self._refuse(body, self.BAD_PARAMETER, "; ".join(problems))
            self.received.append(body)
            return self.accepted(body)

    def _refuse(self, body, code, message):
        self.refused.append((code, body))
        return {"errcode": code, "errmsg": message}

    # --- per provider ----------------------------------------------------------------

    def credentials_ok(self, query):
        raise NotImplementedError

    def check_message(self, body):
        """[problems] with the message's fields; [] when the provider would take it."""
        raise NotImplementedError

    def accepted(self, body):
        return {"errcode": 0, "errmsg": "ok"}


class Handler(QuietHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        if url.path != self.server.TOKEN_PATH:
            return self._answer(404, {"errcode": 404, "errmsg": "no such path"})
        return self._answer(200, self.server.get_token(_query(url)))

    def do_POST(self):
        url = urlsplit(self.path)
        if url.path != self.server.SEND_PATH:
            return self._answer(404, {"errcode": 404, "errmsg": "no such path"})
        raw = self.body()
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            with self.server.lock:
                self.server.problems.append("body is not JSON")
            return self._answer(200, {"errcode": self.server.BAD_PARAMETER,
                                      "errmsg": "not JSON"})
        return self._answer(200, self.server.send(_query(url), body))

    def _answer(self, status, payload):
        self.answer_json(status, payload)


def _query(url):
    return {k: v[-1] for k, v in parse_qs(url.query).items()}



"""The outbox dispatcher against real parts: an aiosmtpd SMTP server and an HTTP SMS
gateway stand-in on loopback; retries with back-off; two dispatchers at once."""

import email
import json
import shutil
import socket
import ssl
import subprocess
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from tests.standins.loopback import running
from workflow_app.extensions import db
from workflow_app.notifications import dispatcher
from workflow_app.notifications.dispatcher import BACKOFF, MAX_ATTEMPTS, drain
from workflow_app.notifications.models import Notification
from workflow_app.notifications.services import queue
from workflow_app.scheduler import messages  # noqa: F401  (the reminder kinds)

CYCLE = "2026年第一季度平时考核"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content,
                                                      policy=policy.default))
        return "250 OK"


def start_smtp(port):
    controller = Controller(Collector(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def smtp(app):
    controller = start_smtp(free_port())
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                      MAIL_FROM="kaohe@example.test", PUBLIC_BASE_URL="http://kaohe.test")
    yield controller.handler
    controller.stop()


class Gateway(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.received.append(body)
            status = self.server.answers.pop(0) if self.server.answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass  # keep the test output clean


@contextmanager
def sms_gateway(app):
    """The SMS stand-in on a free loopback port, set as the app's gateway."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    server.received, server.answers, server.lock = [], [], threading.Lock()
    app.config["SMS_GATEWAY_URL"] = f"http://127.0.0.1:{server.server_port}/send"
    with running(server):
        yield server


@contextmanager
def outside_services(app):
    """A real SMTP server and the SMS stand-in, both wired into the app: (mail, sms)."""
    controller = start_smtp(free_port())
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                      MAIL_FROM="kaohe@example.test")
    try:
        with sms_gateway(app) as server:
            yield controller.handler, server
    finally:
        controller.stop()


@pytest.fixture
def sms(app):
    with sms_gateway(app) as server:
        yield server


def reminder(user, key, channels, cycle=CYCLE):
    added = queue(user, "submit_reminder",
                  {"cycle": cycle, "deadline": "04-15 17:30", "days": 3},
                  key=key, link="/my", channels=channels)
    db.session.commit()
    return added


def status_of(note):
    db.session.refresh(note)
    return note.status


def test_email_with_chinese_subject_arrives_exactly_once(world, clock, smtp):
    [note] = reminder(world.a1, "mail", ["email"])
    assert drain().startswith("sent 1, retried 0, dead 0")
    assert drain().startswith("sent 0, retried 0, dead 0")

    assert len(smtp.messages) == 1
    msg = smtp.messages[0]
    assert msg["Subject"] == note.subject and CYCLE in msg["Subject"]
    assert msg["To"].addresses[0].addr_spec == "a1@example.test"
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert note.body in plain and "http://kaohe.test/my" in plain
    assert CYCLE in html and 'href="http://kaohe.test/my"' in html
    assert status_of(note) == "sent" and note.attempts == 1
    assert note.sent_at.replace(tzinfo=UTC) == clock.now.replace(tzinfo=UTC)


def test_sms_posts_json_to_the_gateway(world, sms):
    world.a1.phone = "13900000001"
    [note] = reminder(world.a1, "sms", ["sms"])
    assert drain().startswith("sent 1,")
    assert sms.received == [{"to": "13900000001", "text": note.body}]
    assert len(note.body) <= 70
    assert drain().startswith("sent 0,") and len(sms.received) == 1


def test_gateway_error_is_retried_later_and_sent_once(world, clock, sms):
    world.a1.phone = "13900000001"
    sms.answers[:] = [500]
    [note] = reminder(world.a1, "sms", ["sms"])
    assert drain() == "sent 0, retried 1, dead 0"
    assert status_of(note) == "pending" and "HTTP 500" in note.last_error
    clock.advance(minutes=1)
    assert drain() == "sent 1, retried 0, dead 0"
    assert len(sms.received) == 2 and status_of(note) == "sent"


def test_closed_smtp_port_backs_off_then_dead_never_duplicated(app, world, clock):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    [note] = reminder(world.a1, "mail", ["email"])
    for attempt in range(1, MAX_ATTEMPTS):
        assert drain() == "sent 0, retried 1, dead 0"
        assert status_of(note) == "pending" and note.attempts == attempt
        due = note.next_attempt_at.replace(tzinfo=UTC)
        assert due == clock.now + BACKOFF[attempt - 1]
        assert "Connection" in note.last_error
        assert drain() == "sent 0, retried 0, dead 0"  # not due yet: nothing happens
        clock.set(due)
    assert drain() == "sent 0, retried 0, dead 1"
    assert status_of(note) == "dead" and note.attempts == MAX_ATTEMPTS
    clock.advance(days=30)
    assert drain() == "sent 0, retried 0, dead 0"
    assert note.attempts == MAX_ATTEMPTS


def test_smtp_back_after_failures_gets_the_message_once(app, world, clock):
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    [note] = reminder(world.a1, "mail", ["email"])
    assert drain() == "sent 0, retried 1, dead 0"
    controller = start_smtp(port)
    try:
        clock.advance(minutes=1)
        assert drain() == "sent 1, retried 0, dead 0"
        clock.advance(hours=3)
        assert drain() == "sent 0, retried 0, dead 0"
        assert len(controller.handler.messages) == 1
    finally:
        controller.stop()
    assert status_of(note) == "sent" and note.attempts == 2


def test_in_app_is_marked_sent_and_missing_addresses_are_skipped(world):
    world.a1.email = ""
    in_app, no_email, no_phone = (reminder(world.a1, "in", ["in_app"])
                                  + reminder(world.a1, "mail", ["email"])
                                  + reminder(world.a1, "sms", ["sms"]))
    assert drain() == "sent 1, retried 0, dead 0, skipped 2"
    assert [status_of(n) for n in (in_app, no_email, no_phone)] == ["sent", "skipped",
                                                                    "skipped"]
    assert no_email.attempts == 0


def test_sms_waits_for_the_end_of_quiet_hours(world, clock, sms):
    world.a1.phone = "13900000001"
    clock.set(datetime(2026, 4, 1, 15, 30, tzinfo=UTC))  # 23:30 in Beijing
    [note] = reminder(world.a1, "sms", ["sms"])
    assert drain() == "sent 0, retried 0, dead 0, deferred 1"
    assert sms.received == [] and status_of(note) == "pending" and note.attempts == 0
    morning = datetime(2026, 4, 2, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
    assert note.next_attempt_at.replace(tzinfo=UTC) == morning
    clock.set(morning)
    assert drain().startswith("sent 1,") and len(sms.received) == 1


def test_dispatcher_run_once_command(world, runner):
    reminder(world.a1, "in", ["in_app"])
    result = runner.invoke(args=["dispatcher", "--run-once"])
    assert result.exit_code == 0 and result.output.strip() == "sent 1, retried 0, dead 0"


def test_run_forever_drains_until_stopped(world):
    reminder(world.a1, "in", ["in_app"])

    class OneRound:
        waits = 0

        def is_set(self):
            return self.waits > 0

        def wait(self, timeout=None):
            self.waits += 1
            return True

    dispatcher.run_forever(stop=OneRound())
    assert db.session.scalar(select(Notification.status)) == "sent"


def test_two_dispatchers_at_once_deliver_each_message_once(app, world, is_postgres, sms):
    if not is_postgres:
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) need PostgreSQL")
    people = [world.a1, world.a2, world.a3, world.b1]
    for n, user in enumerate(people):
        user.phone = f"1390000000{n}"
    for i in range(60):
        reminder(people[i % 4], f"k{i}", ["sms"], cycle=f"第{i}期")
    start, results = threading.Barrier(2), []

    def worker():
        with app.app_context():
            start.wait()
            results.append(drain(batch_size=4))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = [m["text"] for m in sms.received]
    assert len(texts) == 60 and len(set(texts)) == 60
    sent = [int(r.split(",")[0].split()[1]) for r in results]
    assert sum(sent) == 60
    statuses = db.session.scalars(select(Notification.status)).all()
    assert statuses == ["sent"] * 60


# --- STARTTLS and login -------------------------------------------------------------------

class Authenticator:
    def __init__(self, login, password):
        self.expected, self.attempts = (login.encode(), password.encode()), []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login, auth_data.password) == self.expected
        self.attempts.append(ok)
        # handled=False: aiosmtpd answers the 535 itself (by default it leaves that to us).
        return AuthResult(success=ok, handled=False,
                          message=None if ok else "535 5.7.8 Bad credentials")


@pytest.fixture
def tls_smtp(app, tmp_path):
    """An SMTP server that insists on STARTTLS and a login, with a self-signed certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    authenticator = Authenticator("kaohe", "s3cret")
    controller = Controller(Collector(), hostname="127.0.0.1", port=free_port(),
                            tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_required=True,
                            auth_require_tls=True)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=True,
                      SMTP_USERNAME="kaohe", SMTP_PASSWORD="s3cret", SMTP_CA_FILE=str(cert),
                      MAIL_FROM="kaohe@example.test")
    yield controller.handler, authenticator
    controller.stop()


def test_starttls_and_login_then_delivery(app, world, tls_smtp):
    handler, authenticator = tls_smtp
    [note] = reminder(world.a1, "mail", ["email"])
    assert drain() == "sent 1, retried 0, dead 0"
    assert authenticator.attempts == [True]
    assert [m["Subject"] for m in handler.messages] == [note.subject]


def test_a_wrong_smtp_password_is_retried_not_lost(app, world, clock, tls_smtp):
    handler, authenticator = tls_smtp
    app.config["SMTP_PASSWORD"] = "wrong"
    [note] = reminder(world.a1, "mail", ["email"])
    assert drain() == "sent 0, retried 1, dead 0"
    assert "SMTPAuthenticationError" in note.last_error and handler.messages == []
    app.config["SMTP_PASSWORD"] = "s3cret"
    clock.advance(minutes=1)
    assert drain() == "sent 1, retried 0, dead 0"
    assert len(handler.messages) == 1
    assert authenticator.attempts == [False, False, True]  # PLAIN and LOGIN, then PLAIN

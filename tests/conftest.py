"""Fixtures: every test that uses `app` runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL; when it is unset or unreachable those
runs are skipped with the reason shown, unless KAOHE_REQUIRE_POSTGRES=1, which
turns the skip into a failure (CI sets it). Under pytest-xdist each worker gets a
database of its own beside that one (`<name>_gw0`, …), created on first use.
"""

import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError
from werkzeug.routing import Rule

from config import TestConfig
from workflow_app import create_app
from workflow_app.extensions import db

pytest_plugins = ["tests.factories"]


# --- what every app of the suite compiles alike, compiled once per process ------------------
# The suite makes an app per test (thousands). Each new app would compile every template it
# renders and a URL builder per route again: most of a short test's time. Production makes
# one app per process and is untouched.

class SharedTemplateCache(BytecodeCache):
    """Jinja's compiled templates kept in memory across apps (checked by source checksum)."""

    def __init__(self):
        self.store = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCache()}
_compile_url_builder = Rule._compile_builder
_url_builders = {}


def _shared_url_builder(rule, append_unknown=True):
    """Werkzeug's builder is a pure function of the rule's parsed parts and defaults."""
    key = (rule.rule, tuple(rule._trace), repr(sorted((rule.defaults or {}).items())),
           append_unknown)
    if key not in _url_builders:
        _url_builders[key] = _compile_url_builder(rule, append_unknown)
    return _url_builders[key]


Rule._compile_builder = _shared_url_builder


class Clock:
    """The injected clock: tests move time instead of sleeping."""

    def __init__(self):
        self.now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)

    def set(self, value):
        self.now = value


def _pg_url():
    url = os.environ.get("TEST_DATABASE_URL", "")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return url


def _worker_database(url):
    """The xdist worker's own database (workers must not truncate each other's tables)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                             {"n": own.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    engine.dispose()
    return own.render_as_string(hide_password=False)


def _pg_problem(url):
    if not url:
        return "TEST_DATABASE_URL is not set"
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: not reachable
        return f"PostgreSQL at TEST_DATABASE_URL is not reachable ({type(exc).__name__})"
    return None


def _config(url, clock):
    class Cfg(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        CLOCK = clock
    return Cfg


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    app = create_app(_config(f"sqlite:///{path}", Clock()))
    with app.app_context():
        upgrade(revision="heads")
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_ready():
    url = _pg_url()
    problem = _pg_problem(url)
    if problem:
        if os.environ.get("KAOHE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unavailable: {problem}", pytrace=False)
        pytest.skip(f"PostgreSQL tests skipped: {problem}")
    url = _worker_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    _no_commit_wait(engine, make_url(url).database)
    engine.dispose()
    app = create_app(_config(url, Clock()))
    with app.app_context():
        upgrade(revision="heads")
        tables = [t.name for t in db.metadata.sorted_tables]
        db.engine.dispose()
    return url, tables


def _no_commit_wait(engine, name):
    """A test database need not wait for the disk at each commit (this database only)."""
    try:
        with engine.begin() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except ProgrammingError:  # not the owner: the suite is only slower
        pass


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url, tables = request.getfixturevalue("pg_ready")
    yield url
    _empty_tables(url, tables)


_CLEANUP_ENGINES = {}


def _empty_tables(url, tables):
    """Empty every table and restart the ids, as TRUNCATE … RESTART IDENTITY would.

    DELETE is ~60 times faster than TRUNCATE on a test's few rows (TRUNCATE makes new
    files for every table and index), which over the suite's few thousand PostgreSQL
    tests is minutes. The replica role, for this transaction only, switches off the
    foreign-key checks (any order will do) and the audit log's append-only trigger.
    """
    engine = _CLEANUP_ENGINES.get(url) or _CLEANUP_ENGINES.setdefault(url, create_engine(url))
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("; ".join(f'DELETE FROM "{name}"' for name in tables)))
            conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                              "WHERE c.relkind = 'S'"))
    except ProgrammingError:  # not a superuser: the slow way needs no such right
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(db_url, clock):
    app = create_app(_config(db_url, clock))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def is_postgres(db_url):
    return db_url.startswith("postgresql")


class RequestScopedClient(FlaskClient):
    """Each request in its own application context, as on a real server.

    The `app` fixture keeps one context open for the whole test and Flask would
    reuse it for test-client requests, sharing the database session and
    flask-login's per-request user cache from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = RequestScopedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()

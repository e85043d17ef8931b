"""A live server on a real port and a headless Chromium for the browser journeys.

The app runs on a file SQLite database copied from the migrated template, with
the standard test world and an open quarterly cycle; `live.run(fn)` runs `fn`
inside the app (services, one commit) to set the stage for a journey. The server has
answered a first request before the fixture hands it over. Every context the `browser`
fixture makes waits patiently (helpers.WAIT_MS) and is watched by axe-core
(tests/browser/axe.py): a serious or critical accessibility violation on a page the
test visits fails the test.
"""

import shutil
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.request import urlopen

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from config import TestConfig
from tests.browser.axe import AXE, MISSING, REQUIRED, Axe, WatchedBrowser
from tests.browser.helpers import ARGS, CHROMIUM, WAIT_MS, PatientBrowser
from tests.factories import build_world, cycle_data
from workflow_app import create_app
from workflow_app.cycles.services import create_cycle, open_cycle
from workflow_app.extensions import db


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class FixedClock:
    def __init__(self):
        self.now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


class Live:
    def __init__(self, app, url):
        self.app, self.url = app, url

    def run(self, fn):
        """fn(world) inside the app; committed; returns what fn returns."""
        with self.app.app_context():
            try:
                result = fn(self.world())
                db.session.commit()
                return result
            finally:
                db.session.remove()

    def world(self):
        from tests.factories import World
        from workflow_app.people.models import OrgUnit, User

        w = World()
        w.users.update({u.username: u for u in db.session.scalars(db.select(User))})
        w.units.update({u.name: u for u in db.session.scalars(db.select(OrgUnit))})
        return w


def _answering(url):
    """Returns once the server has answered a page (a condition, not a pause): the socket
    listens from make_server on, so the request waits for serve_forever; it also warms
    the app up (templates, translations) before the browser's first goto."""
    with urlopen(f"{url}/login", timeout=WAIT_MS / 1000) as response:
        assert response.status == 200, response.status


def _seed(app, clock):
    with app.app_context():
        world = build_world()
        cycle = create_cycle(world.admin, cycle_data(world, clock), [world.units["town"]])
        open_cycle(cycle, world.admin)
        db.session.commit()
        db.session.remove()


def _serve(uri, tmp_path):
    """The app on `uri`, seeded with the world and served on a loopback port."""
    clock = FixedClock()

    class BrowserConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = uri
        CLOCK = clock
        UPLOAD_FOLDER = str(tmp_path / "uploads")
        AUTOSAVE_DELAY_MS = 300

    app = create_app(BrowserConfig)
    _seed(app, clock)
    with serving(app) as url:
        yield Live(app, url)


@pytest.fixture
def live(sqlite_template, tmp_path):
    path = tmp_path / "browser.sqlite"
    shutil.copy(sqlite_template, path)
    yield from _serve(f"sqlite:///{path}", tmp_path)


@pytest.fixture
def live_any(db_url, tmp_path):
    """`live` on the database of `db_url` (parametrized): SQLite and PostgreSQL."""
    yield from _serve(db_url, tmp_path)


@contextmanager
def serving(app):
    """`app` on a real port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, request_handler=QuietHandler, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        _answering(url)
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_url(live):
    return live.url


@pytest.fixture
def axe():
    """The test's accessibility checker; off (the journeys still run) without axe-core,
    unless KAOHE_REQUIRE_AXE=1 (CI), where a missing axe-core fails the test."""
    if not AXE.exists() and REQUIRED:
        pytest.fail(f"{MISSING} (KAOHE_REQUIRE_AXE=1)")
    Axe.active = checker = Axe(enabled=AXE.exists())
    yield checker
    Axe.active = None
    if checker.runs:
        print(checker.summary())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a test body that passed: its accessibility violations fail it."""
    result = yield
    checker = item.funcargs.get("axe")
    if checker is not None:
        checker.finish()
    return result


@pytest.fixture
def browser(axe):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True,
                                      timeout=WAIT_MS)
        yield WatchedBrowser(PatientBrowser(chromium), axe)
        chromium.close()

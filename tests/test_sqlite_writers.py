"""SQLite: two writers at once both succeed, the second waiting for the first.

A real file database and real threads (workflow_app/sqlite_engine.py says why the
write lock is taken with BEGIN IMMEDIATE at the first write, and before a savepoint).
"""

import threading
import time

import pytest
from sqlalchemy import func, select

from tests.conftest import Clock, _config
from workflow_app import create_app
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit

HOLD = 0.5  # seconds the first writer keeps its transaction open


@pytest.fixture
def file_app(tmp_path, sqlite_template):
    path = tmp_path / "writers.sqlite"
    path.write_bytes(sqlite_template.read_bytes())
    app = create_app(_config(f"sqlite:///{path}", Clock()))
    yield app
    with app.app_context():
        db.engine.dispose()


def _writer(app, name, nested, wrote, go, outcomes):
    """Read, (savepoint,) read, write; the first writer holds its lock HOLD seconds."""
    with app.app_context():
        try:
            start = time.perf_counter()
            db.session.scalar(select(func.count()).select_from(OrgUnit))
            if name == "second":
                go.wait(timeout=10)  # the first one has written and holds the lock
            savepoint = db.session.begin_nested() if nested else None
            db.session.scalar(select(func.count()).select_from(OrgUnit))
            db.session.add(OrgUnit(name=name, path=f"/{name}/"))
            db.session.flush()
            if savepoint is not None:
                savepoint.commit()
            if name == "first":
                wrote.set()
                go.set()
                time.sleep(HOLD)
            db.session.commit()
            outcomes[name] = ("ok", time.perf_counter() - start)
        except Exception as exc:  # noqa: BLE001  (the outcome is what the test checks)
            db.session.rollback()
            outcomes[name] = (str(exc)[:120], None)
        finally:
            db.session.remove()


def _race(app, nested):
    wrote, go, outcomes = threading.Event(), threading.Event(), {}
    first = threading.Thread(target=_writer, args=(app, "first", nested, wrote, go, outcomes))
    second = threading.Thread(target=_writer, args=(app, "second", nested, wrote, go,
                                                    outcomes))
    first.start()
    wrote.wait(timeout=10)
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("nested", [False, True], ids=["flush", "savepoint"])
def test_two_writers_both_succeed_the_second_waits(file_app, nested):
    outcomes = _race(file_app, nested)
    assert outcomes["first"][0] == "ok"
    assert outcomes["second"][0] == "ok", outcomes  # not "database is locked"
    assert outcomes["second"][1] >= HOLD * 0.8  # it waited for the first commit
    with file_app.app_context():
        names = set(db.session.scalars(select(OrgUnit.name).where(
            OrgUnit.name.in_(["first", "second"]))))
    assert names == {"first", "second"}


def test_a_reader_is_not_held_up_by_a_writer(file_app):
    """A writer holds the lock; a reader on another thread answers at once."""
    with file_app.app_context():
        db.session.add(OrgUnit(name="held", path="/held/"))
        db.session.flush()  # BEGIN IMMEDIATE: the write lock is held until the commit
        seen = {}

        def read():
            with file_app.app_context():
                start = time.perf_counter()
                seen["count"] = db.session.scalar(
                    select(func.count()).select_from(OrgUnit).where(OrgUnit.name == "held"))
                seen["seconds"] = time.perf_counter() - start
                db.session.remove()

        reader = threading.Thread(target=read)
        reader.start()
        reader.join(timeout=30)
        db.session.rollback()
    assert seen["count"] == 0  # the uncommitted row is not visible
    assert seen["seconds"] < 1


def test_a_released_savepoint_is_undone_by_the_session_rollback(file_app):
    """The savepoint nests in the session's transaction (as on PostgreSQL)."""
    with file_app.app_context():
        with db.session.begin_nested():
            db.session.add(OrgUnit(name="nested", path="/nested/"))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(OrgUnit)
                                 .where(OrgUnit.name == "nested")) == 0


def test_connection_settings(file_app):
    with file_app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.connection.driver_connection.isolation_level == "IMMEDIATE"
        assert not db.engine.pool._pre_ping  # no ping statement at each checkout

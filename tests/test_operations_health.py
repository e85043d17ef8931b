"""GET /healthz and GET /readyz (workflow_app/operations/health.py), on both databases."""

import socket
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from tests.conftest import _config
from workflow_app import create_app
from workflow_app.extensions import db
from workflow_app.notifications.services import queue
from workflow_app.operations.health import migration_scripts
from workflow_app.scheduler import runner
from workflow_app.scheduler.jobs import JOBS_BY_ID
from workflow_app.scheduler.models import SchedulerJobRun

CYCLE = {"cycle": "一季度", "deadline": "2026-04-15 18:00"}


def test_healthz_answers_without_login_cookie_or_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in resp.headers
    assert resp.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_after_a_scheduler_run(app, client, clock):
    app.config["READYZ_HEARTBEAT_MAX_AGE"] = 600
    runner.run_once(clock.now)
    resp = client.get("/readyz")
    body = resp.get_json()
    assert resp.status_code == 200, body
    assert body["status"] == "ready" and body["failing"] == []
    assert body["checks"]["migrations"]["missing"] == []
    assert body["checks"]["scheduler"]["heartbeat_age_seconds"] == 0
    assert body["checks"]["outbox"]["pending"] == 0
    assert "Set-Cookie" not in resp.headers


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_readyz_names_an_unreachable_database_and_healthz_still_answers(kind, tmp_path, clock):
    url = (f"sqlite:///{tmp_path}/no/such/dir/kaohe.sqlite" if kind == "sqlite" else
           f"postgresql+psycopg://kaohe:secret-pw@127.0.0.1:{_closed_port()}/kaohe")
    app = create_app(_config(url, clock))
    client = app.test_client()
    started = time.monotonic()
    resp = client.get("/readyz")
    assert time.monotonic() - started < 10  # refused at once, not a hanging probe
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["failing"] == ["database"] and body["status"] == "not ready"
    text_ = resp.get_data(as_text=True)
    assert "secret-pw" not in text_ and "no/such" not in text_ and "127.0.0.1" not in text_
    assert client.get("/healthz").status_code == 200  # the process is up all the same


def test_readyz_names_a_stale_or_missing_heartbeat(app, client, clock):
    app.config["READYZ_HEARTBEAT_MAX_AGE"] = 600
    body = client.get("/readyz").get_json()
    assert body["failing"] == ["scheduler"]  # no scheduler has ever run a job
    assert body["checks"]["scheduler"]["heartbeat_age_seconds"] is None
    runner.run_job(JOBS_BY_ID["open_due_cycles"], clock.now)
    assert client.get("/readyz").status_code == 200
    clock.advance(minutes=11)
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["failing"] == ["scheduler"]
    assert resp.get_json()["checks"]["scheduler"]["heartbeat_age_seconds"] == 660


def test_readyz_names_an_outbox_nobody_drains(app, client, clock, world):
    queue(world.users["a1"], "cycle_opened", CYCLE, key="ops-test")
    db.session.commit()
    clock.advance(minutes=29)
    assert client.get("/readyz").status_code == 200
    clock.advance(minutes=2)
    resp = client.get("/readyz")
    assert resp.status_code == 503
    outbox = resp.get_json()["checks"]["outbox"]
    assert resp.get_json()["failing"] == ["outbox"]
    assert outbox["pending"] == 2 and outbox["due"] == 2  # in-app and email
    assert outbox["oldest_due_age_seconds"] == 31 * 60


def test_a_deferred_notice_is_not_late(app, client, clock, world):
    """A row waiting for its retry (or for the SMS quiet hours) is not a stuck outbox."""
    queue(world.users["a1"], "cycle_opened", CYCLE, key="ops-deferred")
    db.session.execute(text("UPDATE notification SET next_attempt_at = :t"),
                       {"t": clock.now + timedelta(hours=2)})
    db.session.commit()
    clock.advance(hours=1)
    body = client.get("/readyz").get_json()
    assert body["failing"] == [] and body["checks"]["outbox"]["due"] == 0


def _set_versions(versions):
    db.session.execute(text("DELETE FROM alembic_version"))
    for v in versions:
        db.session.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": v})
    db.session.commit()


def test_readyz_names_migrations_behind_unknown_or_missing(app, client):
    saved = db.session.scalars(text("SELECT version_num FROM alembic_version")).all()
    scripts = migration_scripts()  # the newest migration (the longest chain), undone by hand
    newest = max(map(scripts.get_revision, saved),
                 key=lambda r: len(list(scripts.iterate_revisions(r.revision, "base"))))
    behind = [v for v in saved if v != newest.revision] + [newest.down_revision]
    try:
        _set_versions(behind)
        resp = client.get("/readyz")
        assert resp.status_code == 503 and resp.get_json()["failing"] == ["migrations"]
        assert newest.revision in resp.get_json()["checks"]["migrations"]["missing"]
        _set_versions([*saved, "zz_from_newer_code"])
        assert client.get("/readyz").get_json()["checks"]["migrations"]["reason"] == (
            "unknown revision")
        _set_versions(saved)
        db.session.execute(text("ALTER TABLE alembic_version RENAME TO alembic_version_x"))
        db.session.commit()
        resp = client.get("/readyz")
        assert resp.get_json()["failing"] == ["migrations"]
        assert resp.get_json()["checks"]["migrations"]["reason"] == "no alembic_version table"
    finally:  # the PostgreSQL test database is shared by the tests: put it back
        db.session.rollback()
        if db.inspect(db.engine).has_table("alembic_version_x"):
            db.session.execute(text("ALTER TABLE alembic_version_x RENAME TO alembic_version"))
        _set_versions(saved)
    assert client.get("/readyz").status_code == 200


def test_failed_runs_are_counted_until_a_success(app, clock, monkeypatch):
    from workflow_app.scheduler.jobs import Job

    state = {"fail": True}

    def flaky(now):
        if state["fail"]:
            raise RuntimeError("boom")
        return 0

    job = Job("flaky", flaky, "interval", {})
    assert runner.run_job(job, clock.now) == "flaky: failed (RuntimeError: boom)"
    runner.run_job(job, clock.now)
    row = db.session.scalar(select(SchedulerJobRun).where(SchedulerJobRun.job_id == "flaky"))
    assert (row.runs, row.failures, row.consecutive_failures) == (2, 2, 2)
    assert row.last_error == "RuntimeError: boom" and row.last_success_at is None
    state["fail"] = False
    runner.run_job(job, clock.now)
    db.session.refresh(row)
    assert (row.runs, row.failures, row.consecutive_failures) == (3, 2, 0)
    assert row.last_success_at is not None and row.last_run_id.startswith("job-flaky-")


def test_the_real_scheduler_records_when_each_run_was_due(app):
    """APScheduler's own run: the lag is start − the time the run was scheduled for."""
    app.config["CLOCK"] = None  # APScheduler schedules on the wall clock
    scheduler = runner.build_scheduler(app, persist=False)
    scheduler.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _finished("open_due_cycles"):
            time.sleep(0.05)  # waiting on the condition: the row appears
    finally:
        scheduler.shutdown()
    row = db.session.get(SchedulerJobRun, "open_due_cycles")
    assert row is not None and row.last_scheduled_at is not None
    assert 0 <= row.last_lag_seconds < 30


def _finished(job_id):
    db.session.rollback()
    return db.session.get(SchedulerJobRun, job_id) is not None

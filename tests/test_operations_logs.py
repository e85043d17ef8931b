"""Request ids and JSON logs (workflow_app/operations/logs.py): the id a request gets is
in its response header, its log lines, and the audit entries and outbox rows it wrote."""

import io
import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT
from workflow_app.assessments.models import Assessment
from workflow_app.audit.models import AuditEntry
from workflow_app.audit.verify import verify_all
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.operations import logs
from workflow_app.scheduler import runner
from workflow_app.scheduler.jobs import Job


@pytest.fixture
def json_lines():
    """What the JSON formatter writes for every record of the app's loggers."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("workflow_app")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    # Alembic's env.py (fileConfig) disables the loggers that existed when the suite's
    # template database was migrated; a web or scheduler process never runs it.
    disabled = [x for name, x in logging.Logger.manager.loggerDict.items()
                if name.startswith("workflow_app") and getattr(x, "disabled", False)]
    for x in disabled:
        x.disabled = False
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        for x in disabled:
            x.disabled = True


def test_every_answer_has_a_new_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/login").headers["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0 and first != second


@pytest.mark.parametrize("given", ["nginx-5f2c9a1e-77aa", "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
                                   "req:2026.04.01_0001"])
def test_a_well_formed_incoming_id_is_kept(client, given):
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers[
        "X-Request-ID"] == given


@pytest.mark.parametrize("given", ["short", "x" * 65, "has space in it", "semi;colon-123",
                                   "中文请求编号一二三四", "-leading-dash-1", ""])
def test_a_malformed_incoming_id_is_replaced(client, given):
    got = client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"]
    assert got != given and logs.WELL_FORMED.fullmatch(got)


def test_the_access_line_is_one_json_object_with_the_id(client, json_lines):
    resp = client.get("/healthz", headers={"X-Request-ID": "probe-000000001"})
    (line,) = [x for x in json_lines() if x["logger"] == "workflow_app.access"]
    assert line["request_id"] == "probe-000000001" == resp.headers["X-Request-ID"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["level"] == "INFO" and line["duration_ms"] >= 0
    assert line["endpoint"] == "operations_health.healthz" and line["user_id"] is None
    assert line["message"] == "GET /healthz 200" and line["timestamp"].endswith("+00:00")


def _assessment_of(world, name):
    return db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users[name].id))


def test_the_id_reaches_the_audit_entry_the_notice_and_the_log(world, create_cycle, api, client,
                                                               json_lines):
    create_cycle()
    a = _assessment_of(world, "a1")
    a1 = api.as_user("a1")
    a1.put(f"/assessments/{a.id}/report", json={"content": FULL_REPORT})
    resp = client.post(f"/api/v1/assessments/{a.id}/events/submit", json={}, headers={
        "Authorization": f"Bearer {a1.token}", "X-Request-ID": "submit-req-0001"})
    assert resp.status_code == 200 and resp.headers["X-Request-ID"] == "submit-req-0001"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "submit"))
    assert entry.request_id == "submit-req-0001"
    told = db.session.scalars(select(Notification).where(
        Notification.user_id == world.users["sup_a"].id,
        Notification.kind == "review_waiting")).all()
    assert told and {n.request_id for n in told} == {"submit-req-0001"}
    (line,) = [x for x in json_lines() if x.get("request_id") == "submit-req-0001"
               and x["logger"] == "workflow_app.access"]
    assert line["user_id"] == world.users["a1"].id and line["status"] == 200
    assert verify_all() is None  # the id is outside the MAC: every chain still verifies


def test_a_job_run_writes_its_run_id(app, world, create_cycle, clock, json_lines):
    """The scheduler's rows and lines carry the run's id (bulk opening included)."""
    opens = clock.now + timedelta(days=1)
    create_cycle(open_now=False, opens_at=opens.isoformat(),
                 submit_deadline=(opens + timedelta(days=14)).isoformat())
    assert runner.run_job(runner.JOBS_BY_ID["open_due_cycles"], opens) == "open_due_cycles: 1"
    run_ids = set(db.session.scalars(select(AuditEntry.request_id).where(
        AuditEntry.subject_type == "assessment")))
    (run_id,) = run_ids
    assert run_id.startswith("job-open_due_cycles-")
    assert set(db.session.scalars(select(Notification.request_id).where(
        Notification.kind == "cycle_opened"))) == {run_id}
    assert verify_all() is None

    def broken(now):
        raise RuntimeError("boom")

    runner.run_job(Job("broken", broken, "interval", {}), opens)
    (line,) = [x for x in json_lines() if x["message"] == "scheduled job broken failed"]
    assert line["request_id"].startswith("job-broken-") and "RuntimeError: boom" in line[
        "exception"]


def test_log_format_json_switches_a_process_to_json_lines():
    logger = logging.Logger("kaohe-test-root")  # stands for the root logger
    assert not logs.apply_log_format({"LOG_FORMAT": "text"}, logger)
    assert logger.handlers == []
    assert logs.apply_log_format({"LOG_FORMAT": "json"}, logger)
    (handler,) = logger.handlers
    assert isinstance(handler.formatter, logs.JsonFormatter)
    record = logger.makeRecord("kaohe-test", logging.WARNING, __file__, 1, "终审 %s", ("完成",),
                               None)
    assert json.loads(handler.format(record)) | {"timestamp": "t"} == {
        "timestamp": "t", "level": "WARNING", "logger": "kaohe-test", "message": "终审 完成",
        "request_id": None, "user_id": None}


def test_outside_requests_and_runs_there_is_no_id(app):
    assert logs.current_request_id() is None
    with logs.run_scope("dispatch") as rid:
        assert logs.current_request_id() == rid and rid.startswith("dispatch-")
    assert logs.current_request_id() is None

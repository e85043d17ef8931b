"""GET /metrics (workflow_app/operations/metrics.py): who may read it, and that it shows
request latency, transitions, the outbox backlog and the scheduler's jobs."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from tests.factories import FULL_REPORT
from workflow_app.assessments.models import Assessment
from workflow_app.extensions import db
from workflow_app.scheduler import heartbeat, runner
from workflow_app.scheduler.jobs import JOBS_BY_ID, Job

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def scrape(client, **kw):
    resp = client.get("/metrics", **kw)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "text/plain" and "Set-Cookie" not in resp.headers
    return resp.get_data(as_text=True)


def value(text, name, **labels):
    """The sample `name` with `labels` (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0


def test_refused_from_another_host_and_through_a_proxy(client):
    far = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert far.status_code == 403 and "kaohe_" not in far.get_data(as_text=True)
    relayed = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert relayed.status_code == 403  # nginx on this host: every request is from 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_the_refusal_is_said_in_chinese(client):
    resp = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"},
                      headers={"Accept-Language": "zh-CN"})
    assert "指标" in resp.get_data(as_text=True)


def test_with_a_token_only_the_token_opens_it(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    assert client.get("/metrics").status_code == 403  # loopback is not enough now
    wrong = {"Authorization": "Bearer guess"}
    assert client.get("/metrics", headers=wrong).status_code == 403
    right = {"Authorization": "Bearer s3cret-metrics-token"}
    scrape(client, headers=right, environ_base={"REMOTE_ADDR": "10.20.30.40"})


def test_request_latency_by_endpoint_not_by_path(client):
    before = scrape(client)
    key = {"endpoint": "operations_health.healthz", "method": "GET", "status": "2xx"}
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/page/12345")
    after = scrape(client)
    count = "kaohe_http_request_duration_seconds_count"
    assert value(after, count, **key) - value(before, count, **key) == 2
    assert value(after, "kaohe_http_request_duration_seconds_bucket", le="+Inf", **key) >= 2
    # The method too: other tests of this worker counted unmatched POSTs in the same family.
    unmatched = {"endpoint": "unmatched", "method": "GET", "status": "4xx"}
    assert value(after, count, **unmatched) - value(before, count, **unmatched) == 1
    assert "12345" not in after  # a raw path never becomes a label


def _assessment_of(world, name):
    return db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users[name].id))


def test_transitions_and_the_outbox_backlog_by_channel(world, create_cycle, api, client):
    create_cycle()
    before = scrape(client)
    a = _assessment_of(world, "a1")
    a1 = api.as_user("a1")
    a1.put(f"/assessments/{a.id}/report", json={"content": FULL_REPORT})
    assert a1.fire(a.id, "submit").status_code == 200
    after = scrape(client)
    name = "kaohe_transitions_total"
    assert value(after, name, event="submit") - value(before, name, event="submit") == 1
    in_app = value(after, "kaohe_outbox_pending", channel="in_app")
    assert in_app - value(before, "kaohe_outbox_pending", channel="in_app") == 1  # sup_a's
    assert value(after, "kaohe_outbox_pending", channel="email") >= 1
    assert "kaohe_outbox_pending{channel=\"sms\"} 0.0" in after
    assert value(after, "kaohe_database_up") == 1


def test_job_lag_and_failures_after_scheduler_runs(app, client, clock):
    token = heartbeat.SCHEDULED_AT.set(clock.now - timedelta(seconds=90))  # a late run
    try:
        runner.run_job(JOBS_BY_ID["open_due_cycles"], clock.now)
    finally:
        heartbeat.SCHEDULED_AT.reset(token)

    def broken(now):
        raise RuntimeError("boom")

    for _ in range(2):
        runner.run_job(Job("broken", broken, "interval", {}), clock.now)
    clock.advance(minutes=3)
    text = scrape(client)
    assert value(text, "kaohe_scheduler_job_lag_seconds", job="open_due_cycles") == 90
    assert value(text, "kaohe_scheduler_job_runs_total", job="open_due_cycles") == 1
    assert value(text, "kaohe_scheduler_job_failures_total", job="broken") == 2
    assert value(text, "kaohe_scheduler_job_consecutive_failures", job="broken") == 2
    assert value(text, "kaohe_scheduler_job_last_finished_age_seconds",
                 job="open_due_cycles") == 180


def test_an_unreachable_database_leaves_the_process_metrics(tmp_path, clock):
    from tests.conftest import _config
    from workflow_app import create_app

    app = create_app(_config(f"sqlite:///{tmp_path}/no/such/dir/x.sqlite", clock))
    text = scrape(app.test_client())
    assert value(text, "kaohe_database_up") == 0
    assert "kaohe_http_request_duration_seconds" in text


GUNICORN_WORKER = """
import sys
from config import TestConfig
from workflow_app import create_app

class Cfg(TestConfig):
    SQLALCHEMY_DATABASE_URI = sys.argv[1]

client = create_app(Cfg).test_client()
for _ in range(int(sys.argv[2])):
    assert client.get("/healthz").status_code == 200
if sys.argv[3] == "scrape":
    print(client.get("/metrics").get_data(as_text=True))
"""


def test_workers_share_their_counts_through_prometheus_multiproc_dir(tmp_path, sqlite_template):
    """Gunicorn's workers are processes: each writes its own files in the directory and
    any worker's /metrics adds them all up."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    url = f"sqlite:///{sqlite_template}"

    def worker(requests, scrape_too):
        return subprocess.run([sys.executable, "-c", GUNICORN_WORKER, url, str(requests),
                               "scrape" if scrape_too else "-"], env=env, cwd=ROOT,
                              capture_output=True, text=True, check=True, timeout=120).stdout

    worker(3, False)
    text = worker(2, True)
    key = {"endpoint": "operations_health.healthz", "method": "GET", "status": "2xx"}
    assert value(text, "kaohe_http_request_duration_seconds_count", **key) == 5
    assert len(list(shared.glob("*.db"))) >= 2


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_no_session_cookie_and_no_csrf_for_probes(client, path):
    resp = client.post(path)
    assert resp.status_code == 405  # GET only; a POST is not a CSRF failure (400)
    assert "Set-Cookie" not in client.get(path).headers

"""Prometheus metrics at GET /metrics (prometheus-client, text format).

In the process: request latency by Flask endpoint (the route's name, not the raw
path, so ids in URLs cannot multiply the series), method and status class; and the
transitions fired, by event. From the database at scrape time (DatabaseCollector):
the outbox backlog by channel and the scheduler's jobs (lag, failures), so they are
right whichever process did the work (dispatcher, scheduler, web).

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (an empty directory,
emptied at each start) before the app is imported: the in-process metrics are then
shared through it (prometheus_client.multiprocess) and summed at scrape time.

Access: with METRICS_TOKEN set, only `Authorization: Bearer <token>`; without it only
from the host itself (loopback, and not relayed by a proxy): the numbers show how busy
the system is and which jobs fail, which is nobody else's business.
"""

import hmac
import ipaddress
import os
import time

from flask import Blueprint, Response, current_app, g, request
from flask_babel import gettext as _
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

from workflow_app.clock import as_utc, utcnow
from workflow_app.extensions import csrf, db

bp = Blueprint("operations_metrics", __name__)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUEST_SECONDS = Histogram(
    "kaohe_http_request_duration_seconds", "Time to answer a request, by Flask endpoint",
    ["endpoint", "method", "status"])
TRANSITIONS = Counter("kaohe_transitions", "Workflow events fired (audited moves and votes)",
                      ["event"])


def init_app(app):
    app.register_blueprint(bp)
    csrf.exempt(bp)
    app.before_request(_start)
    app.after_request_funcs.setdefault(None, []).insert(0, _observe)  # runs last


def count_transition(event):
    TRANSITIONS.labels(event=event).inc()


def _start():
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.get("metrics_started")
    if started is not None:
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(endpoint=request.endpoint or "unmatched", method=method,
                               status=f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started)
    return response


@bp.get("/metrics")
def metrics():
    if not allowed():
        return Response(_("Metrics are available only with the metrics token or from "
                          "this host.") + "\n", 403, mimetype="text/plain")
    database = CollectorRegistry(auto_describe=True)
    database.register(DatabaseCollector())
    text = generate_latest(process_registry()) + generate_latest(database)
    db.session.rollback()  # end the scrape's read transaction
    response = Response(text, mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def process_registry():
    """This process's metrics, or every worker's under PROMETHEUS_MULTIPROC_DIR."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def allowed():
    token = current_app.config.get("METRICS_TOKEN") or ""
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return _local_request()


def _local_request():
    """From loopback and not relayed: behind a proxy on the same host every request comes
    from 127.0.0.1, so forwarding headers mean "from outside" unless the proxy is trusted
    (TRUST_PROXY_HEADERS: then remote_addr is already the client's own address)."""
    relayed = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    if relayed and not current_app.config.get("TRUST_PROXY_HEADERS"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


class DatabaseCollector:
    """Outbox and scheduler figures read at scrape time (a few small queries)."""

    def collect(self):
        up = GaugeMetricFamily("kaohe_database_up", "Whether the scrape could read the database")
        try:
            families = [*outbox_metrics(utcnow()), *job_metrics(utcnow())]
        except Exception:  # an unreachable database must not hide the process metrics
            db.session.rollback()
            families = []
        up.add_metric([], 1 if families else 0)
        yield up
        yield from families

    def describe(self):
        return []


def outbox_metrics(now):
    from workflow_app.notifications.models import CHANNELS, Notification

    rows = dict(db.session.execute(
        select(Notification.channel, func.count()).where(Notification.status == "pending")
        .group_by(Notification.channel)).all())
    pending = GaugeMetricFamily("kaohe_outbox_pending", "Notifications waiting in the outbox",
                                labels=["channel"])
    for channel in sorted(set(CHANNELS) | set(rows)):
        pending.add_metric([channel], rows.get(channel, 0))
    oldest = db.session.scalar(select(func.min(Notification.next_attempt_at)).where(
        Notification.status == "pending", Notification.next_attempt_at <= now))
    waiting = GaugeMetricFamily("kaohe_outbox_oldest_due_age_seconds",
                                "How long the oldest due notification has waited")
    waiting.add_metric([], (now - as_utc(oldest)).total_seconds() if oldest else 0)
    return [pending, waiting]


def job_metrics(now):
    from workflow_app.scheduler.models import SchedulerJobRun

    lag = GaugeMetricFamily("kaohe_scheduler_job_lag_seconds",
                            "How late the job's last run started", labels=["job"])
    failing = GaugeMetricFamily("kaohe_scheduler_job_consecutive_failures",
                                "Failed runs of the job since its last success", labels=["job"])
    failures = CounterMetricFamily("kaohe_scheduler_job_failures",
                                   "Failed runs of the job", labels=["job"])
    runs = CounterMetricFamily("kaohe_scheduler_job_runs", "Runs of the job", labels=["job"])
    since = GaugeMetricFamily("kaohe_scheduler_job_last_finished_age_seconds",
                              "Time since the job's last run finished", labels=["job"])
    for row in db.session.scalars(select(SchedulerJobRun).order_by(SchedulerJobRun.job_id)):
        lag.add_metric([row.job_id], row.last_lag_seconds)
        failing.add_metric([row.job_id], row.consecutive_failures)
        failures.add_metric([row.job_id], row.failures)
        runs.add_metric([row.job_id], row.runs)
        if row.last_finished_at is not None:
            since.add_metric([row.job_id], (now - as_utc(row.last_finished_at)).total_seconds())
    return [lag, failing, failures, runs, since]

"""Running the job list: once (`--run-once`), for ever behind a leader lock, or in the web.

APScheduler 3's job store must not be shared by several running schedulers, so
only the process holding the leader lock schedules anything; the others wait and
retry. Any number of scheduler processes may therefore run for availability.
"""

import atexit
import logging
import signal
import threading
from contextlib import contextmanager
from datetime import datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import current_app, has_app_context

from workflow_app.assessments.fanout import fan_out_committed
from workflow_app.clock import as_utc, utcnow
from workflow_app.extensions import db
from workflow_app.operations.logs import apply_log_format, run_scope
from workflow_app.scheduler import heartbeat
from workflow_app.scheduler.jobs import JOBS, JOBS_BY_ID
from workflow_app.scheduler.locks import (  # noqa: F401  (leader locks are part of the API)
    FileLeaderLock,
    PgLeaderLock,
    job_lock,
    leader_lock,
)
from workflow_app.workcalendar import LOCAL_TZ

log = logging.getLogger(__name__)

RETRY_SECONDS = 30
# APScheduler's own table in the app's database; APScheduler creates it, the app's
# metadata and migrations leave it alone.
JOB_STORE_TABLE = "apscheduler_jobs"
# The app the persisted jobs run in: a stored job names a function, not an object.
_JOB_APP = {}
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def run_once(now=None):
    """Run every job at `now` (default: the clock), committing after each; lines to print."""
    if not has_app_context():
        from workflow_app import create_app

        with create_app().app_context():
            return run_once(now)
    app = current_app._get_current_object()
    with _frozen_clock(app, as_utc(now) if now else None):
        moment = utcnow()
        return [run_job(job, moment) for job in JOBS]


@contextmanager
def _frozen_clock(app, now):
    """With an explicit `now`, every timestamp written during the run uses it too."""
    if now is None:
        yield
        return
    previous = app.config.get("CLOCK")
    app.config["CLOCK"] = lambda: now
    try:
        yield
    finally:
        app.config["CLOCK"] = previous


def run_job(job, now):
    """One job in its own transaction; a failing job must not stop the others.

    The job lock makes a second scheduler (or a `--run-once` next to the daemon) wait
    until this run has committed; it then finds the work done and does nothing.
    """
    started, scheduled = utcnow(), heartbeat.SCHEDULED_AT.get() or now
    with run_scope(f"job-{job.id}") as run_id:  # the run's id on its rows and log lines
        try:
            with job_lock(job.id):
                result = job.func(now)
                heartbeat.record_run(job.id, run_id, scheduled, started)
                db.session.commit()
            fan_out_committed()  # the notices of transitions the job made (e.g. finalize)
        except Exception as exc:  # any failure is logged and rolled back; the next job runs
            db.session.rollback()
            log.exception("scheduled job %s failed", job.id)
            _record_failure(job, run_id, scheduled, started, exc)
            return f"{job.id}: failed ({type(exc).__name__}: {exc})"
    return f"{job.id}: {result}"


def _record_failure(job, run_id, scheduled, started, exc):
    try:
        heartbeat.record_run(job.id, run_id, scheduled, started, f"{type(exc).__name__}: {exc}")
        db.session.commit()
    except Exception:  # the database itself may be what failed
        db.session.rollback()
        log.exception("scheduled job %s: its failure could not be recorded", job.id)


def run_stored_job(job_id):
    """APScheduler entry point: runs in a worker thread, so it needs its own context."""
    with _JOB_APP["app"].app_context():
        log.info(run_job(JOBS_BY_ID[job_id], utcnow()))


class JobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy store, quiet once shut down.

    After shutdown() the scheduler thread still runs one last round of due jobs
    (APScheduler 3 wakes it to stop); on a disposed engine that round would open
    a connection nobody closes. Both run under the scheduler's job-store lock.
    """

    closed = False

    def shutdown(self):
        self.closed = True
        super().shutdown()

    def get_due_jobs(self, now):
        return [] if self.closed else super().get_due_jobs(now)

    def get_next_run_time(self):
        return None if self.closed else super().get_next_run_time()


def job_store(app):
    """APScheduler's SQLAlchemy job store in the app's database, under its own table.

    It gets its own engine: the store disposes of its engine when the scheduler
    shuts down, which must not pull connections from under the app's sessions.
    """
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    return JobStore(url=url, tablename=JOB_STORE_TABLE, engine_options={"pool_pre_ping": True})


def build_scheduler(app, scheduler_class=BackgroundScheduler, catch_up=True, persist=True):
    """A scheduler holding every job of the list under its fixed id (not started).

    Jobs are persisted (SQLAlchemy job store) with `replace_existing`, so a restart
    keeps one row per fixed id and picks up its next run time. With `catch_up` every
    job also runs once at start: whatever fell due while no scheduler was running
    is done at once (the jobs are idempotent).
    """
    stores = {"default": job_store(app)} if persist else {}
    scheduler = scheduler_class(timezone=LOCAL_TZ, job_defaults=JOB_DEFAULTS,
                                jobstores=stores,
                                executors={"default": heartbeat.StampingExecutor()})
    _JOB_APP["app"] = app
    first = {"next_run_time": datetime.now(LOCAL_TZ)} if catch_up else {}
    for job in JOBS:
        scheduler.add_job(f"{__name__}:run_stored_job", job.trigger, args=(job.id,),
                          id=job.id, name=job.description, replace_existing=True,
                          **first, **job.trigger_args)
    return scheduler


@contextmanager
def stop_on_sigterm(stop):
    """SIGTERM (systemd, docker stop) sets `stop`, so running work ends cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def process_logging():
    """Long-running processes report to stderr unless logging is configured already
    (LOG_FORMAT=json: as JSON lines, operations/logs.py)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    apply_log_format(current_app.config if has_app_context() else {})


def run_forever(app=None, stop=None, retry_seconds=RETRY_SECONDS):
    """Become the leader (retrying every `retry_seconds`) and run the calendar."""
    app = app or current_app._get_current_object()
    stop = stop or threading.Event()
    process_logging()
    with stop_on_sigterm(stop):
        _campaign(app, stop, retry_seconds)


def _campaign(app, stop, retry_seconds):
    lock = leader_lock(app)
    while not stop.is_set():
        if lock.acquire():
            log.info("scheduler: leader, running %d jobs", len(JOBS))
            try:
                _lead(app, lock, stop, retry_seconds)
            finally:
                lock.release()
        else:
            log.info("scheduler: another scheduler is active; retrying in %ss", retry_seconds)
        stop.wait(retry_seconds)


def _lead(app, lock, stop, retry_seconds):
    """Run the jobs until asked to stop or the lock is lost (then another may lead)."""
    scheduler = build_scheduler(app)
    scheduler.start()
    try:
        while not stop.wait(retry_seconds):
            if not lock.alive():
                log.warning("scheduler: lost the leader lock; stepping down")
                return
    finally:
        scheduler.shutdown()


class WebScheduler:
    """The calendar and the outbox running inside the web process (demo only)."""

    def __init__(self, scheduler, lock):
        self.scheduler, self.lock = scheduler, lock

    def stop(self):
        if self.scheduler.running:
            self.scheduler.shutdown()
        self.lock.release()
        atexit.unregister(self.stop)


def start_in_web(app):
    """Start the calendar and the outbox in a web process, if RUN_SCHEDULER_IN_WEB.

    For the one-process demo only. The leader lock keeps it to one process even
    when the dev server's reloader or several workers start the app.
    """
    if not app.config.get("RUN_SCHEDULER_IN_WEB"):
        return None
    lock = leader_lock(app)
    if not lock.acquire():
        return None
    scheduler = build_scheduler(app)
    scheduler.add_job(f"{__name__}:drain_stored", "interval", seconds=30, id="drain_outbox",
                      name="Deliver the notification outbox", replace_existing=True)
    scheduler.start()
    web = WebScheduler(scheduler, lock)
    atexit.register(web.stop)
    return web


def drain_stored():
    from workflow_app.notifications.dispatcher import drain

    with _JOB_APP["app"].app_context(), run_scope("dispatch"):
        log.info("outbox: %s", drain())

"""The scheduler's heartbeat: after each job run the runner upserts the job's row in
scheduler_job_run (models.py), read by /readyz and /metrics (workflow_app/operations).

A run's lag is its start minus the time it was scheduled for. APScheduler does not
hand that time to the job function, so the executor below puts it in a context
variable of the worker thread for the run (`scheduled_at`).
"""

from contextvars import ContextVar

from apscheduler.executors.base import run_job as apscheduler_run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workflow_app.clock import as_utc, utcnow
from workflow_app.extensions import db
from workflow_app.scheduler.models import SchedulerJobRun

SCHEDULED_AT = ContextVar("kaohe_scheduled_at", default=None)
KEPT = ("last_scheduled_at", "last_started_at", "last_finished_at", "last_lag_seconds",
        "last_run_id", "last_error")


def record_run(job_id, run_id, scheduled, started, error=None):
    """Upsert the job's row (in the caller's transaction: a success goes in with the
    job's own writes, under its lock)."""
    table = SchedulerJobRun.__table__
    finished = utcnow()
    lag = max(0.0, (as_utc(started) - as_utc(scheduled)).total_seconds())
    values = {"job_id": job_id, "last_scheduled_at": scheduled, "last_started_at": started,
              "last_finished_at": finished, "last_lag_seconds": lag,
              "last_run_id": run_id or "", "last_error": (error or "")[:500], "runs": 1,
              "failures": int(error is not None), "consecutive_failures": int(error is not None),
              "last_success_at": None if error is not None else finished}
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(**values)
    changes = {c: stmt.excluded[c] for c in KEPT} | {"runs": table.c.runs + 1}
    if error is None:
        changes |= {"consecutive_failures": 0, "last_success_at": finished}
    else:
        changes |= {"failures": table.c.failures + 1,
                    "consecutive_failures": table.c.consecutive_failures + 1}
    db.session.execute(stmt.on_conflict_do_update(index_elements=["job_id"], set_=changes))


def _stamped(scheduled, *args):
    token = SCHEDULED_AT.set(as_utc(scheduled))
    try:
        return apscheduler_run_job(*args)
    finally:
        SCHEDULED_AT.reset(token)


class _StampingPool:
    """The executor's thread pool, each run wrapped with its scheduled time."""

    def __init__(self, pool):
        self.pool = pool

    def submit(self, fn, job, alias, run_times, logger_name):
        return self.pool.submit(_stamped, run_times[-1], job, alias, run_times, logger_name)

    def shutdown(self, wait=True):
        self.pool.shutdown(wait)


class StampingExecutor(ThreadPoolExecutor):
    """APScheduler's thread pool executor; the job's body sees its scheduled time.
    (Jobs coalesce: a run stands for its latest missed time, run_times[-1].)"""

    def __init__(self, max_workers=10):
        super().__init__(max_workers)
        self._pool = _StampingPool(self._pool)

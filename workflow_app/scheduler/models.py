"""The scheduler's heartbeat: one row per job, written by the runner after each run.

/readyz reads the newest finish (is a scheduler alive?) and /metrics the lag and the
failures per job, from the database, so both are right whichever process ran the job.
"""

from sqlalchemy import Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.extensions import db
from workflow_app.models_base import timestamp


class SchedulerJobRun(db.Model):
    __tablename__ = "scheduler_job_run"
    job_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_scheduled_at = timestamp()
    last_started_at = timestamp()
    last_finished_at = timestamp()
    last_success_at = timestamp()
    # started − scheduled: how late the last run began (a busy or stopped scheduler).
    last_lag_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_run_id: Mapped[str] = mapped_column(String(64), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")

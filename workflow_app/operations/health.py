"""GET /healthz (the process answers) and GET /readyz (it can do its work), as JSON.

/readyz checks the database (reachable), the migrations (the database's
alembic_version is the head of migrations/), the scheduler's heartbeat (the newest
job run, scheduler_job_run) and the outbox (pending rows; the longest a due row has
waited for a dispatcher). It answers 503 naming the failing checks. Deferred rows (a
retry's back-off, SMS quiet hours) are not late: only due rows age.

No login, no cookie, no CSRF; the answer holds counts and ages only (no address, no
error text that could name a host or a user).
"""

from functools import cache
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, inspect, select, text

from workflow_app.clock import as_utc, utcnow
from workflow_app.extensions import csrf, db

bp = Blueprint("operations_health", __name__)
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def init_app(app):
    app.register_blueprint(bp)
    csrf.exempt(bp)


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz():
    checks = readiness()
    failing = sorted(name for name, check in checks.items() if not check["ok"])
    body = jsonify(status="not ready" if failing else "ready", failing=failing, checks=checks)
    return _no_store(body), 503 if failing else 200


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def readiness():
    """{check: {"ok": bool, …facts}}; the database first, the others need it."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            checks = {"database": {"ok": True}, "migrations": migrations_check(conn)}
    except Exception as exc:  # any failure to reach the database: not ready
        db.session.rollback()
        return {"database": {"ok": False, "error": type(exc).__name__}}
    now = utcnow()
    checks["scheduler"] = heartbeat_check(now)
    checks["outbox"] = outbox_check(now)
    db.session.rollback()  # end the read transaction (nothing was written)
    return checks


@cache
def migration_scripts():
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def migrations_check(conn):
    """Current when every head of migrations/ is applied: the revisions the database's
    alembic_version names, with all they stand on (a revision reached through
    `depends_on` is not listed there). A schema made without migrations (no
    alembic_version) and a revision this code does not know are named as such."""
    if not inspect(conn).has_table("alembic_version"):
        return {"ok": False, "reason": "no alembic_version table"}
    scripts = migration_scripts()
    listed = tuple(sorted(conn.scalars(text("SELECT version_num FROM alembic_version"))))
    try:
        applied = {r.revision for r in scripts.revision_map.iterate_revisions(listed, "base")}
    except Exception:  # alembic's ResolutionError: a revision newer than this code
        return {"ok": False, "reason": "unknown revision", "database": list(listed)}
    missing = sorted(set(scripts.get_heads()) - applied)
    return {"ok": not missing, "missing": missing, "database": list(listed)}


def _age(now, moment):
    return None if moment is None else round((now - as_utc(moment)).total_seconds(), 1)


def heartbeat_check(now):
    """The newest finished job run; READYZ_HEARTBEAT_MAX_AGE seconds (0: not checked)."""
    from workflow_app.scheduler.models import SchedulerJobRun

    limit = current_app.config.get("READYZ_HEARTBEAT_MAX_AGE", 600)
    age = _age(now, db.session.scalar(select(func.max(SchedulerJobRun.last_finished_at))))
    ok = not limit or (age is not None and age <= limit)
    return {"ok": ok, "heartbeat_age_seconds": age, "max_age_seconds": limit}


def outbox_check(now):
    """Pending rows, due ones, and how long the oldest due row has waited
    (READYZ_OUTBOX_MAX_AGE seconds; 0: not checked)."""
    from workflow_app.notifications.models import Notification

    limit = current_app.config.get("READYZ_OUTBOX_MAX_AGE", 1800)
    due = Notification.next_attempt_at <= now
    pending, due_count, oldest = db.session.execute(
        select(func.count(), func.count().filter(due),
               func.min(Notification.next_attempt_at).filter(due))
        .where(Notification.status == "pending")).one()
    age = _age(now, oldest)
    return {"ok": not limit or age is None or age <= limit, "pending": pending,
            "due": due_count, "oldest_due_age_seconds": age, "max_age_seconds": limit}

"""Locks that keep two scheduler processes from doing the same work.

The leader lock elects the one process that runs APScheduler (its job store must
not be shared by running schedulers). The job lock serialises each job's
transaction across processes, so a `--run-once` beside the daemon, or two
schedulers during a hand-over, run a job one after the other: the second finds
the work done. PostgreSQL: advisory locks; SQLite (one host): flock on files.
"""

import fcntl
import hashlib
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from workflow_app.extensions import db

# pg_advisory_lock key of the active scheduler: "KAOHE" in ASCII.
LOCK_KEY = 0x4B414F4845


class PgLeaderLock:
    """A session-level advisory lock held on a dedicated connection.

    The lock lives as long as the connection: if this process dies or loses the
    database, PostgreSQL releases it and another scheduler takes over.
    """

    def __init__(self, engine, key=LOCK_KEY):
        self.engine, self.key, self.conn = engine, key, None

    def acquire(self):
        conn = self.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        conn.commit()  # ends the transaction; a session-level lock outlives it
        if got:
            self.conn = conn
            return True
        conn.close()
        return False

    def alive(self):
        if self.conn is None:
            return False
        try:
            self.conn.execute(text("SELECT 1"))
            self.conn.commit()
        except DBAPIError:
            return False
        return True

    def release(self):
        if self.conn is None:
            return
        try:
            self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self.conn.commit()
            self.conn.close()
        except DBAPIError:
            # Closing the broken session for good is what releases the lock.
            self.conn.invalidate()
        self.conn = None


class FileLeaderLock:
    """flock on a file in the instance folder: SQLite means one host, so this suffices."""

    def __init__(self, path):
        self.path, self.handle = Path(path), None

    def acquire(self):
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self.handle = handle
        return True

    def alive(self):
        return self.handle is not None

    def release(self):
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def leader_lock(app):
    """The lock that elects the one active scheduler for this app's database."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        return PgLeaderLock(engine)
    # One lock file per database, so two demo databases do not block each other.
    digest = hashlib.sha1(str(engine.url).encode()).hexdigest()[:10]
    return FileLeaderLock(Path(app.instance_path) / f"scheduler-{digest}.lock")




def job_key(job_id):
    """A signed 64-bit advisory-lock key per job, apart from the leader's key."""
    digest = hashlib.sha1(f"kaohe-job:{job_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def job_lock(job_id):
    """Hold the job's lock until the transaction inside the block has committed."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        # Transaction-level: released by the job's own commit or rollback.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": job_key(job_id)})
        yield
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # a private in-memory database: nobody else can run the job
        return
    with Path(f"{database}.job-{job_id}.lock").open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield

"""SQLite, the embedded default: connection settings and how writers take the lock.

No-ops on PostgreSQL. Figures for each setting: bench/README.md ("SQLite settings").

- WAL: readers and the one writer do not block each other.
- synchronous=NORMAL: in WAL mode a commit no longer waits for an fsync of the log (only
  checkpoints do); a power cut may lose the last commits, never corrupt the database.
- One connection per thread: the pool (QueuePool for a file) hands each thread its own
  connection for the length of its transaction, and a sqlite3 connection is never used
  by two threads at once. No pre-ping: there is no server to have gone away, and the
  ping is one more statement at every checkout.
- BEGIN IMMEDIATE for writers, at the first write. pysqlite leaves reads outside any
  transaction (each SELECT sees the last commit; no snapshot is held) and begins one
  just before the first INSERT/UPDATE/DELETE, i.e. at the session's first flush. That
  BEGIN is made IMMEDIATE: it takes the write lock at once, waiting busy_timeout for
  another writer, so a writer never holds a read snapshot that it must later upgrade
  (the upgrade fails at once with SQLITE_BUSY, "database is locked", when another
  writer committed in between: a deadlock SQLite refuses to wait on). Readers (GET
  pages, the API's lists) never take the lock and are not serialised, which a BEGIN
  IMMEDIATE at the start of every transaction would do.
- A SAVEPOINT before the first write (the batch's careful path) would start a
  deferred transaction that its RELEASE commits: an IMMEDIATE one is begun first, so
  the savepoint nests inside the session's transaction, as on PostgreSQL.
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 10000


def is_sqlite_url(url):
    return str(url).startswith("sqlite")


def engine_options(options):
    """The SQLite engine options: the configured ones without the pre-ping."""
    return {key: value for key, value in options.items() if key != "pool_pre_ping"}


def _is_sqlite(dbapi_connection):
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if not _is_sqlite(dbapi_connection):
        return
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                   f"busy_timeout={BUSY_TIMEOUT_MS}"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
    # The implicit BEGIN pysqlite sends before the first write (see the module's doc).
    dbapi_connection.isolation_level = "IMMEDIATE"


@event.listens_for(Engine, "savepoint")
def _savepoint_inside_a_transaction(conn, name):
    dbapi_connection = conn.connection.driver_connection
    if _is_sqlite(dbapi_connection) and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")

"""What each SQLite setting changes (workflow_app/sqlite_engine.py), beside the Core floor.

    python bench/bench_sqlite_settings.py --url sqlite:////abs/small.sqlite [--n 100]

The settings are switched on one at a time, from the old ones (synchronous FULL, the
deferred implicit BEGIN, a pre-ping at each checkout) to the current ones; each
variant runs bench_transitions' measure (service and floor in alternating blocks) on
a fresh copy of the given data set (it is not changed), in two rounds (ROUNDS=…) so that a burst
of load on the machine does not fall on one variant only.
"""

import os
import shutil
import sqlite3
import time

from bench_transitions import measure
from common import make_app, report, url_from_args
from sqlalchemy import event
from sqlalchemy.engine import Engine

VARIANTS = (  # name, synchronous, isolation_level (the implicit BEGIN), pre-ping
    ("before", "FULL", "", True),
    ("+ synchronous=NORMAL", "NORMAL", "", True),
    ("+ BEGIN IMMEDIATE", "NORMAL", "IMMEDIATE", True),
    ("+ no pre-ping (= now)", "NORMAL", "IMMEDIATE", False),
)
CURRENT = {}


@event.listens_for(Engine, "connect")
def _variant(dbapi_connection, connection_record):
    """Runs after the app's own listener (registered later): the variant wins."""
    if CURRENT:
        dbapi_connection.execute(f"PRAGMA synchronous={CURRENT['synchronous']}")
        dbapi_connection.isolation_level = CURRENT["isolation_level"]


def fresh_copy(source):
    target = source.replace(".sqlite", ".variant.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(target + suffix):
            os.remove(target + suffix)
    shutil.copyfile(source, target)
    return target


def one(url, n, variant):
    name, synchronous, isolation, pre_ping = variant
    CURRENT.update(synchronous=synchronous, isolation_level=isolation)
    work = "sqlite:///" + fresh_copy(url.removeprefix("sqlite:///"))
    app = make_app(work)
    with app.app_context():
        from workflow_app.extensions import db

        db.engine.pool._pre_ping = pre_ping
        service, floor, statements, floor_statements = measure(n)
        db.session.remove()
        db.engine.dispose()
    report("sqlite_settings", url, {
        "variant": name, "n": n, "service_per_s": round(service, 1),
        "floor_per_s": round(floor, 1), "ratio": round(service / floor, 3),
        "statements_per_transition": statements, "floor_statements": floor_statements})


def commit_rates(path, n=1000, block=100):
    """Commits/s of a one-row INSERT each, synchronous FULL against NORMAL (WAL), in
    alternating blocks on two connections to a scratch copy: what the setting saves
    at each commit, without the rest of a transition around it."""
    conns, timing = {}, {"FULL": 0.0, "NORMAL": 0.0}
    for mode in timing:
        conns[mode] = sqlite3.connect(path, isolation_level=None)
        conns[mode].execute("PRAGMA journal_mode=WAL")
        conns[mode].execute(f"PRAGMA synchronous={mode}")
    conns["FULL"].execute("CREATE TABLE IF NOT EXISTS bench_commit (id INTEGER PRIMARY KEY, x)")
    for _ in range(0, n, block):
        for mode, conn in conns.items():
            start = time.perf_counter()
            for _ in range(block):
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO bench_commit (x) VALUES ('x')")
                conn.execute("COMMIT")
            timing[mode] += time.perf_counter() - start
    for conn in conns.values():
        conn.close()
    return {mode: round(n / seconds, 1) for mode, seconds in timing.items()}


def run(url, n, rounds=None):
    rounds = rounds or int(os.environ.get("ROUNDS", "2"))
    if not url.startswith("sqlite:///"):
        raise SystemExit("a SQLite file data set, please (sqlite:////abs/path.sqlite)")
    for _ in range(rounds):
        for variant in VARIANTS:
            one(url, n, variant)
    rates = commit_rates(fresh_copy(url.removeprefix("sqlite:///")))
    report("sqlite_commit", url, {"commits_per_s_synchronous_full": rates["FULL"],
                                  "commits_per_s_synchronous_normal": rates["NORMAL"]})


if __name__ == "__main__":
    url, n = url_from_args()
    run(url, n or 100)

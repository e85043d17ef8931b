"""Persisted transitions per second: the service layer against a plain Core floor.

    python bench/bench_transitions.py [--url URL] [--n 500]

Both sides move items of the open cycle from `supervisor_review` on (the supervisor
approves with a score), one transaction per transition, on the same database:

- service: `get_assessment` + `services.fire_event(..., version=…)` + commit, i.e. what
  the API handler does (permission and scope checks, guards, the review row, the audit
  entry), for a supervisor loaded as a request loads them (grants, substitutions);
- floor: SQLAlchemy Core doing the least a transition needs: read the row with its
  version, version-checked UPDATE (carrying the chain's head MAC), audit INSERT
  (hash-chained), commit.

Telling the committee is not part of a transition any more: it is worked out after the
commit, for many items at once (assessments/fanout.py). A third figure times that
fan-out for the n transitions the service made (items told per second).

The two run in alternating blocks so that caches and background load hit both alike.
A second figure: the statements one supervisor approve sends (load, fire_event, commit;
counted with a `before_cursor_execute` listener), beside the floor's.
Each run advances 2 × n items of the data set for good (history is append-only).
"""

import time
from contextlib import contextmanager

from common import make_app, report, url_from_args
from sqlalchemy import event, insert, select, update

BLOCK = 50


def pick(n):
    from workflow_app.assessments.models import Assessment
    from workflow_app.cycles.models import Cycle
    from workflow_app.extensions import db
    from workflow_app.people.models import User

    cycle_id = db.session.scalar(select(Cycle.id).where(Cycle.status == "open")
                                 .order_by(Cycle.id.desc()).limit(1))
    rows = db.session.execute(
        select(Assessment.id, User.supervisor_id).join(User, User.id == Assessment.cadre_id)
        .where(Assessment.cycle_id == cycle_id, Assessment.state == "supervisor_review",
               User.supervisor_id.is_not(None))
        .order_by(Assessment.id).limit(2 * n + 1)).all()
    if len(rows) < 2 * n + 1:
        raise SystemExit(f"only {len(rows)} items left in supervisor_review: rebuild the data")
    # the last one is for counting statements (count_statements below)
    return rows[0:2 * n:2], rows[1:2 * n:2], rows[-1]


def service_one(ident, supervisor_id):
    from workflow_app.assessments.services import fire_event, get_assessment
    from workflow_app.extensions import db
    from workflow_app.people.substitutes import load_acting_user

    user = load_acting_user(supervisor_id)
    a = get_assessment(ident, user)
    fire_event(a, "approve", user, score="86", comment="同意", version=a.version,
               client_addr="127.0.0.1")
    db.session.commit()


def floor_one(conn, ident, actor_id, role="supervisor", dest="committee_review"):
    from workflow_app.assessments.models import Assessment
    from workflow_app.audit.models import AuditEntry
    from workflow_app.audit.services import GENESIS, entry_hash, head_mac
    from workflow_app.clock import utcnow

    a = Assessment.__table__
    row = conn.execute(select(a.c.version, a.c.state, a.c.audit_head)
                       .where(a.c.id == ident)).one()
    now, seq = utcnow(), row.version + 1
    fields = {"subject_type": "assessment", "subject_id": ident, "seq": seq,
              "actor_id": actor_id, "actor_role": role, "on_behalf_of_id": None,
              "action": "approve", "from_state": row.state, "to_state": dest,
              "comment": "同意", "data": {"score": "86"}, "client_addr": "127.0.0.1"}
    digest = entry_hash(fields, now, row.audit_head or GENESIS)
    done = conn.execute(update(a).where(a.c.id == ident, a.c.version == row.version).values(
        state=dest, version=seq, audit_head=digest,
        audit_head_mac=head_mac("assessment", ident, seq, digest),
        state_since=now, stage_seq=seq)).rowcount
    if done != 1:
        conn.rollback()
        return
    conn.execute(insert(AuditEntry.__table__).values(
        **fields, at=now, prev_hash=row.audit_head or GENESIS, hash=digest))
    conn.commit()


@contextmanager
def counting(engine):
    """Counts the statements sent through `engine` (executemany counts once)."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def count_statements(ident, supervisor_id):
    """Statements of one supervisor approve (get_assessment, fire_event, commit) for a
    supervisor already loaded as a request loads them, warm caches (as the budget test)."""
    from workflow_app.assessments.services import fire_event, get_assessment
    from workflow_app.extensions import db
    from workflow_app.people.substitutes import load_acting_user

    db.session.remove()
    user = load_acting_user(supervisor_id)
    with counting(db.engine) as seen:
        a = get_assessment(ident, user)
        fire_event(a, "approve", user, score="86", comment="同意", version=a.version)
        db.session.commit()
    db.session.remove()
    return len(seen)


def fan_out_rate():
    """Items told per second: the fan-out of what the service's transitions left."""
    from workflow_app.assessments.fanout import fan_out
    from workflow_app.extensions import db

    t = time.perf_counter()
    told = fan_out()
    db.session.commit()
    return told, told / max(time.perf_counter() - t, 1e-9)


def measure(n):
    """Service and floor, in alternating blocks, in the current app context."""
    from workflow_app.extensions import db

    service_rows, floor_rows, spare = pick(n)
    timing = {"service": 0.0, "floor": 0.0}
    with db.engine.connect() as conn:
        for start in range(0, n, BLOCK):
            t = time.perf_counter()
            for ident, sup in service_rows[start:start + BLOCK]:
                service_one(ident, sup)
            timing["service"] += time.perf_counter() - t
            t = time.perf_counter()
            for ident, sup in floor_rows[start:start + BLOCK]:
                floor_one(conn, ident, sup)
            timing["floor"] += time.perf_counter() - t
        with counting(db.engine) as seen:
            floor_one(conn, *spare_floor(floor_rows))
    statements = count_statements(*spare)
    return n / timing["service"], n / timing["floor"], statements, len(seen)


def spare_floor(floor_rows):
    """An item the floor already moved once: moving it again is the same 3 statements."""
    return floor_rows[0][0], floor_rows[0][1]


def run(url, n):
    app = make_app(url)
    with app.app_context():
        service, floor, statements, floor_statements = measure(n)
        told, told_per_s = fan_out_rate()
        report("transitions", url, {
            "n": n, "service_per_s": round(service, 1), "floor_per_s": round(floor, 1),
            "ratio": round(service / floor, 3), "target_ratio": 0.8,
            "met": service / floor >= 0.8, "told": told,
            "fanout_items_per_s": round(told_per_s, 1)})
        report("statements", url, {
            "statements_per_transition": statements, "floor_statements": floor_statements,
            "target_statements": 6, "met": statements <= 6})


if __name__ == "__main__":
    url, n = url_from_args()
    run(url, n or 500)

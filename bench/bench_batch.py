"""Batch approval of 1,000 assessments in one request (the reviewer queue's batch path).

    python bench/bench_batch.py [--url URL] [--n 1000]

A bench account holds the secretary role over one county (about 1,000 items of the
open cycle wait in `secretary_approval` there); it logs in and POSTs /tasks/batch with
the n items checked, through the real Flask request path (the test client, in-process).
Each item is checked, moved, audited and notified (the cadre: "approved").
Figure: transitions per second = n / request time; target 5,000/s on PostgreSQL.
Baseline beside it: the same n transitions done as the plain Core floor of
bench_transitions (read, version-checked UPDATE, audit INSERT, commit each).
Each run uses the next county that still has n items waiting.
"""

import time

from bench_transitions import floor_one
from common import county_ids, ensure_user, login, make_app, report, url_from_args
from sqlalchemy import select

from workflow_app.extensions import db


def _waiting(county, n):
    from workflow_app.assessments.models import Assessment
    from workflow_app.cycles.models import Cycle
    from workflow_app.people.models import OrgUnit

    path = db.session.scalar(select(OrgUnit.path).where(OrgUnit.id == county))
    cycle_id = db.session.scalar(select(Cycle.id).where(Cycle.status == "open")
                                 .order_by(Cycle.id.desc()).limit(1))
    return db.session.execute(
        select(Assessment.id, Assessment.version).join(OrgUnit,
                                                       OrgUnit.id == Assessment.org_unit_id)
        .where(Assessment.cycle_id == cycle_id, Assessment.state == "secretary_approval",
               OrgUnit.path.like(path + "%"))
        .order_by(Assessment.id).limit(n)).all()


def run(url, n):
    app = make_app(url)
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        counties = county_ids()[:-1]  # the last county is bench_web's
        for county in counties:
            rows = _waiting(county, 2 * n)
            if len(rows) >= n:
                break
        else:
            raise SystemExit("no county has enough items in secretary_approval: rebuild")
        user = ensure_user(f"bench_sec_{county}", "secretary", county)
        username, user_id = user.username, user.id
        items, floor_rows = rows[:n], rows[n:]
        db.session.remove()
    client = app.test_client()
    with app.app_context():
        login(client, username)
    data = {"event": "approve", "comment": "", "score": "",
            "items": [f"{i}:{v}" for i, v in items]}
    start = time.perf_counter()
    response = client.post("/tasks/batch", data=data)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"batch request failed: {response.status_code}")
    with app.app_context():
        from workflow_app.assessments.models import Assessment
        done = db.session.scalar(select(db.func.count()).where(
            Assessment.id.in_([i for i, _ in items]), Assessment.state == "approved"))
        floor_n = len(floor_rows)
        start = time.perf_counter()
        with db.engine.connect() as conn:
            for ident, _v in floor_rows:
                floor_one(conn, ident, user_id, "secretary", "approved")
        floor = floor_n / (time.perf_counter() - start) if floor_n else None
    report("batch_approve", url, {
        "n": n, "approved": done, "seconds": round(elapsed, 3),
        "per_s": round(done / elapsed, 1), "floor_per_s": round(floor, 1) if floor else None,
        "floor_n": floor_n, "target_per_s": 5000, "met": done / elapsed >= 5000})


if __name__ == "__main__":
    url, n = url_from_args()
    run(url, n or 1000)

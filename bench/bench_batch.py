"""Batch approval of 1,000 assessments in one request, at every review stage.

    python bench/bench_batch.py [--url URL] [--n 1000] [--stages supervisor,committee,secretary]

For each stage a bench account of its own (`bench_<stage>_<county>`) logs in and POSTs
/tasks/batch with n items of the open cycle waiting at that stage checked (and
`confirmed=yes`: the first POST only asks, see workflow_app/confirmation.py), through
the real Flask request path (the test client, in-process):

- supervisor: the account holds the supervisor role over a county and becomes the
  supervisor (`supervisor_id`) of the cadres of the items it approves (the supervisor
  relation is personal, not a role over a unit): review with a score, committee told;
- committee: the account holds the committee role over the county: its vote is
  recorded (under the cycle's rule, "majority" in the data set, one vote may not yet
  move the item: the figure counts items handled, moved or voted);
- secretary: the account holds the secretary role over the county: approved, the
  cadre told.

Figure: items handled per second = handled / request time; target 5,000/s on
PostgreSQL at every stage. Baseline beside it: the per-item Core floor of
bench_transitions (read, version-checked UPDATE, audit INSERT, commit each) on up to
FLOOR_N other items of the same stage. Counties are taken in order (the last is
bench_web's) until enough items wait: items move on for good, so each run uses the
next ones; approved supervisor items feed the committee stage, and so on.
"""

import argparse
import os
import time

from bench_transitions import floor_one
from common import county_ids, ensure_user, login, make_app, normalise_url, report
from sqlalchemy import select, update

from workflow_app.extensions import db

FLOOR_N = 300
# stage -> (state waiting, role, the floor's destination, score sent)
STAGES = {
    "supervisor": ("supervisor_review", "supervisor", "committee_review", "88"),
    "committee": ("committee_review", "committee", "secretary_approval", "88"),
    "secretary": ("secretary_approval", "secretary", "approved", ""),
}


def _waiting(counties, state, n):
    from workflow_app.assessments.models import Assessment
    from workflow_app.cycles.models import Cycle
    from workflow_app.people.models import OrgUnit

    cycle_id = db.session.scalar(select(Cycle.id).where(Cycle.status == "open")
                                 .order_by(Cycle.id.desc()).limit(1))
    paths = db.session.scalars(select(OrgUnit.path).where(OrgUnit.id.in_(counties))).all()
    return db.session.execute(
        select(Assessment.id, Assessment.version, Assessment.cadre_id)
        .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
        .where(Assessment.cycle_id == cycle_id, Assessment.state == state,
               db.or_(*[OrgUnit.path.like(p + "%") for p in paths]))
        .order_by(Assessment.id).limit(n)).all()


def _pick(state, n):
    """Counties in order (not bench_web's, the last) until n + 100 items wait."""
    chosen, rows = [], []
    for county in county_ids()[:-1]:
        chosen.append(county)
        rows = _waiting(chosen, state, n + FLOOR_N)
        if len(rows) >= n + 100:
            return chosen, rows
    raise SystemExit(f"fewer than {n + 100} items in {state}: rebuild the data set")


def _account(stage, counties, items):
    """The stage's bench account over `counties` (its id and username)."""
    _state, role, _dest, _score = STAGES[stage]
    for county in counties:
        user = ensure_user(f"bench_{stage}_{counties[0]}", role, county)
    if stage == "supervisor":
        from workflow_app.people.models import User
        db.session.execute(update(User).where(User.id.in_([c for _i, _v, c in items]))
                           .values(supervisor_id=user.id))
        db.session.commit()
    return user.id, user.username


def _handled(stage, ids, user_id):
    from workflow_app.assessments.models import Assessment, CommitteeVote

    """(items handled: moved on or voted on, items moved on to the next state)."""
    moved = set(db.session.scalars(select(Assessment.id).where(
        Assessment.id.in_(ids), Assessment.state != STAGES[stage][0])))
    handled = set(moved)
    if stage == "committee":
        handled |= set(db.session.scalars(select(CommitteeVote.assessment_id).where(
            CommitteeVote.assessment_id.in_(ids), CommitteeVote.member_id == user_id)))
    return len(handled), len(moved)


def _floor(rows, user_id, stage):
    _state, role, dest, _score = STAGES[stage]
    start = time.perf_counter()
    with db.engine.connect() as conn:
        for ident, _v, _c in rows:
            floor_one(conn, ident, user_id, role, dest)
    return len(rows) / (time.perf_counter() - start) if rows else None


def _post(app, username, items, score):
    client = app.test_client()
    with app.app_context():
        login(client, username)
    # the form has the prefix "batch" (forms/assessments.py BatchForm)
    data = {"event": "approve", "batch-comment": "", "batch-score": score, "confirmed": "yes",
            "items": [f"{i}:{v}" for i, v, _c in items]}
    start = time.perf_counter()
    response = client.post("/tasks/batch", data=data)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"batch request failed: {response.status_code}")
    return elapsed


def run_stage(app, stage, n):
    with app.app_context():
        counties, rows = _pick(STAGES[stage][0], n)
        items, floor_rows = rows[:n], rows[n:]
        user_id, username = _account(stage, counties, items)
        db.session.remove()
    elapsed = _post(app, username, items, STAGES[stage][3])
    with app.app_context():
        done, moved = _handled(stage, [i for i, _v, _c in items], user_id)
        floor = _floor(floor_rows, user_id, stage)
    report("batch_approve", app.config["SQLALCHEMY_DATABASE_URI"], {
        "stage": stage, "n": n, "approved": done, "moved": moved, "counties": len(counties),
        "seconds": round(elapsed, 3), "per_s": round(done / elapsed, 1),
        "floor_per_s": round(floor, 1) if floor else None, "floor_n": len(floor_rows),
        "target_per_s": 5000, "met": done == n and done / elapsed >= 5000})


def run(url, n, stages):
    app = make_app(url)
    app.config["WTF_CSRF_ENABLED"] = False
    for stage in stages:
        run_stage(app, stage, n)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get(
        "BENCH_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/kaohe_bench"))
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--stages", default=",".join(STAGES))
    args = parser.parse_args()
    run(normalise_url(args.url), args.n, args.stages.split(","))

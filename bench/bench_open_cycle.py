"""Opening a cycle for every cadre of the city (50,000 in the big data set).

    python bench/bench_open_cycle.py [--url URL]

A new quarterly cycle over the root unit is created and opened with
`cycles.services.open_cycle` (assessments in `drafting`, first report, audit entry
each, and the "cycle opened" notice queued for every cadre), then flushed; the
figure is the time of open + flush. The transaction is rolled back afterwards so the
run can be repeated (the commit of the flushed rows is therefore not included).
Baseline beside it: bulk-inserting the same number of bare assessment rows with one
Core executemany (the least "one row per cadre" costs).
Target: under 10 s. BENCH_SCOPE=county opens it over the first county only (about
5,000 cadres): for code too slow to open the whole city in reasonable time.
"""

import os
import time
from datetime import timedelta

from common import make_app, report, url_from_args
from sqlalchemy import func, insert, select

from workflow_app.extensions import db


def run(url):
    app = make_app(url)
    with app.app_context():
        from workflow_app.assessments.models import Assessment
        from workflow_app.clock import utcnow
        from workflow_app.cycles.models import Cycle
        from workflow_app.cycles.services import open_cycle
        from workflow_app.notifications.models import Notification
        from workflow_app.people.models import OrgUnit

        root = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None))
                                 .order_by(OrgUnit.id).limit(1))
        if os.environ.get("BENCH_SCOPE") == "county":
            root = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id == root.id)
                                     .order_by(OrgUnit.id).limit(1))
        now = utcnow()
        cycle = Cycle(name="基准测试周期", kind="quarterly", year=now.year + 1, quarter=1,
                      workflow_key="quarterly", workflow_version=1, status="scheduled",
                      opens_at=now, submit_deadline=now + timedelta(days=20),
                      org_units=[root], grading={}, stage_sla_days={},
                      committee_categories=[])
        db.session.add(cycle)
        db.session.flush()
        notes_before = db.session.scalar(select(func.count(Notification.id)))
        start = time.perf_counter()
        created = open_cycle(cycle, None, now=now)
        db.session.flush()
        elapsed = time.perf_counter() - start
        notes = db.session.scalar(select(func.count(Notification.id))) - notes_before
        db.session.rollback()

        cadres = db.session.execute(select(Assessment.cadre_id, Assessment.org_unit_id)
                                    .where(Assessment.cycle_id == 1)
                                    .limit(len(created))).all()
        cycle = Cycle(name="基准测试周期-底线", kind="quarterly", year=now.year + 1, quarter=2,
                      workflow_key="quarterly", workflow_version=1, status="open",
                      opens_at=now, submit_deadline=now + timedelta(days=20), grading={},
                      stage_sla_days={}, committee_categories=[])
        db.session.add(cycle)
        db.session.flush()
        start = time.perf_counter()
        db.session.execute(insert(Assessment), [
            {"cycle_id": cycle.id, "cadre_id": c, "org_unit_id": u, "state": "drafting",
             "version": 1, "flags": [], "state_since": now, "created_at": now,
             "audit_head": ""} for c, u in cadres])
        db.session.flush()
        floor = time.perf_counter() - start
        db.session.rollback()
    report("open_cycle", url, {"assessments": len(created), "notifications": notes,
                               "seconds": round(elapsed, 2), "floor_seconds": round(floor, 2),
                               "target_seconds": 10, "met": elapsed < 10})


if __name__ == "__main__":
    url, _n = url_from_args()
    run(url)

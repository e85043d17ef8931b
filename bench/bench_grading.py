"""Grading 50,000 assessments: scores, quotas per unit, ranks per category, flags.

    python bench/bench_grading.py [--url URL]

Takes the newest closed quarterly cycle of the data set, sets its assessments back to
`approved` inside a transaction, and times `scoring.services.grade_cycle` (read the
review scores and negative list, grade, rank, flag, write back) up to the flush; then
rolls back so the run can be repeated. Baseline beside it: `grading.grade_items` alone
on the same items (the pure computation, no database).
Target: under 3 s.
"""

import time

from common import make_app, report, url_from_args
from sqlalchemy import func, select, update

from workflow_app.extensions import db


def run(url):
    app = make_app(url)
    with app.app_context():
        from workflow_app.assessments.models import Assessment
        from workflow_app.cycles.models import Cycle
        from workflow_app.scoring.grading import Item, grade_items, merged_config
        from workflow_app.scoring.services import grade_cycle

        cycle = db.session.scalar(select(Cycle).where(Cycle.kind == "quarterly",
                                                      Cycle.status != "open")
                                  .order_by(Cycle.opens_at.desc()).limit(1))
        db.session.execute(update(Assessment).where(Assessment.cycle_id == cycle.id)
                           .values(state="approved", grade=None, rank=None))
        n = db.session.scalar(select(func.count()).where(Assessment.cycle_id == cycle.id))
        db.session.expire_all()
        start = time.perf_counter()
        summary = grade_cycle(cycle, None)
        db.session.flush()
        elapsed = time.perf_counter() - start
        rows = db.session.execute(select(Assessment.id, Assessment.org_unit_id,
                                         Assessment.score)
                                  .where(Assessment.cycle_id == cycle.id)).all()
        db.session.rollback()
    items = [Item(i, u, f"c{u % 3}", s) for i, u, s in rows]
    start = time.perf_counter()
    grade_items(items, merged_config({}))
    floor = time.perf_counter() - start
    report("grading", url, {"assessments": n, "graded": summary["graded"],
                            "seconds": round(elapsed, 2), "pure_seconds": round(floor, 2),
                            "target_seconds": 3, "met": elapsed < 3})


if __name__ == "__main__":
    url, _n = url_from_args()
    run(url)

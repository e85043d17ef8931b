"""Statement budgets of the city-scale operations (issue 12), on both databases.

Time depends on the machine; the number of statements an operation sends does not.
Opening a cycle and grading it must send as many statements for many cadres as for
a few: their rows go in bulk (COPY on PostgreSQL), never one statement per cadre.
"""

from decimal import Decimal

from sqlalchemy import event, func, insert, select, update

from workflow_app.assessments.models import Assessment, Review
from workflow_app.audit.verify import verify_chains
from workflow_app.cycles.services import open_cycle
from workflow_app.extensions import db
from workflow_app.notifications import services as notifications
from workflow_app.notifications.models import Notification
from workflow_app.people.models import RoleGrant, User
from workflow_app.scoring.services import grade_cycle

OPEN_BUDGET = 21  # what it sends today, on both databases, COPY counted as one
# likewise; 18 before issues 14 and 15 added the quarter's months (monthly_feed) and the
# period's linked indicators (市县同责连带考核): one statement each, whatever the number
GRADE_BUDGET = 20


class Statements:
    """Counts what reaches the database cursor (COPY included, see workflow_app.bulk)."""

    def __init__(self):
        self.seen = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, *args):
        self.seen.append(statement)

    def __len__(self):
        return len(self.seen)


def _add_cadres(world, n):
    """n more cadres in 东街社区, written directly (no password hash each)."""
    unit = world.units["a"]
    first = db.session.scalar(select(func.count(User.id)))
    ids = db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
        {"username": f"bulk{first + i}", "password_hash": "x", "display_name": f"干部{i}",
         "email": f"bulk{first + i}@example.test" if i % 2 else "", "org_unit_id": unit.id,
         "supervisor_id": world.sup_a.id} for i in range(n)]).all()
    db.session.execute(insert(RoleGrant), [{"user_id": i, "role": "cadre",
                                            "org_unit_id": unit.id} for i in ids])
    db.session.commit()


def _opened(world, create_cycle, **names):
    cycle = create_cycle(open_now=False, **names)
    with Statements() as counted:
        created = open_cycle(cycle, world.admin)
        db.session.flush()
    db.session.commit()
    return cycle, created, len(counted)


def test_opening_a_cycle_sends_the_same_statements_for_any_number_of_cadres(
        world, create_cycle):
    _cycle, few, few_count = _opened(world, create_cycle)
    _add_cadres(world, 40)
    _cycle, many, many_count = _opened(world, create_cycle, name="第二季度", quarter=2)
    assert (len(few), len(many)) == (5, 45)  # a1 a2 a3 b1 sup_a, then 40 more
    assert many_count == few_count <= OPEN_BUDGET


def test_opening_through_copy_keeps_notices_exactly_once_and_the_audit_log_whole(
        world, create_cycle, monkeypatch):
    """The COPY path for notices (used from a few thousand rows) forced on small data."""
    monkeypatch.setattr(notifications, "COPY_FROM", 0)
    _add_cadres(world, 12)
    cycle, created, _count = _opened(world, create_cycle)
    key = f"c{cycle.id}:opened:%"
    notes = db.session.scalars(select(Notification)
                               .where(Notification.dedup_key.like(key))).all()
    channels = sorted((n.user_id, n.channel) for n in notes)
    assert len({u for u, _c in channels}) == len(created)
    assert len(channels) == len(set(channels))
    assert ("cycle_opened", "in_app") in {(n.kind, n.channel) for n in notes}
    # Opening again (a cadre joined meanwhile) queues the newcomer only.
    _add_cadres(world, 1)
    before = db.session.scalar(select(func.count(Notification.id)))
    assert len(open_cycle(cycle, world.admin)) == 1
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) - before == 1
    assert verify_chains() == []


def _approve_all(cycle, world):
    """Every assessment of the cycle approved with a review score, without the workflow."""
    rows = db.session.execute(select(Assessment.id).where(Assessment.cycle_id == cycle.id))
    ids = [r.id for r in rows]
    db.session.execute(update(Assessment).where(Assessment.cycle_id == cycle.id)
                       .values(state="approved"))
    db.session.execute(insert(Review), [
        {"assessment_id": a, "stage": "secretary_approval", "reviewer_id": world.sec_a.id,
         "decision": "approve", "score": Decimal(60 + n % 40), "comment": "",
         "report_revision": 1} for n, a in enumerate(ids)])
    db.session.commit()


def _graded(world, create_cycle, **names):
    cycle = create_cycle(**names)
    _approve_all(cycle, world)
    with Statements() as counted:
        summary = grade_cycle(cycle, world.admin)
        db.session.flush()
    db.session.commit()
    return summary, len(counted)


def test_grading_sends_the_same_statements_for_any_number_of_cadres(world, create_cycle):
    few, few_count = _graded(world, create_cycle)
    _add_cadres(world, 40)
    many, many_count = _graded(world, create_cycle, name="第二季度", quarter=2)
    assert few["graded"] == 5 and many["graded"] == 45
    assert many_count == few_count <= GRADE_BUDGET

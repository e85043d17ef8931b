"""The batch's scope in one query (batch_scope) answers as the per-item rules do.

A table of users × items × events, at two moments (while a substitution runs and after
it ended): `batch_scope.actionable` must allow exactly what `permissions.can_fire`
allows item by item, and `relations_many` equal `permissions.relations`. The items
cover the forbidden cases: another unit, a recused member, a member who already voted,
a substitute after the substitution ended, a reviewer's own assessment.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT, make_user
from workflow_app.assessments import batch_scope
from workflow_app.assessments.conflicts import declare_conflict
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import can_fire, relations
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db
from workflow_app.people import substitutes as subs

EVENTS = ("approve", "send_back", "abstain", "submit", "exclude")
USERS = ("admin", "audit", "sup_a", "sup_b", "com_a1", "com_a2", "com_self", "sec_a",
         "com_b", "sec_b", "a1", "a2", "a3", "b1", "town_admin")


def _item(world, name):
    user = world.users[name]
    return db.session.scalar(select(Assessment).where(Assessment.cadre_id == user.id))


def _submit(world, name):
    a = _item(world, name)
    save_report(a, world.users[name], FULL_REPORT)
    fire_event(a, "submit", world.users[name])
    return a


@pytest.fixture
def scene(world, clock, create_cycle):
    """a1: committee stage, com_a1 voted (majority); a3: committee stage, com_a2 recused;
    com_self (a member and a cadre): own item at the committee stage; a2: supervisor stage;
    b1: secretary stage. sup_b stands in for sup_a, sec_b for sec_a, for two days."""
    unit = world.units["a"]
    world.users["com_self"] = make_user("com_self", unit, ["committee", "cadre"],
                                        supervisor=world.sup_a)
    db.session.commit()
    cycle = create_cycle()
    cycle.committee_rule = "majority"
    for name in ("a1", "a3", "com_self"):
        fire_event(_submit(world, name), "approve", world.sup_a, score=80)
    _submit(world, "a2")
    b1 = _submit(world, "b1")
    fire_event(b1, "approve", world.sup_b, score=80)
    fire_event(b1, "approve", world.com_b, score=85)
    fire_event(_item(world, "a1"), "approve", world.com_a1, score=90)
    declare_conflict(_item(world, "a3"), world.com_a2, "亲属")
    db.session.commit()
    for absent, substitute in (("sup_a", "sup_b"), ("sec_a", "sec_b")):
        subs.appoint(world.users[absent], world.users[absent], world.users[substitute],
                     clock.now - timedelta(hours=1), clock.now + timedelta(days=2), "年休假")
    db.session.commit()
    return db.session.scalars(select(Assessment).order_by(Assessment.id)).all()


@pytest.mark.parametrize("name", USERS)
def test_sql_scope_equals_the_per_item_rules(world, clock, scene, name):
    user = world.users[name]
    user.__dict__.pop("_represented", None)  # looked up before the substitutions existed
    assert {a.state for a in scene} >= {"committee_review", "supervisor_review",
                                        "secretary_approval", "drafting"}
    for moment in ("during", "after"):
        if moment == "after":
            clock.advance(days=3)  # both substitutions have ended
        assert batch_scope.relations_many(user, [a.id for a in scene]) == {
            a.id: relations(user, a) for a in scene}, moment
        for event in EVENTS:
            expected = {a.id for a in scene if can_fire(user, a, event)}
            got = batch_scope.actionable(user, scene, event)
            assert set(got) == expected, (moment, event)


def test_table_has_the_forbidden_cases(world, clock, scene):
    """The cases the table must hold (so that equality above means something)."""
    by = {a.cadre_id: a for a in scene}
    a1, a2, a3 = (by[world.users[n].id] for n in ("a1", "a2", "a3"))
    own, b1 = by[world.users["com_self"].id], by[world.b1.id]

    def ok(name, a, event="approve"):
        world.users[name].__dict__.pop("_represented", None)
        return a.id in batch_scope.actionable(world.users[name], [a], event)
    assert ok("com_a2", a1) and not ok("com_a1", a1)  # com_a1 already voted
    assert not ok("com_a2", a3) and ok("com_a1", a3)  # com_a2 recused
    assert not ok("com_self", own) and ok("com_a1", own)  # nobody decides on their own
    assert not ok("com_b", a1) and not ok("sec_a", b1)  # another unit
    assert ok("sup_b", a2) and ok("sec_b", b1)  # standing in
    assert ok("sec_a", a1, "exclude") is False and ok("admin", a1, "exclude")
    clock.advance(days=3)
    assert not ok("sup_b", a2)  # the substitution ended
    assert ok("sec_b", b1)  # sec_b is b1's own secretary anyway


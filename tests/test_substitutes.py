"""Substitutes: a reviewer away names who acts for them; their items' messages go to the
substitute for the period, the audit records who appointed whom, and scope holds."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT, told
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.services import history
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.people import substitutes as subs
from workflow_app.people.models import Substitution
from workflow_app.scheduler import messages  # noqa: F401  (the reminder kinds)


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def fresh():
    def reload(model, ident):
        db.session.expire_all()
        return db.session.get(model, ident)
    return reload


def away(world, clock, absent="sup_a", substitute="sup_b", actor=None, days=(0, 5)):
    sub = subs.appoint(world.users[actor or absent], world.users[absent],
                       world.users[substitute], clock.now + timedelta(days=days[0]),
                       clock.now + timedelta(days=days[1]), "年休假")
    db.session.commit()
    return sub


def waiting_for(kind="review_waiting"):
    told()
    return db.session.scalars(select(Notification).where(Notification.kind == kind,
                                                         Notification.channel == "in_app")).all()


def submit(world, name):
    cadre = world.users[name]
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == cadre.id))
    save_report(a, cadre, FULL_REPORT)
    fire_event(a, "submit", cadre)
    db.session.commit()
    return a


def test_who_stands_in_for_whom_during_the_period(world, clock):
    away(world, clock, days=(1, 3))
    now = clock.now
    assert subs.substitutes_of(world.sup_a, now) == []
    assert subs.substitutes_of(world.sup_a, now + timedelta(days=2)) == [world.sup_b]
    assert subs.represented_by(world.sup_b, now + timedelta(days=2)) == [world.sup_a]
    assert subs.represented_by(world.sup_b, now + timedelta(days=3)) == []  # ended


def test_review_messages_go_to_the_substitute_while_away(world, clock, create_cycle):
    create_cycle()
    away(world, clock)
    submit(world, "a1")
    [note] = waiting_for()
    assert note.user_id == world.sup_b.id
    assert note.subject.startswith("【代sup_a】")
    clock.advance(days=6)  # back from leave
    submit(world, "a2")
    assert {n.user_id for n in waiting_for()} == {world.sup_b.id, world.sup_a.id}


def test_cadre_messages_are_not_routed(world, clock, create_cycle):
    """A substitution is for the absent person's review work, not their own results."""
    create_cycle()
    away(world, clock, absent="a1", substitute="com_b", actor="admin")
    a = submit(world, "a1")
    fire_event(a, "send_back", world.sup_a, comment="请补充")
    db.session.commit()
    [note] = waiting_for("sent_back")
    assert note.user_id == world.a1.id


def test_the_appointment_is_audited(world, clock):
    sub = away(world, clock, actor="admin")
    [entry] = [e for e in history("user", world.sup_a.id) if e.action == "substitute"]
    assert entry.actor_id == world.admin.id
    assert entry.data["substitute_id"] == world.sup_b.id and entry.data["reason"] == "年休假"
    assert entry.data["substitution_id"] == sub.id


BAD = [
    ({"substitute": "sup_a"}, "substitute", "same_person"),
    ({"days": (3, 1)}, "ends_at", "before_opening"),
    ({"days": (-5, -1)}, "ends_at", "in_past"),
]


@pytest.mark.parametrize(("kwargs", "field", "code"), BAD)
def test_bad_appointments_name_the_field(world, clock, kwargs, field, code):
    with pytest.raises(Invalid) as caught:
        away(world, clock, **kwargs)
    assert caught.value.fields[field] == code


def test_no_two_substitutes_for_the_same_time_and_no_chains(world, clock):
    away(world, clock, days=(0, 5))
    with pytest.raises(Invalid) as caught:
        away(world, clock, substitute="com_a1", days=(4, 8))
    assert caught.value.fields == {"starts_at": "overlap_period"}
    with pytest.raises(Invalid) as caught:
        away(world, clock, absent="sec_a", substitute="sup_a", days=(1, 2))
    assert caught.value.fields == {"substitute": "substitute_absent"}
    away(world, clock, substitute="com_a1", days=(5, 8))  # right after: fine


@pytest.mark.parametrize(("actor", "absent", "substitute"), [
    ("a1", "sup_a", "sup_b"),          # nobody appoints for someone else
    ("town_admin", "sup_a", "sup_b"),  # an admin of 西街社区 only
    ("com_b", "com_b", "admin"),       # self-service stays in one's own part of the tree
])
def test_appointments_out_of_scope_are_refused(world, clock, actor, absent, substitute):
    with pytest.raises(NotAllowed):
        away(world, clock, actor=actor, absent=absent, substitute=substitute)
    assert db.session.scalars(select(Substitution)).all() == []


def test_my_substitutes_page(auth, world, clock, fresh):
    sup = auth.user("sup_a")
    page = sup.get("/substitutes").get_data(as_text=True)
    assert "sup_b" in page and 'type="datetime-local"' in page
    resp = sup.post("/substitutes", {"substitute": str(world.sup_b.id),
                                     "starts_at": "2026-04-02T08:00",
                                     "ends_at": "2026-04-09T18:00", "reason": "出差"})
    assert resp.status_code == 303
    [sub] = db.session.scalars(select(Substitution)).all()
    assert sub.absent_user_id == world.sup_a.id and sub.reason == "出差"
    bad = sup.post("/substitutes", {"substitute": str(world.sup_b.id),
                                    "starts_at": "2026-04-05T08:00", "ends_at": "后天"})
    assert bad.status_code == 422 and "请输入日期和时间" in bad.get_data(as_text=True)
    assert sup.post(f"/substitutes/{sub.id}/end").status_code == 303
    assert fresh(Substitution, sub.id) is None  # had not started yet: dropped


def test_admin_names_a_substitute_for_someone(auth, world, fresh):
    admin = auth.user("admin")
    resp = admin.post("/admin/substitutes", {
        "absent_user": str(world.sec_a.id), "substitute": str(world.com_a1.id),
        "starts_at": "2026-03-30T08:00", "ends_at": "2026-04-30T18:00", "reason": "病假"})
    assert resp.status_code == 303
    [sub] = db.session.scalars(select(Substitution)).all()
    assert "病假" in admin.get("/admin/substitutes").get_data(as_text=True)
    # Ending one that has started keeps it, cut short at now.
    assert admin.post(f"/substitutes/{sub.id}/end", {"back": "admin"}).status_code == 303
    assert fresh(Substitution, sub.id).ends_at is not None
    assert auth.user("a1").get("/admin/substitutes").status_code == 403
    assert auth.user("a2").post(f"/substitutes/{sub.id}/end").status_code == 403


# While sup_a is away, sup_b acts on sup_a's items; the audit names both.
def test_the_substitute_acts_and_the_audit_says_for_whom(auth, world, clock, create_cycle):
    create_cycle()
    away(world, clock)
    a = submit(world, "a1")
    queue = auth.user("sup_b").get("/tasks").get_data(as_text=True)
    assert f"/assessments/{a.id}" in queue
    entry = fire_event(a, "approve", world.sup_b, score="88")
    db.session.commit()
    assert (entry.actor_id, entry.on_behalf_of_id) == (world.sup_b.id, world.sup_a.id)
    page = auth.user("sup_b").get(f"/assessments/{a.id}").get_data(as_text=True)
    assert "（代 sup_a 办理）" in page or f"（代 {world.sup_a.display_name} 办理）" in page


def test_own_items_are_not_marked_as_standing_in(world, clock, create_cycle):
    # Appointed before the cycle exists: once sup_a is assessed in a cycle that sup_b
    # reviews, the appointment would be refused as conflicted.
    away(world, clock, absent="sup_b", substitute="sup_a")
    create_cycle()
    a = submit(world, "a1")
    entry = fire_event(a, "approve", world.sup_a, score="90")
    assert entry.on_behalf_of_id is None


@pytest.mark.parametrize(("days", "allowed"), [((0, 5), True), ((-3, -1), False), ((2, 5), False)])
def test_the_substitute_may_act_only_during_the_period(world, clock, create_cycle, days,
                                                       allowed):
    create_cycle()
    if days[0] >= 0:
        away(world, clock, days=days)
    else:  # a past period: appoint it, then move the clock past its end
        away(world, clock, days=(0, 1))
        clock.advance(days=2)
    a = submit(world, "a1")
    if allowed:
        fire_event(a, "approve", world.sup_b, score="80")
    else:
        with pytest.raises(NotAllowed):
            fire_event(a, "approve", world.sup_b, score="80")


def test_a_substitute_never_acts_on_their_own_assessment(world, clock, create_cycle):
    """a2 stands in for sup_a (their own supervisor): a2's own report stays out of reach.
    `appoint` refuses this (a2 is conflicted); a row from before that rule still holds."""
    create_cycle()
    db.session.add(Substitution(absent_user=world.sup_a, substitute=world.a2,
                                starts_at=clock.now, ends_at=clock.now + timedelta(days=5),
                                created_by_id=world.admin.id, created_at=clock.now))
    db.session.commit()
    a = submit(world, "a2")
    with pytest.raises(NotAllowed):
        fire_event(a, "approve", world.a2, score="99")

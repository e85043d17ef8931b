"""Follow-up of the last-ranked (秦皇岛: 排名末位 → 专题民主生活会 / 提醒谈话, 整改; 001: 约谈主要
负责人): who is listed, opening once, who may write, the measures tracked to closure,
the reminders, and the database's own guards. Both databases.

The town cycle ranks the 社区 category: a1 92, b1 85, a2 80, a3 70; 东街社区's mean is
80.67 and 西街社区's 85, so a3 and 东街社区 are last."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import FULL_REPORT
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.models import AuditEntry
from workflow_app.errors import Invalid, NotAllowed, WrongState
from workflow_app.extensions import db
from workflow_app.followups import candidates as cand
from workflow_app.followups import services as svc
from workflow_app.followups.models import FollowUp
from workflow_app.notifications.models import Notification
from workflow_app.scheduler import jobs
from workflow_app.scoring.services import grade_cycle

REVIEWERS = {"a": ("sup_a", "com_a1", "sec_a"), "b": ("sup_b", "com_b", "sec_b")}
SCORES = {"a1": 92, "b1": 85, "a2": 80, "a3": 70}


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


def approve(world, cycle, name, score):
    cadre = world.users[name]
    a = db.session.scalar(select(Assessment).where(Assessment.cycle_id == cycle.id,
                                                   Assessment.cadre_id == cadre.id))
    save_report(a, cadre, FULL_REPORT)
    fire_event(a, "submit", cadre)
    sup, com, sec = (world.users[n] for n in REVIEWERS[name[0]])
    fire_event(a, "approve", sup, score=score)
    fire_event(a, "approve", com, score=score)
    fire_event(a, "approve", sec)
    return a


@pytest.fixture
def graded_cycle(world, create_cycle):
    def make(scores=None, **overrides):
        cycle = create_cycle(**overrides)
        for name, score in (scores or SCORES).items():
            approve(world, cycle, name, score)
        grade_cycle(cycle, world.admin)
        db.session.commit()
        return cycle
    return make


def _names(cands):
    return [c.name for c in cands]


@pytest.mark.parametrize(("grading", "scores", "persons", "units"), [
    ({}, SCORES, ["a3"], ["东街社区"]),                                 # default: the last
    ({"follow_up": {"bottom_n": 2}}, SCORES, ["a2", "a3"], []),        # 2 units: nobody
    ({}, {**SCORES, "a2": 70}, ["a2", "a3"], ["东街社区"]),              # tied last: both
    ({}, {"a1": 90}, [], []),                                          # alone: not "last"
])
def test_who_is_listed_as_last(world, graded_cycle, grading, scores, persons, units):
    cycle = graded_cycle(scores, grading=grading)
    assert _names(cand.person_candidates(cycle)) == persons
    assert _names(cand.unit_candidates(cycle)) == units


@pytest.mark.parametrize(("value", "ok"), [(1, True), (3, True), (0, False), ("2", False),
                                          (True, False), (51, False)])
def test_bottom_n_is_checked_when_the_cycle_is_made(world, create_cycle, value, ok):
    def make():
        return create_cycle(grading={"follow_up": {"bottom_n": value}})
    if ok:
        assert cand.bottom_n(make()) == value
    else:
        with pytest.raises(Invalid) as exc:
            make()
        assert exc.value.fields == {"grading.follow_up.bottom_n": "out_of_range"}


def test_opening_twice_opens_once_and_the_system_may_open(world, graded_cycle):
    cycle = graded_cycle()
    first, created = cand.open_for_cycle(cycle, world.admin, user_id=world.a3.id,
                                         kind="reminder_talk")
    again, created_again = cand.open_for_cycle(cycle, world.admin, user_id=world.a3.id,
                                               kind="reminder_talk")
    assert (created, created_again, again.id) == (True, False, first.id)
    assert first.reason_data == {"rank": 4, "of": 4, "category": "社区", "score": "70.00",
                                 "scope": "person"}
    # Grading's joint-liability rule: no actor, audited as the system, idempotent too.
    talk, _ = svc.open_follow_up(cycle, world.sec_a, None, "principal_talk",
                                 reason="joint_liability", data={"team": 1})
    assert svc.open_follow_up(cycle, world.sec_a, None, "principal_talk",
                              reason="joint_liability")[0].id == talk.id
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.subject_type == "follow_up",
                                                       AuditEntry.subject_id == talk.id))
    assert (entry.actor_id, entry.actor_role, entry.action) == (None, "system", "open")
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 2


@pytest.mark.parametrize(("who", "subject", "error"), [
    ("admin", "a3", None),
    ("town_admin", "a3", NotAllowed),     # org_admin of 西街社区 only: a3 is in 东街社区
    ("audit", "a3", NotAllowed),          # auditors read, never write
    ("a1", "a3", NotAllowed),             # a cadre
    ("sec_a", "a3", NotAllowed),
    ("admin", "a1", Invalid),             # first, not last: not a candidate
])
def test_who_opens_a_follow_up(world, graded_cycle, who, subject, error):
    cycle = graded_cycle()
    def open_():
        return cand.open_for_cycle(cycle, world.users[who], user_id=world.users[subject].id,
                                   kind="democratic_life_meeting")
    if error is None:
        assert open_()[1]
    else:
        with pytest.raises(error):
            open_()


def test_an_ungraded_cycle_has_nobody_to_follow_up(world, create_cycle):
    with pytest.raises(WrongState):
        cand.open_for_cycle(create_cycle(), world.admin, user_id=world.a3.id,
                            kind="reminder_talk")


def _opened(world, cycle):
    follow_up, _ = cand.open_for_cycle(cycle, world.admin, user_id=world.a3.id,
                                       kind="reminder_talk")
    db.session.commit()
    return follow_up


def test_measures_are_tracked_to_closure(world, graded_cycle):
    f = _opened(world, graded_cycle())
    with pytest.raises(WrongState):  # not held yet
        svc.close_follow_up(f, world.admin, outcome="已整改")
    svc.update_follow_up(f, world.admin, held_on="2026-04-08", problems="入户登记进度滞后")
    m = svc.add_measure(f, world.admin, text="每周报送入户台账", owner=world.a3,
                        due_on="2026-04-30")
    with pytest.raises(WrongState) as exc:
        svc.close_follow_up(f, world.admin, outcome="已整改")
    assert exc.value.code == "open_measures"
    with pytest.raises(Invalid):  # the outcome is required
        svc.close_follow_up(f, world.admin, outcome=" ")
    svc.complete_measure(m, world.admin, note="台账已报送")
    svc.close_follow_up(f, world.admin, outcome="问题已整改到位")
    db.session.commit()
    assert (f.status, m.status) == ("closed", "done")
    with pytest.raises(WrongState):
        svc.add_measure(f, world.admin, text="再加一条", owner=world.a3, due_on="2026-05-30")
    (record,) = svc.follow_ups_for_person(world.a3.id)
    assert (record["kind"], record["status"], record["measures"][0]["note"]) == (
        "reminder_talk", "closed", "台账已报送")
    assert svc.follow_ups_for_person(world.a1.id) == []


@pytest.mark.parametrize(("who", "owner", "due", "error"), [
    ("admin", "a3", "2026-04-30", None),
    ("town_admin", "a3", "2026-04-30", NotAllowed),
    ("audit", "a3", "2026-04-30", NotAllowed),
    ("a3", "a3", "2026-04-30", NotAllowed),       # the person followed up reads, not writes
    ("admin", "a3", "4月30日", Invalid),
    ("admin", None, "2026-04-30", Invalid),
])
def test_who_adds_measures(world, graded_cycle, who, owner, due, error):
    f = _opened(world, graded_cycle())
    def add():
        return svc.add_measure(f, world.users[who], text="整改", due_on=due,
                               owner=world.users[owner] if owner else None)
    if error is None:
        assert add().id
    else:
        with pytest.raises(error):
            add()


@pytest.mark.parametrize("statement", [
    "UPDATE follow_up SET org_unit_id = (SELECT min(id) FROM org_unit)",       # two subjects
    "UPDATE follow_up SET user_id = NULL",                                     # none
    "UPDATE follow_up SET status = 'closed', closed_at = created_at",          # no outcome
    "UPDATE follow_up SET kind = 'chat'",
    "INSERT INTO follow_up (cycle_id, user_id, kind, reason, reason_data, reason_note, "
    "problems, outcome, status, version, created_at) SELECT cycle_id, user_id, kind, reason, "
    "reason_data, '', '', '', 'open', 1, created_at FROM follow_up",          # opened twice
    "INSERT INTO rectification_measure (follow_up_id, text, owner_id, due_on, status, note, "
    "created_at) SELECT id, 'x', user_id, '2026-05-01', 'done', '', created_at FROM follow_up",
])
def test_database_refuses_broken_follow_ups(world, graded_cycle, statement):
    _opened(world, graded_cycle())
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()


# --- reminders ---------------------------------------------------------------------------

def _notes(kind):
    return db.session.scalars(select(Notification).where(Notification.kind == kind)
                              .order_by(Notification.id)).all()


def test_owners_are_reminded_once_and_admins_told_of_overdue_once(world, graded_cycle, clock):
    f = _opened(world, graded_cycle())
    today = clock.now.date()  # Wednesday 1 April 2026 (Beijing: the same day)
    soon = svc.add_measure(f, world.admin, text="每周报送台账", owner=world.a3,
                           due_on=today + timedelta(days=2))    # Friday: 3 working days
    later = svc.add_measure(f, world.admin, text="年底前完成", owner=world.a2,
                            due_on=date(2026, 6, 30))
    late = svc.add_measure(f, world.admin, text="补交材料", owner=world.sec_a,
                           due_on=today - timedelta(days=1))
    db.session.commit()
    job = jobs.JOBS_BY_ID["remind_rectification"].func
    assert job(clock.now) == 2
    db.session.commit()
    assert job(clock.now + timedelta(hours=1)) == 0  # the next run: nothing again
    db.session.commit()
    due = _notes("rectification_due")
    assert {n.user_id for n in due} == {world.a3.id}
    assert "每周报送台账" in due[0].body and f"/follow-ups/{f.id}" == due[0].link
    overdue = _notes("rectification_overdue")
    assert {n.user_id for n in overdue} == {world.admin.id}  # the admin who opened it
    assert (soon.reminded_at is not None, later.reminded_at, late.overdue_told_at is not None) \
        == (True, None, True)


def test_the_job_runs_from_the_scheduler(world, graded_cycle, clock, runner):
    f = _opened(world, graded_cycle())
    svc.add_measure(f, world.admin, text="补交材料", owner=world.a3,
                    due_on=clock.now.date() - timedelta(days=3))
    db.session.commit()
    result = runner.invoke(args=["scheduler", "--run-once", "--now", clock.now.isoformat()])
    assert "remind_rectification: 1" in result.output, result.output

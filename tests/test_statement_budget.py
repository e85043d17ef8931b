"""Statements per operation: a budget that a test can hold (time cannot be, statements
can). A single transition as the API handler runs it, from loading the assessment to
the commit, for an acting user loaded the way every request loads them (with grants
and substitutions): at most six statements, whatever the stage; the people to tell are
worked out after the commit, by the fan-out, for many events at once."""

import pytest
from sqlalchemy import event, select

from tests.factories import FULL_REPORT
from workflow_app.assessments.fanout import fan_out
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, get_assessment, save_report
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.people.substitutes import load_acting_user
from workflow_app.workcalendar import adjustments


class Statements:
    """Counts what reaches the database driver (every SELECT, INSERT, UPDATE, DELETE)."""

    def __init__(self):
        self.seen = []

    def _on(self, conn, cursor, statement, params, context, executemany):
        self.seen.append(statement.split(None, 1)[0].upper())

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._on)


def _at(world, create_cycle, state):
    create_cycle()
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == world.a1.id))
    save_report(a, world.a1, FULL_REPORT)
    steps = {"drafting": [], "supervisor_review": [("submit", "a1", {})],
             "committee_review": [("submit", "a1", {}), ("approve", "sup_a", {"score": "85"})]}
    for name, who, params in steps[state]:
        fire_event(a, name, world.users[who], **params)
    db.session.commit()
    fan_out()
    db.session.commit()
    return a.id


def _fire_counted(ident, actor_id, name, **params):
    db.session.expunge_all()  # a new request: nothing loaded yet
    adjustments()  # the process-wide caches are warm, as in a running server
    actor = load_acting_user(actor_id)
    with Statements() as counted:
        a = get_assessment(ident, actor)
        fire_event(a, name, actor, version=a.version, **params)
        db.session.commit()
    return counted.seen


# Besides the one SELECT (assessment, cycle, cadre, unit, current report, and at the
# committee stage the round's votes and the recusals) and the version-checked UPDATE
# (which carries the audit chain's head), each writes its audit entry and its own rows:
# submit stamps the report, approve adds the review, send-back the review and the
# cadre's next draft; a member's deciding vote adds the vote and the committee's
# review, and reads who the members are. Who must be told is not worked out here.
BUDGET = 6


@pytest.mark.parametrize(("state", "event_name", "actor", "params", "expected"), [
    ("drafting", "submit", "a1", {}, 4),
    ("supervisor_review", "approve", "sup_a", {"score": "86", "comment": "同意"}, 4),
    ("supervisor_review", "send_back", "sup_a", {"comment": "请补充重点工作完成情况"}, 5),
    ("committee_review", "approve", "com_a1", {"score": "88"}, 6),
])
def test_single_transition_within_budget(world, create_cycle, state, event_name, actor,
                                         params, expected):
    ident = _at(world, create_cycle, state)
    seen = _fire_counted(ident, world.users[actor].id, event_name, **params)
    assert len(seen) == expected <= BUDGET, seen
    assert seen[0] == "SELECT" and seen.count("UPDATE") >= 1


def test_notices_follow_after_the_commit_exactly_once(world, create_cycle):
    ident = _at(world, create_cycle, "supervisor_review")
    _fire_counted(ident, world.sup_a.id, "approve", score="86")
    before = db.session.scalar(select(Notification.id).limit(1).order_by(Notification.id.desc()))
    assert fan_out() == 1
    db.session.commit()
    told = db.session.scalars(select(Notification).where(Notification.id > before)).all()
    assert {(n.user.username, n.kind) for n in told} == {
        ("com_a1", "review_waiting"), ("com_a2", "review_waiting")}
    assert fan_out() == 0  # the event is gone with its notices: told once


def test_fan_out_of_many_events_is_a_few_statements(world, create_cycle):
    """Telling the people of 3 or 30 transitions costs the same number of statements."""
    ident = _at(world, create_cycle, "supervisor_review")
    _fire_counted(ident, world.sup_a.id, "approve", score="86")
    with Statements() as counted:
        fan_out()
        db.session.commit()
    assert len(counted.seen) <= 12, counted.seen

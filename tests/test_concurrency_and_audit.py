"""Two reviewers at once, and an audit log tampered with behind the application's back."""

import threading

import pytest
from sqlalchemy import text

from tests.factories import FULL_REPORT
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.verify import verify_all
from workflow_app.errors import Conflict
from workflow_app.extensions import db
from workflow_app.people.models import User


def _in_committee_review(world, create_cycle):
    create_cycle()
    a = db.session.scalar(db.select(Assessment).where(Assessment.cadre_id == world.a1.id))
    save_report(a, world.a1, FULL_REPORT)
    fire_event(a, "submit", world.a1)
    fire_event(a, "approve", world.sup_a, score=90)
    db.session.commit()
    return a.id


def _approve_in_thread(app, assessment_id, username, barrier, outcomes):
    with app.app_context():
        try:
            user = db.session.scalar(db.select(User).where(User.username == username))
            a = db.session.get(Assessment, assessment_id)
            assert a.state == "committee_review"
            barrier.wait(timeout=10)  # both have read the same version before either writes
            fire_event(a, "approve", user, score=91)
            db.session.commit()
            outcomes[username] = "ok"
        except Conflict as exc:
            db.session.rollback()
            outcomes[username] = exc.code
        finally:
            db.session.remove()


def test_two_committee_members_at_once_exactly_one_wins(app, world, create_cycle, is_postgres):
    if not is_postgres:
        pytest.skip("needs two real concurrent connections: PostgreSQL only")
    aid = _in_committee_review(world, create_cycle)
    db.session.remove()
    barrier, outcomes = threading.Barrier(2), {}
    threads = [threading.Thread(target=_approve_in_thread,
                                args=(app, aid, name, barrier, outcomes))
               for name in ("com_a1", "com_a2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["already_handled", "ok"]
    a = db.session.get(Assessment, aid)
    assert a.state == "secretary_approval" and a.version == 4
    approvals = db.session.scalar(text(
        "select count(*) from audit_entry where subject_id = :id and action = 'approve'"),
        {"id": aid})
    assert approvals == 2  # the supervisor's and exactly one committee member's
    assert verify_all() is None


def test_409_for_the_loser_over_http(world, create_cycle, api):
    aid = _in_committee_review(world, create_cycle)
    first = api.as_user("com_a1").fire(aid, "approve", score=90, version=3)
    second = api.as_user("com_a2").fire(aid, "approve", score=92, version=3)
    assert first.status_code == 200
    assert second.status_code == 409 and second.get_json()["error"] == "stale_version"


@pytest.fixture
def disable_guard_triggers(app, is_postgres):
    """What an attacker with direct database access does first; undone afterwards
    because the PostgreSQL schema outlives the test (SQLite files do not)."""
    def disable():
        if is_postgres:
            db.session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER "
                                    "audit_entry_no_update"))
        else:
            db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
            db.session.execute(text("DROP TRIGGER audit_entry_no_delete"))
    yield disable
    if is_postgres:
        db.session.rollback()
        db.session.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_update"))
        db.session.commit()


TAMPERING = {
    "edit comment": "UPDATE audit_entry SET comment = '无' WHERE subject_id = :a AND seq = 2",
    "edit actor": "UPDATE audit_entry SET actor_id = 1 WHERE subject_id = :a AND seq = 3",
    "delete middle": "DELETE FROM audit_entry WHERE subject_id = :a AND seq = 2",
    "delete newest": "DELETE FROM audit_entry WHERE subject_id = :a AND seq = 3",
    "delete all": "DELETE FROM audit_entry WHERE subject_type = 'assessment' AND subject_id = :a",
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_verify_audit_finds_tampering(world, create_cycle, runner, disable_guard_triggers, how):
    aid = _in_committee_review(world, create_cycle)
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
    disable_guard_triggers()
    db.session.execute(text(TAMPERING[how]), {"a": aid})
    db.session.commit()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert f"assessment {aid}" in result.output and "BROKEN" in result.output


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET comment = 'x'", "DELETE FROM audit_entry"])
def test_database_refuses_to_rewrite_the_log(world, create_cycle, statement):
    _in_committee_review(world, create_cycle)
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()


def test_failed_transition_leaves_no_trace(world, create_cycle):
    """A failure after the state moved is undone with everything else (one transaction)."""
    aid = _in_committee_review(world, create_cycle)
    a = db.session.get(Assessment, aid)
    entries_before = db.session.scalar(text("select count(*) from audit_entry"))
    notes_before = db.session.scalar(text("select count(*) from notification"))
    fire_event(a, "approve", world.com_a1, score=88)
    db.session.rollback()  # e.g. the request failed afterwards
    a = db.session.get(Assessment, aid)
    assert (a.state, a.version) == ("committee_review", 3)
    assert db.session.scalar(text("select count(*) from audit_entry")) == entries_before
    assert db.session.scalar(text("select count(*) from notification")) == notes_before

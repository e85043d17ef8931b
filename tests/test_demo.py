"""`flask seed-demo`: the sample county, driven through the real services."""

from collections import Counter

from sqlalchemy import func, select

from workflow_app.assessments.models import Assessment, Review
from workflow_app.audit.models import AuditEntry
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.people.models import OrgUnit, RoleGrant, User
from workflow_app.people.passwords import check_password

MODELS = (User, OrgUnit, RoleGrant, Cycle, Assessment, Review, Notification, AuditEntry)


def counts():
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def states(cycle):
    return Counter(db.session.scalars(select(Assessment.state)
                                      .where(Assessment.cycle_id == cycle.id)))


def seed(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


# Seeding the county is the cost of this module (tens of seconds on PostgreSQL under
# load), so one seed serves every check of what it built; each check is its own function.

def test_seed_demo_builds_the_sample_county_and_a_second_seed_adds_nothing(runner, clock):
    output = seed(runner)
    a_county_in_every_stage(output)
    the_previous_quarter_was_graded_published_and_filed(clock)
    demo_units_have_an_indicator_sheet_and_a_team()
    seeding_twice_adds_nothing_and_the_audit_chain_holds(runner)


def a_county_in_every_stage(output):
    assert "demo1234" in output and "admin" in output and "cadre01" in output

    roles = Counter(db.session.scalars(select(RoleGrant.role)))
    assert roles["cadre"] == 40
    assert all(roles[r] for r in ("org_admin", "auditor", "supervisor", "committee",
                                  "secretary"))
    categories = set(db.session.scalars(select(OrgUnit.category)))
    assert {"乡镇", "社区", "经济发展类", "执法服务类"} <= categories
    cadre = db.session.scalar(select(User).where(User.username == "cadre01"))
    assert check_password(cadre.password_hash, "demo1234")
    assert cadre.supervisor is not None and len(cadre.display_name) in (2, 3)

    current = db.session.scalar(select(Cycle).where(Cycle.status == "open"))
    assert current.name == "2026年第一季度平时考核"  # the quarter before 1 April 2026
    assert current.committee_stage
    found = states(current)
    assert sum(found.values()) == 40
    assert {"drafting", "supervisor_review", "committee_review", "secretary_approval",
            "approved"} <= set(found)
    sent_back = db.session.scalar(select(func.count(Review.id)).where(
        Review.decision == "send_back"))
    assert sent_back >= 2


def the_previous_quarter_was_graded_published_and_filed(clock):
    history = db.session.scalar(select(Cycle).where(Cycle.quarter == 4, Cycle.year == 2025))
    assert history is not None and history.published_at is not None
    assert history.published_at.replace(tzinfo=None) < clock.now.replace(tzinfo=None)
    assert states(history) == {"final": 40}
    grades = set(db.session.scalars(select(Assessment.grade)
                                    .where(Assessment.cycle_id == history.id)))
    assert "好" in grades and len(grades) >= 2
    # That quarter's messages are history, not news waiting in the outbox.
    pending_old = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.status == "pending", Notification.kind == "finalized"))
    assert pending_old == 0


def seeding_twice_adds_nothing_and_the_audit_chain_holds(runner):
    before = counts()
    again = seed(runner)
    assert "demo1234" in again and "已存在" in again
    assert counts() == before
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0, result.output


def test_seed_leaves_a_database_with_other_people_alone(world, runner):
    before = counts()
    assert "已有用户" in seed(runner)
    assert counts() == before


def demo_units_have_an_indicator_sheet_and_a_team():
    from workflow_app.cycles.indicators import cycle_sheets
    from workflow_app.people.teams import Team

    current = db.session.scalar(select(Cycle).where(Cycle.status == "open"))
    assert cycle_sheets(current.id), "the sheet was copied into the open cycle"
    teams = db.session.scalars(select(Team)).all()
    assert len(teams) == 8 and all(len(t.members) == 3 for t in teams)  # one per unit

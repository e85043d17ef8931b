"""Review deadlines: reminding reviewers past the stage SLA, escalating to the next level.

An item's clock is `state_since`: a new stage (approve, send back) restarts it.
SLAs count working days on the Chinese calendar (workcalendar), per stage as the
cycle sets them (Cycle.stage_sla_days) or the configured default. Reminders go
once per item and working day; an escalation once per item and stage (its
version), so re-runs, restarts and a second scheduler send nothing twice.
"""

from datetime import timedelta

from sqlalchemy import select

from workflow_app.assessments.labels import state_label
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.reviewers import stage_people
from workflow_app.audit.services import record
from workflow_app.clock import as_utc
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.notifications.services import queue
from workflow_app.people.roles import ORG_ADMIN, SECRETARY
from workflow_app.people.services import holders_of
from workflow_app.scheduler.policy import escalate_after, review_sla
from workflow_app.workcalendar import is_workday, today_local, working_days_between
from workflows import get_workflow

# Cycles in which items may still sit in a review stage (re-reviews after 公示 too).
ACTIVE = ("open", "closed", "published")
# The next level above each stage's reviewers; any other stage goes to the org_admins.
NEXT_LEVEL = {"supervisor_review": SECRETARY}


def overdue(now, extra=0):
    """(assessment, working days waited, allowed) for items past their stage's SLA + extra."""
    cycles = db.session.scalars(select(Cycle).where(Cycle.status.in_(ACTIVE))
                                .order_by(Cycle.id)).all()
    for cycle in cycles:
        stages = get_workflow(cycle.workflow_key, cycle.workflow_version).stage_actor
        for state in stages:
            allowed = review_sla(cycle, state) + extra
            yield from _waiting(cycle, state, allowed, now)


# Loaded a chunk at a time: a clean object nobody holds leaves the session's (weak)
# identity map, so a city's tens of thousands of late items never sit in memory at once.
CHUNK = 1000


def _waiting(cycle, state, allowed, now):
    # N working days are at least N calendar days: a cheap filter before the calendar.
    ids = db.session.scalars(select(Assessment.id).where(
        Assessment.cycle_id == cycle.id, Assessment.state == state,
        Assessment.state_since <= now - timedelta(days=allowed))
        .order_by(Assessment.id)).all()
    for start in range(0, len(ids), CHUNK):
        rows = db.session.scalars(select(Assessment).where(
            Assessment.id.in_(ids[start:start + CHUNK])).order_by(Assessment.id)).all()
        for a in rows:
            days = working_days_between(as_utc(a.state_since), now)
            if days > allowed:
                yield a, days, allowed


def remind_overdue_reviews(now):
    """Remind reviewers on each working day of items waiting past the stage SLA."""
    today = today_local(now)
    if not is_workday(today):
        return 0
    return sum(_remind(a, days, today) for a, days, _ in overdue(now))


def _remind(assessment, days, today):
    params = {"cadre": assessment.cadre.display_name, "cycle": assessment.cycle.name,
              "days": days}
    # The version is in the key: a new stage restarts the count, a new day is a new reminder.
    key = f"a{assessment.id}:v{assessment.version}:overdue:{today.isoformat()}"
    added = []
    for reviewer in stage_people(assessment, assessment.state):
        added += queue(reviewer, "review_overdue", params, key=key,
                       link=f"/assessments/{assessment.id}")
    return int(bool(added))


def escalate_overdue_reviews(now):
    """Tell the next level about items past the SLA by `ESCALATE_AFTER_WORKING_DAYS` more."""
    if not is_workday(today_local(now)):
        return 0
    return sum(_escalate(a, days, allowed, now) for a, days, allowed in overdue(
        now, escalate_after()))


def escalation_targets(assessment):
    """The unit's secretary above a supervisor; the org_admins above every other stage."""
    role = NEXT_LEVEL.get(assessment.state, ORG_ADMIN)
    people = [u for u in holders_of(role, assessment.org_unit) if u.id != assessment.cadre_id]
    if not people and role != ORG_ADMIN:
        people = holders_of(ORG_ADMIN, assessment.org_unit)
    return people


def _escalate(assessment, days, allowed, now):
    params = {"cadre": assessment.cadre.display_name, "cycle": assessment.cycle.name,
              "days": days, "stage": state_label(assessment.state),
              "sla": allowed - escalate_after()}
    key = f"a{assessment.id}:v{assessment.version}:escalated"
    added = []
    for person in escalation_targets(assessment):
        added += queue(person, "review_escalated", params, key=key,
                       link=f"/assessments/{assessment.id}")
    if added:
        record("cycle", assessment.cycle_id, "escalate", at=now, data={
            "assessment_id": assessment.id, "state": assessment.state, "days": days,
            "to": sorted({n.user.id for n in added})})
    return int(bool(added))

"""When an item in a state is due, and whether it is overdue.

A review stage is due its SLA in working days (Chinese calendar, 调休 included)
after the item arrived: `Cycle.stage_sla_days.get(state, 3)`. Drafting is due at
the cycle's submit deadline. The due moment is stored on the assessment when it
enters a state, so queues filter and sort by it in SQL.
"""

from sqlalchemy import and_, case, or_

from workflow_app.assessments.models import Assessment
from workflow_app.clock import as_utc
from workflow_app.cycles.models import Cycle
from workflow_app.workcalendar import add_working_days
from workflows import get_workflow

DEFAULT_SLA_DAYS = 3
# States where somebody must act although they are not a review stage.
OBJECTION_STATES = ("disputed", "appealed")


def sla_days(cycle, state):
    value = (cycle.stage_sla_days or {}).get(state, DEFAULT_SLA_DAYS)
    return value if isinstance(value, int) and value >= 0 else DEFAULT_SLA_DAYS


def due_for(cycle, state, entered_at):
    """The due moment of an item entering `state` at `entered_at` (None: nothing due)."""
    if state == "drafting":
        return as_utc(cycle.submit_deadline)
    wf = get_workflow(cycle.workflow_key, cycle.workflow_version)
    if state in wf.stage_actor or state in OBJECTION_STATES:
        return add_working_days(as_utc(entered_at), sla_days(cycle, state))
    return None


def due_of(assessment):
    """The due moment of an assessment as it stands (older rows may lack due_at)."""
    if assessment.due_at is not None:
        return as_utc(assessment.due_at)
    return due_for(assessment.cycle, assessment.state, assessment.state_since)


def open_first(assessments):
    """A cadre's assessments as they should read them: the ones still to fill in first,
    earliest deadline first (two open quarters: the nearer one leads); then the rest in
    the order given."""
    drafting = sorted((a for a in assessments if a.state == "drafting"),
                      key=lambda a: (due_of(a), a.id))
    return drafting + [a for a in assessments if a.state != "drafting"]


def is_overdue(assessment, now):
    due = due_of(assessment)
    return due is not None and as_utc(now) >= due


def due_column():
    """SQL: the due moment (needs Cycle joined), drafting falling back to the deadline."""
    return case((and_(Assessment.state == "drafting", Assessment.due_at.is_(None)),
                 Cycle.submit_deadline), else_=Assessment.due_at)


def overdue_clause(now):
    return or_(and_(Assessment.due_at.is_not(None), Assessment.due_at <= now),
               and_(Assessment.due_at.is_(None), Assessment.state == "drafting",
                    Cycle.submit_deadline <= now))

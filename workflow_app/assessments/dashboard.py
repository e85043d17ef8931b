"""What each role's dashboard shows: the cadre's status and deadlines, the reviewer's
counts, the organisation department's progress per unit and who is late."""

from sqlalchemy import func, or_, select

from workflow_app.assessments import queue
from workflow_app.assessments.deadlines import (
    due_column,
    due_of,
    is_overdue,
    open_first,
    overdue_clause,
)
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.queries import WORK_EVENTS
from workflow_app.clock import as_utc
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.progress import display_status, state_counts
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.scope import scope_paths
from workflows import get_workflow

ACTIVE_CYCLES = ("open", "closed", "published")
RECENT_CYCLES = 5
LATE_LIMIT = 50


def cadre_items(user, now):
    """My assessments in running cycles: the ones to fill in first, earliest deadline
    first; each with its due moment and its cycle's status as the cadre should read it."""
    rows = db.session.scalars(
        select(Assessment).join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Assessment.cadre_id == user.id, Cycle.status.in_(ACTIVE_CYCLES))
        .order_by(Cycle.opens_at.desc()).limit(RECENT_CYCLES)).all()
    return [{"a": a, "due": due_of(a), "overdue": is_overdue(a, now),
             "cycle_status": display_status(a.cycle, state_counts(a.cycle), now)}
            for a in open_first(rows)]


def reviewer_counts(user, now):
    everything = queue.QueueFilter()
    counts = queue.state_counts(user, everything, now)
    return {"counts": counts, "total": sum(counts.values()),
            "overdue": queue.overdue_count(user, everything, now) if counts else 0}


def _in_scope(user):
    paths = scope_paths(user, ORG_ADMIN)
    return or_(*[OrgUnit.path.like(p + "%") for p in paths]) if paths else None


def admin_progress(user, now):
    """Per recent cycle in my scope: counts per unit and state, and the late items."""
    scope = _in_scope(user)
    if scope is None:
        return None
    cycles = db.session.scalars(
        select(Cycle).where(Cycle.status.in_(ACTIVE_CYCLES), Cycle.id.in_(
            select(Assessment.cycle_id).join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
            .where(scope))).order_by(Cycle.opens_at.desc()).limit(RECENT_CYCLES)).all()
    return [{"cycle": c, "units": _unit_counts(c, scope),
             "cycle_status": display_status(c, state_counts(c), now),
             "states": get_workflow(c.workflow_key, c.workflow_version).states,
             "late": _late(c, scope, now)} for c in cycles]


def _unit_counts(cycle, scope):
    rows = db.session.execute(
        select(OrgUnit.id, OrgUnit.name, Assessment.state, func.count())
        .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
        .where(Assessment.cycle_id == cycle.id, scope)
        .group_by(OrgUnit.id, OrgUnit.name, Assessment.state).order_by(OrgUnit.name))
    units = {}
    for unit_id, name, state, n in rows:
        entry = units.setdefault(unit_id, {"name": name, "counts": {}, "total": 0})
        entry["counts"][state] = n
        entry["total"] += n
    return list(units.values())


def _work_states(cycle):
    wf = get_workflow(cycle.workflow_key, cycle.workflow_version)
    return sorted({t.source for t in wf.transitions if t.event in WORK_EVENTS})


def _late(cycle, scope, now):
    query = (select(Assessment).join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
             .join(Cycle, Cycle.id == Assessment.cycle_id)
             .where(Assessment.cycle_id == cycle.id, scope,
                    Assessment.state.in_(_work_states(cycle)), overdue_clause(as_utc(now)))
             .order_by(due_column(), Assessment.id).limit(LATE_LIMIT))
    wf = get_workflow(cycle.workflow_key, cycle.workflow_version)
    return [{"a": a, "due": due_of(a), "waiting_on": _waiting_on(wf, a.state)}
            for a in db.session.scalars(query)]


def _waiting_on(wf, state):
    if state == "drafting":
        return "cadre"
    return wf.stage_actor.get(state, "org_admin")

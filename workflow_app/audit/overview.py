"""The auditor's home: what they oversee, counted over the units of their grants."""

from sqlalchemy import func, select

from workflow_app.assessments.models import Assessment, Objection
from workflow_app.audit.queries import READER_ROLES, cycles_in_scope, units_under
from workflow_app.audit.verification import latest_run
from workflow_app.extensions import db
from workflow_app.people.models import User
from workflow_app.people.scope import scope_paths
from workflow_app.scoring.models import NegativeItem

RECENT_CYCLES = 8


def overview(user):
    units = units_under(scope_paths(user, *READER_ROLES))
    cycles = cycles_in_scope(user)[:RECENT_CYCLES]
    run = latest_run(user)
    runner = db.session.get(User, run.actor_id) if run and run.actor_id else None
    return {"cycles": cycles, "counts": _state_counts([c.id for c in cycles], units),
            "objections": _open_objections(units), "negative_items": _negative_items(units),
            "latest_run": run, "latest_run_actor": runner.display_name if runner else ""}


def _state_counts(cycle_ids, units):
    """{cycle id: {state: n}} of the assessments in scope (one query)."""
    counts = {i: {} for i in cycle_ids}
    if not cycle_ids:
        return counts
    rows = db.session.execute(
        select(Assessment.cycle_id, Assessment.state, func.count())
        .where(Assessment.cycle_id.in_(cycle_ids), Assessment.org_unit_id.in_(units))
        .group_by(Assessment.cycle_id, Assessment.state))
    for cycle_id, state, n in rows:
        counts[cycle_id][state] = n
    return counts


def _open_objections(units):
    """{kind: n} of objections (dispute) and appeals still open."""
    rows = db.session.execute(
        select(Objection.kind, func.count())
        .join(Assessment, Assessment.id == Objection.assessment_id)
        .where(Objection.status == "open", Assessment.org_unit_id.in_(units))
        .group_by(Objection.kind))
    return dict(rows.all())


def _negative_items(units):
    return db.session.scalar(
        select(func.count()).select_from(NegativeItem)
        .join(Assessment, Assessment.id == NegativeItem.assessment_id)
        .where(Assessment.org_unit_id.in_(units)))

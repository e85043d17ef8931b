"""Cycles: create, open (one assessment per cadre in scope), grade, publish, finalize."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow_app.assessments.models import Assessment
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.indicators import copy_sheets_into_cycle
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.opening import insert_assessments, queue_opened
from workflow_app.cycles.validation import NEW_STATUSES, overlapping_cycle, validate_cycle
from workflow_app.errors import Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, RoleGrant, User
from workflow_app.people.roles import CADRE
from workflow_app.people.scope import administers


def can_manage_cycle(user, cycle):
    return bool(cycle.org_units) and all(administers(user, u) for u in cycle.org_units)


def get_managed_cycle(cycle_id, user):
    """The cycle, for an admin of every unit in it: 404 when unknown, 403 otherwise."""
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    if not can_manage_cycle(user, cycle):
        raise NotAllowed()
    return cycle


def create_cycle(actor, data, units, now=None):
    """Validate and create a cycle in `scheduled` (or `draft` when data asks for it),
    pinned to the newest version of its workflow."""
    values = _checked(actor, data, units, now)
    status = data.get("status", "scheduled")
    if status not in NEW_STATUSES:
        raise Invalid(fields={"status": "unknown"})
    cycle = Cycle(**values, org_units=list(units), created_by_id=actor.id, status=status)
    db.session.add(cycle)
    db.session.flush()
    record("cycle", cycle.id, "create", actor=actor, data={"name": cycle.name, "status": status})
    return cycle


def update_cycle(actor, cycle, data, units, now=None):
    """Change a cycle's settings while it is still a draft or scheduled (not yet open)."""
    if not can_manage_cycle(actor, cycle):
        raise NotAllowed()
    if cycle.status not in NEW_STATUSES:
        raise WrongState()
    values = _checked(actor, data, units, now, exclude_id=cycle.id)
    for name, value in values.items():
        setattr(cycle, name, value)
    cycle.org_units = list(units)
    record("cycle", cycle.id, "update", actor=actor, data={"name": cycle.name})
    return cycle


def _checked(actor, data, units, now, exclude_id=None):
    errors = {}
    values = validate_cycle(data, units, errors, as_utc(now) if now else utcnow())
    if errors:
        raise Invalid(fields=errors)
    if not all(administers(actor, u) for u in units):
        raise NotAllowed()
    other = overlapping_cycle(values, units, exclude_id)
    if other is not None:
        raise Invalid(_overlap(other), fields={"org_unit_ids": "overlap"}, code="overlap")
    return values


def _overlap(other):
    return _l("“%(name)s” already covers some of these units (or a unit above or below "
              "them) for the same period.", name=other.name)


def cadres_in_scope(cycle):
    """(user id, unit id) of every active cadre in the cycle's units' subtrees."""
    prefixes = [u.path for u in cycle.org_units]
    unit_match = db.or_(*[OrgUnit.path.like(p + "%") for p in prefixes])
    query = (select(User.id, User.org_unit_id)
             .join(OrgUnit, OrgUnit.id == User.org_unit_id)
             .where(User.active, unit_match,
                    User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == CADRE))))
    return db.session.execute(query).all()


def open_cycle(cycle, actor, now=None):
    """Create the missing assessments in the initial state; opening twice adds nothing."""
    now = as_utc(now) if now else utcnow()
    if actor is not None and not can_manage_cycle(actor, cycle):
        raise NotAllowed()
    if cycle.status not in ("draft", "scheduled", "open"):
        raise WrongState()
    existing = set(db.session.scalars(select(Assessment.cadre_id)
                                      .where(Assessment.cycle_id == cycle.id)))
    todo = [r for r in cadres_in_scope(cycle) if r.id not in existing]
    created = insert_assessments(cycle, todo, actor, now) if todo else []
    if cycle.status != "open":
        cycle.status = "open"
        copy_sheets_into_cycle(cycle)  # frozen: later edits of a sheet never reach this cycle
        record("cycle", cycle.id, "open", actor=actor, at=now,
               data={"assessments": len(created)})
    if created:
        queue_opened(cycle)
    return created

"""Cycles: create, open (one assessment per cadre in scope), grade, publish, finalize."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import lazyload

from workflow_app.assessments.models import Assessment, SelfReport
from workflow_app.audit.models import AuditEntry
from workflow_app.audit.services import GENESIS, head_mac, make_entry, record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.indicators import copy_sheets_into_cycle
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.validation import NEW_STATUSES, overlapping_cycle, validate_cycle
from workflow_app.errors import Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.notifications.services import queue_many
from workflow_app.people.models import OrgUnit, RoleGrant, User
from workflow_app.people.roles import CADRE
from workflow_app.people.scope import administers
from workflow_app.workcalendar import LOCAL_TZ
from workflows import get_workflow


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
    created = _insert_assessments(cycle, todo, actor, now) if todo else []
    if cycle.status != "open":
        cycle.status = "open"
        copy_sheets_into_cycle(cycle)  # frozen: later edits of a sheet never reach this cycle
        record("cycle", cycle.id, "open", actor=actor, at=now,
               data={"assessments": len(created)})
    _queue_opened(cycle, created)
    return created


def _insert_assessments(cycle, rows, actor, now):
    initial = get_workflow(cycle.workflow_key, cycle.workflow_version).initial
    ids = db.session.execute(
        insert(Assessment).returning(Assessment.id, Assessment.cadre_id),
        [{"cycle_id": cycle.id, "cadre_id": r.id, "org_unit_id": r.org_unit_id,
          "state": initial, "version": 1, "flags": [], "state_since": now, "created_at": now,
          "audit_head": ""} for r in rows]).all()
    db.session.execute(insert(SelfReport), [
        {"assessment_id": i.id, "revision": 1, "content": {}, "updated_at": now} for i in ids])
    entries = [make_entry("assessment", i.id, 1, GENESIS, actor=actor, at=now, action="open",
                          to_state=initial, actor_role="org_admin" if actor else "system")
               for i in ids]
    db.session.execute(insert(AuditEntry), [_entry_row(e) for e in entries])
    _set_audit_heads([(e.subject_id, e.hash) for e in entries])
    return [i.id for i in ids]


def _set_audit_heads(pairs):
    """The chain heads of the new assessments (last MAC and head MAC, on the row): on
    PostgreSQL one UPDATE … FROM unnest (an executemany of 50,000 UPDATEs is 50,000
    statements), elsewhere executemany."""
    rows = [(i, h, head_mac("assessment", i, 1, h)) for i, h in pairs]
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(update(Assessment), [
            {"id": i, "audit_head": h, "audit_head_mac": m} for i, h, m in rows])
        return
    db.session.execute(text(
        "UPDATE assessment SET audit_head = v.h, audit_head_mac = v.m "
        "FROM unnest(CAST(:ids AS integer[]), CAST(:heads AS varchar[]), "
        "CAST(:macs AS varchar[])) AS v(id, h, m) WHERE assessment.id = v.id"),
        {"ids": [r[0] for r in rows], "heads": [r[1] for r in rows],
         "macs": [r[2] for r in rows]})


def _entry_row(entry):
    columns = AuditEntry.__table__.columns.keys()
    return {c: getattr(entry, c) for c in columns if c != "id"}


def _queue_opened(cycle, assessment_ids):
    if not assessment_ids:
        return
    deadline = as_utc(cycle.submit_deadline).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    params = {"cycle": cycle.name, "deadline": deadline}
    # Every cadre of the cycle in one query (the dedup key skips those already told),
    # queued in bulk: 50,000 notices are a few multi-row INSERTs, not 50,000 round trips.
    cadres = db.session.scalars(select(User).join(Assessment, Assessment.cadre_id == User.id)
                                .where(Assessment.cycle_id == cycle.id)
                                .options(lazyload(User.grants)))
    queue_many([(c, "cycle_opened", params, f"c{cycle.id}:opened", "/my", None)
                for c in cadres], load=False)

"""Opening, recording and closing follow-ups, and their rectification measures (整改).

Who: an org_admin whose subtree holds the subject (the person's unit, or the unit)
writes; that admin, an auditor over it, the person followed up and a measure's owner
read. Every write is audited on the follow-up's own chain ("follow_up", id); a follow-up
opened by the system (actor None, e.g. grading's joint-liability rule) is audited as
the system, as the scheduler's cycle opening is. Services never commit.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from workflow_app import limits
from workflow_app.audit.services import record
from workflow_app.clock import utcnow
from workflow_app.errors import Invalid, NotAllowed, NotFound, StaleVersion, WrongState
from workflow_app.extensions import db
from workflow_app.followups.models import KINDS, REASONS, FollowUp, RectificationMeasure
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import AUDITOR, ORG_ADMIN
from workflow_app.people.scope import administers, reads_all_of, scope_paths
from workflow_app.validation import optional_text, require_text

FIELD_MESSAGES.setdefault("not_a_date", _l("Please enter a date (YYYY-MM-DD)."))
FIELD_MESSAGES.update({
    "outside_scope": _l("This person is outside the units you administer."),
})
NOT_HELD = _l("Record the date the meeting or talk was held before closing.")
OPEN_MEASURES = _l("Every rectification measure must be done before the follow-up is closed.")


# --- permissions ---------------------------------------------------------------------------

def can_write(user, follow_up):
    return user is not None and administers(user, follow_up.subject_unit)


def can_read(user, follow_up):
    if user is None:
        return False
    return (reads_all_of(user, follow_up.subject_unit) or follow_up.user_id == user.id
            or any(m.owner_id == user.id for m in follow_up.measures))


def get_follow_up(follow_up_id, user):
    """The follow-up if `user` may read it: 404 unknown, 403 outside scope."""
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound()
    if not can_read(user, follow_up):
        raise NotAllowed()
    return follow_up


def _require_write(actor, follow_up):
    if not can_write(actor, follow_up):
        raise NotAllowed()


def _audit(follow_up, action, actor, **fields):
    role = ORG_ADMIN if actor is not None else "system"
    record("follow_up", follow_up.id, action, actor=actor, actor_role=role, **fields)


# --- values --------------------------------------------------------------------------------

def parse_day(name, value):
    """A date, an ISO date text, or None for nothing given; Invalid otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(fields={name: "not_a_date"}) from None


def _subject(subject):
    """(user_id, org_unit_id, unit) of a User or an OrgUnit."""
    if isinstance(subject, User):
        return subject.id, None, subject.org_unit
    if isinstance(subject, OrgUnit):
        return None, subject.id, subject
    raise Invalid(fields={"subject": "required"})


def _existing(cycle, user_id, unit_id, kind, reason):
    column, value = ((FollowUp.user_id, user_id) if user_id else
                     (FollowUp.org_unit_id, unit_id))
    return db.session.scalar(select(FollowUp).where(
        FollowUp.cycle_id == cycle.id, column == value, FollowUp.kind == kind,
        FollowUp.reason == reason))


# --- follow-ups ----------------------------------------------------------------------------

def open_follow_up(cycle, subject, actor, kind, *, reason, held_on=None, note="",
                   data=None, problems=""):
    """Open a follow-up of `subject` (a User or an OrgUnit) in `cycle`, or return the one
    already open for the same (cycle, subject, kind, reason): (follow_up, created).

    `actor` None: opened by the system (grading's joint-liability rule), no scope check.
    `reason`: "bottom_ranked", "joint_liability" or "other" (then `note` is required);
    `data`: what it rests on, e.g. {"rank": 5, "of": 5, "category": "社区"}."""
    user_id, unit_id, unit = _subject(subject)
    if actor is not None and not administers(actor, unit):
        raise NotAllowed()
    if kind not in KINDS:
        raise Invalid(fields={"kind": "unknown"})
    if reason not in REASONS:
        raise Invalid(fields={"reason": "unknown"})
    found = _existing(cycle, user_id, unit_id, kind, reason)
    if found is not None:
        return found, False
    follow_up = FollowUp(
        cycle_id=cycle.id, user_id=user_id, org_unit_id=unit_id, kind=kind, reason=reason,
        reason_data=dict(data or {}), held_on=parse_day("held_on", held_on),
        reason_note=(require_text if reason == "other" else optional_text)(
            "reason_note", note, limits.REASON),
        problems=optional_text("problems", problems, limits.REPORT_TEXT),
        opened_by_id=actor.id if actor is not None else None)
    return _insert(follow_up, cycle, actor, (user_id, unit_id, kind, reason))


def _insert(follow_up, cycle, actor, key):
    """Add under a savepoint: a concurrent opening of the same thing wins, and this one
    returns it instead of failing the caller's transaction."""
    try:
        with db.session.begin_nested():
            db.session.add(follow_up)
            db.session.flush()
    except IntegrityError:
        found = _existing(cycle, *key)
        if found is None:
            raise
        return found, False
    _audit(follow_up, "open", actor, data={
        "cycle_id": cycle.id, "user_id": follow_up.user_id,
        "org_unit_id": follow_up.org_unit_id, "kind": follow_up.kind,
        "reason": follow_up.reason, "reason_data": follow_up.reason_data})
    return follow_up, True


def _check_version(follow_up, version):
    if version is not None and version != follow_up.version:
        raise StaleVersion()


def _require_open(follow_up):
    if follow_up.status != "open":
        raise WrongState(code="follow_up_closed")


def update_follow_up(follow_up, actor, *, version=None, **changes):
    """Record the meeting or talk: `held_on`, `problems` (查摆的问题), `outcome`."""
    _require_write(actor, follow_up)
    _check_version(follow_up, version)
    _require_open(follow_up)
    if "held_on" in changes:
        follow_up.held_on = parse_day("held_on", changes["held_on"])
    for name in ("problems", "outcome"):
        if name in changes:
            setattr(follow_up, name, optional_text(name, changes[name], limits.REPORT_TEXT))
    follow_up.version += 1
    _audit(follow_up, "update", actor, data={
        k: str(v) if isinstance(v, date) else v for k, v in changes.items()})
    return follow_up


def close_follow_up(follow_up, actor, *, outcome=None, version=None, now=None):
    """Close (销号) once it was held and every measure is done; the outcome is required."""
    _require_write(actor, follow_up)
    _check_version(follow_up, version)
    _require_open(follow_up)
    outcome = require_text("outcome", follow_up.outcome if outcome is None else outcome,
                           limits.REPORT_TEXT)
    if follow_up.held_on is None:
        raise WrongState(NOT_HELD, code="not_held")
    if any(m.status != "done" for m in follow_up.measures):
        raise WrongState(OPEN_MEASURES, code="open_measures")
    follow_up.outcome, follow_up.status = outcome, "closed"
    follow_up.closed_at, follow_up.closed_by_id = now or utcnow(), actor.id
    follow_up.version += 1
    _audit(follow_up, "close", actor, comment=outcome)
    return follow_up


# --- measures ------------------------------------------------------------------------------

def add_measure(follow_up, actor, *, text, owner, due_on):
    """A rectification measure (整改措施) with its owner (责任人) and due date."""
    _require_write(actor, follow_up)
    _require_open(follow_up)
    text = require_text("text", text, limits.NOTE)
    if owner is None:
        raise Invalid(fields={"owner_id": "required"})
    if not administers(actor, owner.org_unit):
        raise Invalid(fields={"owner_id": "outside_scope"})
    due = parse_day("due_on", due_on)
    if due is None:
        raise Invalid(fields={"due_on": "required"})
    measure = RectificationMeasure(text=text, owner_id=owner.id, due_on=due)
    measure.owner = owner
    follow_up.measures.append(measure)
    follow_up.version += 1
    db.session.flush()
    _audit(follow_up, "add_measure", actor, data={
        "measure_id": measure.id, "owner_id": owner.id, "due_on": due.isoformat(),
        "text": text})
    return measure


def get_measure(follow_up, measure_id):
    measure = next((m for m in follow_up.measures if m.id == measure_id), None)
    if measure is None:
        raise NotFound()
    return measure


def complete_measure(measure, actor, *, note="", now=None):
    """Mark a measure done (整改完成), with what was done."""
    follow_up = measure.follow_up
    _require_write(actor, follow_up)
    _require_open(follow_up)
    if measure.status == "done":
        raise WrongState(code="measure_done")
    measure.note = optional_text("note", note, limits.NOTE)
    measure.status, measure.done_at, measure.done_by_id = "done", now or utcnow(), actor.id
    follow_up.version += 1
    _audit(follow_up, "complete_measure", actor, comment=measure.note,
           data={"measure_id": measure.id})
    return measure


# --- lists ---------------------------------------------------------------------------------

def follow_ups_in_scope(user, cycle_id=None, limit=500):
    """Follow-ups of the units `user` administers or audits, newest first."""
    paths = scope_paths(user, ORG_ADMIN, AUDITOR)
    if not paths:
        return []
    person_unit = select(User.org_unit_id).where(User.id == FollowUp.user_id) \
        .scalar_subquery()
    units = select(OrgUnit.id).where(or_(*[OrgUnit.path.like(p + "%") for p in paths]))
    query = select(FollowUp).where(or_(FollowUp.org_unit_id.in_(units),
                                       person_unit.in_(units)))
    if cycle_id is not None:
        query = query.where(FollowUp.cycle_id == cycle_id)
    return db.session.scalars(query.order_by(FollowUp.id.desc()).limit(limit)).all()


def follow_ups_for_person(user_id):
    """[follow-up as JSON] about the person, oldest first: for the cadre's record (实绩档案).

    No permission check: the record page decides who reads the record."""
    rows = db.session.scalars(select(FollowUp).where(FollowUp.user_id == user_id)
                              .order_by(FollowUp.created_at, FollowUp.id)).all()
    return [follow_up_json(f) for f in rows]


def _day(value):
    return value.isoformat() if value else None


def _moment(value):
    return value.isoformat() if value else None


def measure_json(m):
    return {"id": m.id, "text": m.text, "owner_id": m.owner_id,
            "owner_name": m.owner.display_name, "due_on": _day(m.due_on), "status": m.status,
            "done_at": _moment(m.done_at), "note": m.note}


def follow_up_json(f):
    return {"id": f.id, "cycle_id": f.cycle_id, "cycle_name": f.cycle.name,
            "user_id": f.user_id, "org_unit_id": f.org_unit_id,
            "subject_name": f.subject_name, "kind": f.kind, "reason": f.reason,
            "reason_data": dict(f.reason_data or {}), "reason_note": f.reason_note,
            "held_on": _day(f.held_on), "problems": f.problems, "outcome": f.outcome,
            "status": f.status, "version": f.version, "closed_at": _moment(f.closed_at),
            "created_at": _moment(f.created_at),
            "measures": [measure_json(m) for m in f.measures]}

"""Substitutes (代理): a reviewer on leave names who acts for them over a period.

While a substitution runs, what the absent reviewer must act on is sent to the
substitute (notifications.services routes it), and the permission code may let
the substitute act in the absent person's relations: `represented_by(user, now)`
lists whom `user` currently stands in for, so the audit can name them
(AuditEntry.on_behalf_of_id).

Who may set one up: a reviewer (supervisor, committee member, secretary) for
themselves, naming someone in their own part of the tree (the subtree of their unit's
parent), or an org_admin over both people's units.

Who may stand in (the picker lists only them, and an id posted from elsewhere is
refused the same way): an active person within that reach who holds a reviewer role
themselves, and is not conflicted, that is has no assessment of their own in a cycle
not yet filed in which the absent person reviews anything (which covers being
assessed by the absent person): standing in there would let them read and judge
their peers' reports in the round they are judged in.
"""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from workflow_app import transaction_cache
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.validation import parse_datetime
from workflow_app.errors import Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.people.models import OrgUnit, RoleGrant, Substitution, User
from workflow_app.people.roles import COMMITTEE, SECRETARY, SUPERVISOR
from workflow_app.people.scope import administers

REVIEWER_ROLES = (SUPERVISOR, COMMITTEE, SECRETARY)
# Cycles whose assessments can still be reviewed or re-reviewed ("archived" is filed).
LIVE_CYCLES = ("scheduled", "open", "closed", "published")

FIELD_MESSAGES.update({
    "same_person": _l("Nobody can stand in for themselves."),
    "overlap_period": _l("There is already a substitute for part of this period."),
    "substitute_absent": _l("This person is away themselves during this period."),
    "out_of_reach": _l("Choose someone in your own unit or a neighbouring one."),
    "inactive": _l("This account is disabled."),
    "not_a_reviewer": _l("Only a supervisor, committee member or secretary can stand in."),
    "conflicted": _l("This person is assessed in a cycle in which the absent reviewer "
                     "reviews, so they cannot stand in for them."),
})


def substitutes_of(user, now):
    """Who stands in for `user` at `now` (empty when they are not away)."""
    return [s.substitute for s in active_substitutions(now)
            if s.absent_user_id == user.id and s.substitute.active]


SUBSTITUTIONS_KEY = transaction_cache.register("active_substitutions", Substitution)


def active_substitutions(now):
    """The substitutions in force at `now`, in id order: one query per transaction and
    minute, shared by permission checks (whom a reviewer stands in for) and notices
    (whose review work goes to a substitute). The minute's rows are cached and filtered
    to the exact moment, so a substitution starting mid-minute is not missed."""
    now = as_utc(now)
    minute = now.replace(second=0, microsecond=0)
    found = transaction_cache.cache(db.session, SUBSTITUTIONS_KEY)
    if minute not in found:
        found[minute] = db.session.scalars(select(Substitution).where(
            Substitution.starts_at < minute + timedelta(minutes=1),
            Substitution.ends_at > minute).order_by(Substitution.id)).all()
    return [s for s in found[minute] if as_utc(s.starts_at) <= now < as_utc(s.ends_at)]


def load_acting_user(user_id):
    """The user of a request (session or token) with their role grants and the
    substitutions they serve in that have not ended: every permission check of the
    request reads these, so they come with the user in one statement instead of one
    query per check."""
    current = User.standing_in.and_(Substitution.ends_at > utcnow())
    # One round trip for all three (LEFT JOINs): this runs on every request.
    return db.session.get(User, user_id, options=[joinedload(User.grants),
                                                   joinedload(current)])


def represented_by(user, now):
    """The users `user` currently stands in for (their substitute, at `now`)."""
    held = user.__dict__.get("standing_in")
    if held is not None:  # loaded with the user (load_acting_user)
        return [s.absent_user for s in held
                if as_utc(s.starts_at) <= now < as_utc(s.ends_at)]
    return [s.absent_user for s in active_substitutions(now) if s.substitute_id == user.id]


def reach_unit(user):
    """Where a self-appointed substitute may come from: the subtree of the unit's parent."""
    return user.org_unit.parent or user.org_unit


def is_reviewer(user):
    return any(user.has_role(role) for role in REVIEWER_ROLES)


def can_appoint(actor, absent, substitute=None):
    """A reviewer for themselves, or an org_admin over both people."""
    if actor is None:
        return False
    people = [absent] + ([substitute] if substitute is not None else [])
    if all(administers(actor, p.org_unit) for p in people):
        return True
    return actor.id == absent.id and is_reviewer(absent) and (
        substitute is None or reach_unit(absent).contains(substitute.org_unit))


def conflicted_ids(absent):
    """Ids of everyone with an assessment in a live cycle in which `absent` reviews."""
    from workflow_app.assessments.models import Assessment
    from workflow_app.assessments.queries import base_query, relation_clause
    from workflow_app.cycles.models import Cycle

    reviews = or_(*[relation_clause(absent, r) for r in REVIEWER_ROLES])
    reviewed = base_query().where(reviews).with_only_columns(Assessment.cycle_id)
    return set(db.session.scalars(
        select(Assessment.cadre_id).join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Cycle.status.in_(LIVE_CYCLES), Assessment.cycle_id.in_(reviewed))))


def ineligible(absent, substitute):
    """The field code saying why `substitute` may not stand in for `absent`, or None."""
    if not is_reviewer(substitute):
        return "not_a_reviewer"
    if substitute.id in conflicted_ids(absent):
        return "conflicted"
    return None


def candidates(actor, absent):
    """Who `actor` may name as `absent`'s substitute (the picker): in reach, active,
    holding a reviewer role, not conflicted."""
    unit = reach_unit(absent) if actor.id == absent.id else None
    query = (select(User).join(OrgUnit, OrgUnit.id == User.org_unit_id)
             .where(User.active, User.id != absent.id,
                    User.id.in_(select(RoleGrant.user_id)
                                .where(RoleGrant.role.in_(REVIEWER_ROLES)))))
    if unit is not None:
        query = query.where(OrgUnit.path.like(unit.path + "%"))
    users = db.session.scalars(query.order_by(OrgUnit.path, User.username).limit(2000)).all()
    conflicted = conflicted_ids(absent)
    return [u for u in users if u.id not in conflicted and can_appoint(actor, absent, u)]


def appoint(actor, absent, substitute, starts_at, ends_at, reason="", now=None):
    """Record that `substitute` acts for `absent` from `starts_at` until `ends_at`."""
    now = as_utc(now) if now else utcnow()
    if not can_appoint(actor, absent):
        raise NotAllowed()
    starts_at, ends_at = _check(absent, substitute, starts_at, ends_at, now)
    if not can_appoint(actor, absent, substitute):
        raise NotAllowed()
    if problem := ineligible(absent, substitute):
        raise Invalid(fields={"substitute": problem})
    sub = Substitution(absent_user=absent, substitute=substitute, starts_at=starts_at,
                       ends_at=ends_at, reason=(reason or "").strip()[:200],
                       created_by_id=actor.id, created_at=now)
    db.session.add(sub)
    db.session.flush()
    record("user", absent.id, "substitute", actor=actor, at=now, data={
        "substitution_id": sub.id, "substitute_id": substitute.id,
        "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
        "reason": sub.reason})
    return sub


def _check(absent, substitute, starts_raw, ends_raw, now):
    """(starts_at, ends_at) as aware UTC, or Invalid naming each bad field."""
    errors = {}
    starts_at = parse_datetime(starts_raw, "starts_at", errors)
    ends_at = parse_datetime(ends_raw, "ends_at", errors)
    if substitute is None:
        errors["substitute"] = "required"
    elif substitute.id == absent.id:
        errors["substitute"] = "same_person"
    elif not substitute.active:
        errors["substitute"] = "inactive"
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = "before_opening"
    elif ends_at and ends_at <= now:
        errors["ends_at"] = "in_past"
    if errors or not (starts_at and ends_at):
        raise Invalid(fields=errors)
    if _overlapping(absent.id, "absent", starts_at, ends_at):
        errors["starts_at"] = "overlap_period"
    if _overlapping(substitute.id, "absent", starts_at, ends_at):
        errors["substitute"] = "substitute_absent"
    if errors:
        raise Invalid(fields=errors)
    return starts_at, ends_at


def _overlapping(user_id, as_what, starts_at, ends_at):
    column = Substitution.absent_user_id if as_what == "absent" else Substitution.substitute_id
    return db.session.scalar(select(Substitution.id).where(
        column == user_id, Substitution.starts_at < ends_at,
        Substitution.ends_at > starts_at).limit(1))


def end(actor, substitution_id, now=None):
    """End a substitution now (or drop it if it has not started yet)."""
    now = as_utc(now) if now else utcnow()
    sub = db.session.get(Substitution, substitution_id)
    if sub is None:
        raise NotFound()
    if not can_appoint(actor, sub.absent_user) and actor.id != sub.substitute_id:
        raise NotAllowed()
    if as_utc(sub.ends_at) <= now:
        raise WrongState()
    record("user", sub.absent_user_id, "substitute_end", actor=actor, at=now,
           data={"substitution_id": sub.id})
    if as_utc(sub.starts_at) >= now:
        db.session.delete(sub)
    else:
        sub.ends_at = now
    return sub


def listing(user, admin_scope_paths=()):
    """Substitutions where `user` is away or stands in, plus those under the admin paths."""
    mine = or_(Substitution.absent_user_id == user.id, Substitution.substitute_id == user.id)
    if admin_scope_paths:
        absent_unit = select(User.id).join(OrgUnit, OrgUnit.id == User.org_unit_id).where(
            or_(*[OrgUnit.path.like(p + "%") for p in admin_scope_paths]))
        mine = or_(mine, Substitution.absent_user_id.in_(absent_unit))
    return db.session.scalars(select(Substitution).where(mine)
                              .order_by(Substitution.starts_at.desc()).limit(200)).all()

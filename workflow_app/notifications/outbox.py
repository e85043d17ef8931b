"""The outbox seen by administrators: what is pending, sent or dead, and re-sending.

A dead letter is a message the dispatcher gave up on after MAX_ATTEMPTS failed
attempts. An org_admin over the recipient's unit may queue it again: the same row
goes back to `pending` with its attempts reset, so it can never go out twice.
"""

from sqlalchemy import and_, func, or_, select

from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.notifications.messages import PRIVATE_KINDS
from workflow_app.notifications.models import CHANNELS, STATUSES, Notification
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.scope import administers, scope_paths

PAGE_SIZE = 50


def can_see_outbox(user):
    return bool(scope_paths(user, ORG_ADMIN))


def _in_scope(user):
    """The recipients under `user`'s units, private kinds (messages.PRIVATE_KINDS) left out."""
    paths = scope_paths(user, ORG_ADMIN)
    if not paths:
        raise NotAllowed()
    return and_(or_(*[OrgUnit.path.like(p + "%") for p in paths]),
                Notification.kind.not_in(PRIVATE_KINDS))


def outbox(user, status="dead", channel=None, page=1):
    """(rows of the page, has next page) of the outbox for users under `user`'s units."""
    query = (select(Notification).join(User, User.id == Notification.user_id)
             .join(OrgUnit, OrgUnit.id == User.org_unit_id).where(_in_scope(user)))
    if status in STATUSES:
        query = query.where(Notification.status == status)
    if channel in CHANNELS:
        query = query.where(Notification.channel == channel)
    rows = db.session.scalars(query.order_by(Notification.id.desc())
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def status_counts(user):
    rows = db.session.execute(
        select(Notification.status, func.count(Notification.id))
        .join(User, User.id == Notification.user_id)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(_in_scope(user)).group_by(Notification.status))
    return dict(rows.all())


def resend(actor, note_id, now=None):
    """Queue a dead letter again (same row: attempts reset, due now)."""
    note = db.session.get(Notification, note_id)
    if note is None or note.kind in PRIVATE_KINDS:
        raise NotFound()
    if not administers(actor, note.user.org_unit):
        raise NotAllowed()
    if note.status != "dead":
        raise WrongState()
    now = as_utc(now) if now else utcnow()
    record("notification", note.id, "resend", actor=actor, at=now,
           data={"attempts": note.attempts, "last_error": note.last_error[:500]})
    note.status, note.attempts, note.next_attempt_at = "pending", 0, now
    return note


def resend_all_dead(actor, now=None, limit=1000):
    """Queue again every dead letter in the actor's scope (at most `limit` at once)."""
    ids = db.session.scalars(
        select(Notification.id).join(User, User.id == Notification.user_id)
        .join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(_in_scope(actor), Notification.status == "dead")
        .order_by(Notification.id).limit(limit)).all()
    return [resend(actor, i, now) for i in ids]

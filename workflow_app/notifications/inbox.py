"""The in-app messages of one user: list, unread count, mark read.

An in-app notification is its outbox row (channel `in_app`): it is shown from the
moment it is queued, whatever the dispatcher has done with it yet.
"""

from sqlalchemy import func, select, update

from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import NotFound
from workflow_app.extensions import db
from workflow_app.notifications.digest import DIGESTED
from workflow_app.notifications.models import Notification

PAGE_SIZE = 30


def _mine(user):
    # Parts of a digest are shown through their digest, never one by one.
    return (Notification.user_id == user.id, Notification.channel == "in_app",
            Notification.status.notin_(("skipped", "merged")),
            Notification.kind.notin_(DIGESTED))


def inbox(user, page=1, unread_only=False):
    """(notifications of the page, whether there is a next page), newest first."""
    query = select(Notification).where(*_mine(user))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = db.session.scalars(query.order_by(Notification.id.desc())
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def unread_count(user):
    return db.session.scalar(select(func.count(Notification.id)).where(
        *_mine(user), Notification.read_at.is_(None)))


def own_note(user, note_id):
    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != user.id or note.channel != "in_app":
        raise NotFound()  # someone else's message: as if it did not exist
    return note


def mark_read(user, note_id, now=None):
    note = own_note(user, note_id)
    if note.read_at is None:
        note.read_at = as_utc(now) if now else utcnow()
    return note


def mark_all_read(user, now=None):
    result = db.session.execute(update(Notification).where(
        *_mine(user), Notification.read_at.is_(None)).values(
        read_at=as_utc(now) if now else utcnow()).execution_options(synchronize_session=False))
    return result.rowcount

"""Caches that live as long as one transaction (in `Session.info`).

A batch, a fan-out or a reminder job asks the same question for many items (who holds
a role over this unit, who stands in for whom); each answer is read once per
transaction and shared by permission checks and notices. A cache is forgotten when the
transaction ends and as soon as an object it depends on is flushed, so nothing written
in the same transaction is missed.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

_DEPENDS_ON = {}


def register(key, *models):
    """Declare the cache `key`, which depends on rows of `models`."""
    _DEPENDS_ON[key] = models
    return key


def cache(session, key):
    return session.info.setdefault(key, {})


def forget(session, key):
    session.info.pop(key, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session):
    for key in _DEPENDS_ON:
        session.info.pop(key, None)


@event.listens_for(Session, "before_flush")
def _rows_changed(session, context, instances):
    changed = (*session.new, *session.dirty, *session.deleted)
    for key, models in _DEPENDS_ON.items():
        if models and any(isinstance(o, models) for o in changed):
            session.info.pop(key, None)

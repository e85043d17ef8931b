"""Queueing notifications into the outbox (never sending: the dispatcher does that).

Who gets a message and on which channels:
- in-app always (it cannot be turned off);
- email when the user has an address, SMS for deadline reminders when they have a
  phone number; each user may turn email or SMS off (or SMS on) per kind, except
  for the MANDATORY kinds, which always go out on their default channels;
- what a reviewer must act on goes to their substitute while they are away
  (people.substitutes), marked as standing in for them.
"""

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from workflow_app.clock import utcnow
from workflow_app.extensions import db
from workflow_app.notifications.messages import KINDS
from workflow_app.notifications.models import Notification, NotificationPreference

# Deadline and result notices people must not miss: email/SMS cannot be turned off.
MANDATORY = frozenset({"submit_due_today", "sent_back", "published", "review_escalated"})
OPTIONAL_CHANNELS = ("email", "sms")
# Kinds that ask the recipient to act on a review: they follow a substitution.
ROUTED = frozenset({"review_waiting", "review_overdue", "review_escalated", "objection_raised"})
STANDING_IN = _l("[for %(name)s] ")


def channels_for(user, mandatory=True):
    """In-app always; email when the user has an address. SMS is for reminders."""
    out = ["in_app"]
    if user.email:
        out.append("email")
    return out


def render(kind, user, params):
    subject, body = KINDS[kind]
    with force_locale(_locale(user)):
        return str(subject) % params, str(body) % params


def _locale(user):
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def queue(user, kind, params, *, key, link="", channels=None):
    """Queue one notification per channel; `key` makes a repeat a no-op.

    The dedup key is unique in the database, so two transactions queueing the same
    reminder cannot both succeed; within one transaction we check first.
    """
    params = {k: str(v) for k, v in params.items()}
    added = []
    for recipient, absent in _recipients(user, kind):
        wanted = channels if channels is not None and absent is None else None
        added += _queue_for(recipient, kind, params, key, link,
                            wanted or channels_for(recipient), absent)
    return added


def _recipients(user, kind):
    """[(recipient, absent user or None)]: the substitutes of an absent reviewer."""
    if kind in ROUTED:
        from workflow_app.people.substitutes import substitutes_of

        standing_in = substitutes_of(user, utcnow())
        if standing_in:
            return [(s, user) for s in standing_in]
    return [(user, None)]


def _queue_for(user, kind, params, key, link, channels, absent):
    subject, body = render(kind, user, params)
    if absent is not None:
        with force_locale(_locale(user)):
            subject = str(STANDING_IN % {"name": absent.display_name}) + subject
    added = []
    for channel in effective_channels(user, kind, channels):
        dedup = f"{key}:{user.id}:{channel}"
        if _pending_keys().get(dedup) or _exists(dedup):
            continue
        note = Notification(user=user, channel=channel, kind=kind, dedup_key=dedup,
                            subject=subject[:200], body=body, link=link)
        db.session.add(note)
        _pending_keys()[dedup] = True
        added.append(note)
    return added


def effective_channels(user, kind, channels):
    """`channels` after the user's choices: optional channels on or off per kind."""
    choices = preferences(user)
    out = [c for c in channels if c == "in_app" or kind in MANDATORY
           or choices.get((kind, c), True)]
    for channel in OPTIONAL_CHANNELS:
        if choices.get((kind, channel)) and channel not in out and _address(user, channel):
            out.append(channel)
    return out


def _address(user, channel):
    return user.email if channel == "email" else user.phone


def preferences(user):
    """{(kind, channel): enabled} the user has chosen, cached for the transaction."""
    cache = db.session.info.setdefault("notification_prefs", {})
    if user.id not in cache:
        rows = db.session.execute(select(
            NotificationPreference.kind, NotificationPreference.channel,
            NotificationPreference.enabled).where(NotificationPreference.user_id == user.id))
        cache[user.id] = {(k, c): e for k, c, e in rows}
    return cache[user.id]


def _pending_keys():
    return db.session.info.setdefault("queued_dedup_keys", {})


def _exists(dedup):
    return db.session.scalar(select(Notification.id).where(Notification.dedup_key == dedup))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_preferences(session):
    session.info.pop("notification_prefs", None)

"""Each user's channel choices per kind of message (opt-out and, for SMS, opt-in).

In-app messages cannot be turned off; MANDATORY kinds keep their default channels.
Only choices that differ from the default are stored, so a changed default (a new
phone number, say) applies to everyone who has not said otherwise.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from workflow_app.audit.services import record
from workflow_app.errors import NotAllowed
from workflow_app.extensions import db
from workflow_app.notifications.messages import KINDS
from workflow_app.notifications.models import NotificationPreference
from workflow_app.notifications.services import MANDATORY, address_of, optional_channels

# SMS goes out by default only for deadline reminders (scheduler.jobs.reminder_channels).
SMS_BY_DEFAULT = frozenset({"submit_reminder", "submit_due_today"})
KIND_LABELS = {
    "cycle_opened": _l("An assessment cycle opens"),
    "submit_reminder": _l("Reminders before my report is due"),
    "submit_due_today": _l("My report is due today"),
    "sent_back": _l("My report was sent back"),
    "approved": _l("My report was approved"),
    "published": _l("My result is published"),
    "objection_resolved": _l("Decision on my objection or appeal"),
    "finalized": _l("My result is filed"),
    "review_waiting": _l("Reports waiting for my review (one message an hour at most)"),
    "review_overdue": _l("Daily reminder of overdue reviews"),
    "review_escalated": _l("Overdue items escalated to me"),
    "objection_raised": _l("An objection or appeal was raised"),
    "rating_assigned": _l("I am asked to rate a colleague (360)"),
}


def default_enabled(user, kind, channel):
    """Email and work apps (DingTalk, WeCom) when the user has an address there."""
    if channel == "sms":
        return bool(user.phone) and kind in SMS_BY_DEFAULT
    return bool(address_of(user, channel))


def can_change_preferences(actor, user):
    return actor is not None and actor.id == user.id


def preference_rows(user):
    """[{kind, label, mandatory, channels: {channel: (enabled, available)}}] for the page."""
    chosen = _stored(user)
    rows = []
    order = [k for k in KIND_LABELS if k in KINDS] + sorted(set(KINDS) - set(KIND_LABELS))
    for kind in order:
        channels = {c: (chosen.get((kind, c), default_enabled(user, kind, c)),
                        bool(address_of(user, c)))
                    for c in optional_channels()}
        rows.append({"kind": kind, "label": KIND_LABELS.get(kind, kind),
                     "mandatory": kind in MANDATORY, "channels": channels})
    return rows


def _stored(user):
    rows = db.session.execute(select(
        NotificationPreference.kind, NotificationPreference.channel,
        NotificationPreference.enabled).where(NotificationPreference.user_id == user.id))
    return {(k, c): e for k, c, e in rows}


def save_preferences(actor, user, wanted):
    """Store `wanted` ({(kind, channel): bool}); mandatory kinds and unknown keys are ignored."""
    if not can_change_preferences(actor, user):
        raise NotAllowed()
    db.session.execute(delete(NotificationPreference).where(
        NotificationPreference.user_id == user.id))
    changed = {}
    for kind in KINDS:
        for channel in optional_channels():
            on = bool(wanted.get((kind, channel)))
            if kind not in MANDATORY and on != default_enabled(user, kind, channel):
                db.session.add(NotificationPreference(user_id=user.id, kind=kind,
                                                      channel=channel, enabled=on))
                changed[f"{kind}.{channel}"] = on
    db.session.info.pop("notification_prefs", None)
    record("user", user.id, "notification_preferences", actor=actor, data=changed)
    return changed

"""Reminding the owners of rectification measures (整改措施) and telling the organisation
department about overdue ones: the scheduler's `remind_rectification` job.

- Due soon: an open measure whose due date is at most FOLLOW_UP_REMINDER_WORKING_DAYS
  working days away (default 3, today and the due day counted when working days) is
  reminded to its owner once (`reminded_at`).
  In-app, e-mail and the work apps, as the user chose (no SMS by default).
- Overdue: an open measure past its due day is told once (`overdue_told_at`) to the
  org_admin who opened the follow-up or, for one the system opened or whose opener no
  longer administers the unit, to the org_admins over the subject's unit.

What was sent is recorded on the measure, and the outbox's dedup key covers a run that
queued but did not commit: re-runs, a restart or a second scheduler send nothing twice.
Measures of a closed follow-up are done by then (closing requires it).
"""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from workflow_app.extensions import db
from workflow_app.followups.models import FollowUp, RectificationMeasure
from workflow_app.notifications.messages import KINDS
from workflow_app.notifications.preferences import KIND_LABELS
from workflow_app.notifications.services import queue_many
from workflow_app.people.models import User
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.scope import administers
from workflow_app.people.services import holders_of
from workflow_app.scheduler.policy import setting
from workflow_app.workcalendar import is_workday, today_local

DUE_SOON, OVERDUE = "rectification_due", "rectification_overdue"
# The body doubles as the SMS text: short.
KINDS[DUE_SOON] = (
    _l("Rectification due %(day)s: %(subject)s"),
    _l("Rectification measure due %(day)s (%(subject)s, %(cycle)s): %(text)s"),
)
KINDS[OVERDUE] = (
    _l("Rectification overdue: %(subject)s"),
    _l("A rectification measure of %(subject)s (%(cycle)s) was due %(day)s and is not done. "
       "Owner: %(owner)s. %(text)s"),
)
KIND_LABELS.update({
    DUE_SOON: _l("A rectification measure I own is due soon"),
    OVERDUE: _l("A rectification measure is overdue"),
})


def working_days_until(due_on, today):
    """Working days from today through the due day, both counted when working days."""
    return sum(1 for n in range((due_on - today).days + 1)
               if is_workday(today + timedelta(days=n)))


def _open_measures(until):
    return db.session.scalars(
        select(RectificationMeasure).join(FollowUp)
        .where(RectificationMeasure.status == "open", FollowUp.status == "open",
               RectificationMeasure.due_on <= until,
               or_(RectificationMeasure.reminded_at.is_(None),
                   RectificationMeasure.overdue_told_at.is_(None)))
        .order_by(RectificationMeasure.due_on, RectificationMeasure.id)).all()


def remind_rectification(now):
    """Queue the due-soon and overdue notices now due; the number of measures told."""
    days = int(setting("FOLLOW_UP_REMINDER_WORKING_DAYS"))
    today = today_local(now)
    # N working days are at most N + 2 weeks of calendar days (long holidays).
    told = 0
    for measure in _open_measures(today + timedelta(days=days + 14)):
        if measure.due_on < today:
            told += _tell_overdue(measure, now)
        elif working_days_until(measure.due_on, today) <= days:
            told += _remind_owner(measure, now)
    return told


def _params(measure):
    f = measure.follow_up
    return {"subject": f.subject_name, "cycle": f.cycle.name, "text": measure.text[:40],
            "day": measure.due_on.strftime("%m-%d"), "owner": measure.owner.display_name}


def _remind_owner(measure, now):
    if measure.reminded_at is not None:
        return 0
    owner = measure.owner
    queue_many([(owner, DUE_SOON, _params(measure), f"m{measure.id}:{DUE_SOON}",
                 f"/follow-ups/{measure.follow_up_id}", None)], load=False)
    measure.reminded_at = now
    return 1


def _tell_overdue(measure, now):
    if measure.overdue_told_at is not None:
        return 0
    params = _params(measure)
    queue_many([(admin, OVERDUE, params, f"m{measure.id}:{OVERDUE}",
                 f"/follow-ups/{measure.follow_up_id}", None)
                for admin in overdue_recipients(measure.follow_up)], load=False)
    measure.overdue_told_at = now
    measure.reminded_at = measure.reminded_at or now  # too late for the due-soon one
    return 1


def overdue_recipients(follow_up):
    unit = follow_up.subject_unit
    opener = db.session.get(User, follow_up.opened_by_id) if follow_up.opened_by_id else None
    if opener is not None and opener.active and administers(opener, unit):
        return [opener]
    return [u for u in holders_of(ORG_ADMIN, unit) if u.active]

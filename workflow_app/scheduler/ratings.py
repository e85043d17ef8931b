"""Reminding raters before their rating round closes (issue 11, item 15).

Each rater who has not rated yet is reminded once per round, when the round is open
and at most RATING_REMINDER_WORKING_DAYS working days are left (counting today when it
is a working day, and the last day). The dedup key is the round's, so re-runs, a
second scheduler and a moved closing date send nothing twice. SMS goes out like the
other deadline reminders, and waits for the morning in quiet hours (the dispatcher).

Who has not rated is known here and nowhere else: the reminder goes to the rater alone,
and the staff's outbox view leaves these messages out (notifications.outbox), so the
list of reminded raters never tells staff who has rated.
"""

from datetime import timedelta

from sqlalchemy import select

from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import PUBLIC_STATES
from workflow_app.extensions import db
from workflow_app.notifications.services import queue_many
from workflow_app.people.models import User
from workflow_app.scheduler.policy import setting
from workflow_app.scoring import ratings_notices
from workflow_app.scoring.ratings_deadline import last_day
from workflow_app.scoring.ratings_models import RaterAssignment, Rating, RatingDeadline
from workflow_app.scoring.ratings_rounds import closed_ids
from workflow_app.workcalendar import is_workday, today_local, working_days_between

KIND = ratings_notices.REMINDER


def working_days_left(closes_at, now):
    """Working days on which one can still rate: today (if one) through the last day."""
    today = today_local(now)
    end = last_day(closes_at)
    if end < today:
        return 0
    return working_days_between(now, closes_at - timedelta(microseconds=1)) + int(
        is_workday(today))


def due_rounds(now):
    """(assessment id, closes_at) of open rounds whose reminder is due now."""
    days = int(setting("RATING_REMINDER_WORKING_DAYS"))
    # N working days are at most N + 2 weeks of calendar days (long holidays): a cheap
    # filter before the calendar.
    rows = db.session.execute(
        select(RatingDeadline.assessment_id, RatingDeadline.closes_at)
        .join(Assessment, Assessment.id == RatingDeadline.assessment_id)
        .where(RatingDeadline.closes_at > now,
               RatingDeadline.closes_at <= now + timedelta(days=days + 14),
               Assessment.state.not_in(PUBLIC_STATES))
        .order_by(RatingDeadline.closes_at, RatingDeadline.assessment_id)).all()
    closed = closed_ids([aid for aid, _at in rows])
    return [(aid, at) for aid, at in rows
            if aid not in closed and working_days_left(at, now) <= days]


def remind_rating_deadline(now):
    """Remind each rater still to rate, once per round; the number of rounds reminded."""
    return sum(_remind_round(aid, at) for aid, at in due_rounds(now))


def _remind_round(assessment_id, closes_at):
    from workflow_app.scheduler.jobs import reminder_channels  # jobs imports this module

    assessment = db.session.get(Assessment, assessment_id)
    raters = db.session.scalars(
        select(User).join(RaterAssignment, RaterAssignment.rater_id == User.id)
        .outerjoin(Rating, Rating.assignment_id == RaterAssignment.id)
        .where(RaterAssignment.assessment_id == assessment_id, Rating.id.is_(None),
               User.active).order_by(RaterAssignment.id)).all()
    params = {"cadre": assessment.cadre.display_name, "cycle": assessment.cycle.name,
              "day": last_day(closes_at).strftime("%m-%d")}
    added = queue_many([(rater, KIND, params, f"r{assessment_id}:{KIND}",
                         f"/ratings/{assessment_id}", reminder_channels(rater))
                        for rater in raters], load=False)
    return int(bool(added))

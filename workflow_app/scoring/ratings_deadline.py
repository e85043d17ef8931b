"""The closing date of a 360-degree rating round (issue 11, item 15).

The org_admin names the last day of rating; the round closes at the local midnight
after it. From then on it counts as closed exactly like a round closed by hand
(ratings_rounds.closed_ids): no rating is accepted, and the summary may be released.
Raters see the day on their task list; those who have not rated are reminded a few
working days before (scheduler/ratings.py).
"""

from datetime import UTC, date, datetime, time, timedelta

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow_app.audit.present import KEY_LABELS, OTHER_ACTIONS
from workflow_app.clock import as_utc
from workflow_app.errors import Invalid
from workflow_app.extensions import db
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.people.calendar import parse_day
from workflow_app.scoring.ratings_models import RatingDeadline
from workflow_app.workcalendar import LOCAL_TZ

FIELD_MESSAGES.update({"day_passed": _l("This day has already passed: choose today or a "
                                        "later day.")})
OTHER_ACTIONS.update({"deadline": _l("Closing date set")})
KEY_LABELS.update({"closes_on": _l("Last day of rating")})


def deadlines_of(assessment_ids):
    """{assessment_id: closes_at} for the rounds among `assessment_ids` that have one."""
    if not assessment_ids:
        return {}
    rows = db.session.execute(select(RatingDeadline.assessment_id, RatingDeadline.closes_at)
                              .where(RatingDeadline.assessment_id.in_(assessment_ids)))
    return {aid: as_utc(at) for aid, at in rows}


def deadline_of(assessment):
    return deadlines_of([assessment.id]).get(assessment.id)


def passed_ids(assessment_ids, now):
    """The ids among `assessment_ids` whose closing date has come."""
    return {aid for aid, at in deadlines_of(list(assessment_ids)).items() if at <= now}


def last_day(closes_at):
    """The last local day of rating: the day before the midnight the round closes at."""
    return (as_utc(closes_at).astimezone(LOCAL_TZ) - timedelta(microseconds=1)).date()


def closing_at(value, now):
    """The UTC moment a round whose last day is `value` (a date or YYYY-MM-DD) closes.

    None for an empty value (no closing date); Invalid for anything else unusable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    errors = {}
    day = value if isinstance(value, date) else parse_day(value, errors, "closes_on")
    if errors:
        raise Invalid(fields=errors)
    closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ).astimezone(UTC)
    if closes <= now:
        raise Invalid(fields={"closes_on": "day_passed"})
    return closes


def day_label(closes_at):
    """The last day as people say it: 12月7日 (Dec 7)."""
    return format_skeleton("MMMd", last_day(closes_at), locale=get_locale() or "zh_CN")


def closed_message(closes_at):
    """Why a rating is refused once the closing date has come, naming the day."""
    return _l("Rating closed at the end of %(day)s: ratings are no longer accepted.",
              day=day_label(closes_at))

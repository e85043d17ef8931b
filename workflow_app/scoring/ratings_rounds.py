"""The rating round of an assessment: open, then closed once; aggregates only when closed.

Anyone who reads a mean after each new rating recovers each rater's score (the mean of
3, then of 4: the difference is the 4th rater's). So while a round is open nothing
derived from the scores exists outside the database: no score, no group mean, no
"who has rated". Staff (org_admin, auditor) see only how many have rated per group,
and only for a group (or pool of small groups) of at least the minimum number of
raters — "1 of 1 rated" next to a named list would say who.

A round closes when the org_admin closes it (audited), when its closing date comes
(ratings_deadline) or when the result is published, for good: a result re-reviewed
after an objection does not reopen it, and a closing date is set only while open.
The summary is *released* when the round is closed and at least the minimum number
of ratings were given; groups below the minimum are folded (ratings_rules) and never
shown alone. Grading, results and exports read only released rounds
(`rating_360_scores`).
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflow_app.assessments.models import Assessment, Objection
from workflow_app.assessments.permissions import (
    PUBLIC_STATES,
    STAFF_READERS,
    reads_aggregates,
    relations,
)
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import Conflict, NotAllowed
from workflow_app.extensions import db
from workflow_app.scoring.ratings_deadline import (
    closed_message,
    closing_at,
    deadline_of,
    last_day,
    passed_ids,
)
from workflow_app.scoring.ratings_models import (
    DIMENSIONS,
    RaterAssignment,
    Rating,
    RatingDeadline,
    RatingRound,
)
from workflow_app.scoring.ratings_rules import Rating360, rater_mean, rating_360, rating_settings

NOT_RELEASED = "rating_360_not_released"
ALREADY_CLOSED = _l("This rating round is already closed.")
CLOSED = _l("The rating round for this assessment is closed.")


# --- permissions ---------------------------------------------------------------------------

def can_close_round(user, assessment):
    return "org_admin" in relations(user, assessment)


def can_view_rating_progress(user, assessment):
    return bool(relations(user, assessment) & STAFF_READERS)


def can_view_rating_summary(user, assessment):
    return reads_aggregates(user, assessment)


# --- open / closed -------------------------------------------------------------------------

def ever_published_ids(assessment_ids):
    """Ids published now or before. A result sent back for review by an upheld objection
    has left the public states, but its aggregates were released at publication: its
    round (and survey) must not reopen, or the next release would differ by the new
    answers. Only a published result can be objected to, so an objection row says so."""
    if not assessment_ids:
        return set()
    published = db.session.scalars(select(Assessment.id).where(
        Assessment.id.in_(assessment_ids), Assessment.state.in_(PUBLIC_STATES)))
    objected = db.session.scalars(select(Objection.assessment_id).where(
        Objection.assessment_id.in_(assessment_ids)))
    return set(published) | set(objected)


def closed_ids(assessment_ids):
    """The ids among `assessment_ids` whose round is closed: explicitly, by its closing
    date or by publication."""
    if not assessment_ids:
        return set()
    explicit = db.session.scalars(select(RatingRound.assessment_id).where(
        RatingRound.assessment_id.in_(assessment_ids)))
    return (set(explicit) | passed_ids(assessment_ids, utcnow())
            | ever_published_ids(assessment_ids))


def round_closed(assessment):
    return assessment.state in PUBLIC_STATES or bool(closed_ids([assessment.id]))


def open_for_rating(assessment):
    return not round_closed(assessment)


def closed_reason(assessment):
    """Why no rating is accepted any more (naming the closing day when that is why), or
    None while the round is open."""
    if open_for_rating(assessment):
        return None
    closes = deadline_of(assessment)
    if closes is not None and closes <= utcnow():
        return closed_message(closes)
    return CLOSED


def close_round(assessment, actor, now=None):
    """End the round: no more ratings or rater changes; the summary may be released."""
    if not can_close_round(actor, assessment):
        raise NotAllowed()
    if round_closed(assessment):
        raise Conflict(ALREADY_CLOSED, code="round_closed")
    at = as_utc(now) if now else utcnow()
    db.session.add(RatingRound(assessment_id=assessment.id, closed_at=at,
                               closed_by_id=actor.id))
    db.session.flush()
    record("raters", assessment.id, "close", actor=actor, at=at)


def set_round_deadline(assessment, actor, day, now=None):
    """Set the last day of rating (a date or YYYY-MM-DD; empty: no closing date).

    Only while the round is open: moving the date of a closed round would reopen it."""
    if not can_close_round(actor, assessment):
        raise NotAllowed()
    if round_closed(assessment):
        raise Conflict(ALREADY_CLOSED, code="round_closed")
    at = as_utc(now) if now else utcnow()
    closes = closing_at(day, at)
    _store_deadline(assessment, actor, closes, at)
    record("raters", assessment.id, "deadline", actor=actor, at=at,
           data={"closes_on": last_day(closes).isoformat() if closes else None})
    return deadline_of(assessment)


def _store_deadline(assessment, actor, closes, at):
    row = db.session.scalar(select(RatingDeadline).where(
        RatingDeadline.assessment_id == assessment.id))
    if closes is None and row is not None:
        db.session.delete(row)
    elif closes is not None:
        if row is None:
            row = RatingDeadline(assessment_id=assessment.id)
            db.session.add(row)
        row.closes_at, row.set_at, row.set_by_id = closes, at, actor.id
    try:
        db.session.flush()
    except IntegrityError:  # another admin set it at the same moment
        raise Conflict(code="already_handled") from None


# --- while open: how many, per group of at least the minimum --------------------------------

def rating_progress(assessment, user):
    """[{"groups": [...], "raters": assigned, "rated": n or None}] for staff.

    Groups with fewer raters *assigned* than the minimum are pooled into one row; the
    pool's count is withheld (None) when the pool is still below the minimum.
    """
    if not can_view_rating_progress(user, assessment):
        raise NotAllowed()
    weights, minimum = rating_settings(assessment.cycle.grading)
    rows = db.session.execute(
        select(RaterAssignment.rater_group, func.count(RaterAssignment.id), func.count(Rating.id))
        .outerjoin(Rating, Rating.assignment_id == RaterAssignment.id)
        .where(RaterAssignment.assessment_id == assessment.id)
        .group_by(RaterAssignment.rater_group)).all()
    counts = {g: (n, rated) for g, n, rated in rows}
    order = [g for g in weights if g in counts] + sorted(g for g in counts if g not in weights)
    out = [{"groups": [g], "raters": counts[g][0], "rated": counts[g][1]}
           for g in order if counts[g][0] >= minimum]
    small = [g for g in order if counts[g][0] < minimum]
    if small:
        assigned = sum(counts[g][0] for g in small)
        rated = sum(counts[g][1] for g in small) if assigned >= minimum else None
        out.append({"groups": small, "raters": assigned, "rated": rated})
    return out


# --- once closed: the released summary -----------------------------------------------------

def rating_summary(assessment, user):
    """The folded summary once released; otherwise an empty one flagged not released."""
    if not can_view_rating_summary(user, assessment):
        raise NotAllowed()
    return rating_360_scores([assessment.id], assessment.cycle.grading)[assessment.id]


def rating_360_scores(assessment_ids, grading):
    """{assessment_id: Rating360}: a score only for closed rounds with enough ratings."""
    weights, minimum = rating_settings(grading)
    closed = closed_ids(assessment_ids)
    means = {aid: {} for aid in assessment_ids if aid in closed}
    if means:
        rows = db.session.execute(
            select(RaterAssignment.assessment_id, RaterAssignment.rater_group,
                   *[getattr(Rating, d) for d in DIMENSIONS])
            .join(Rating, Rating.assignment_id == RaterAssignment.id)
            .where(RaterAssignment.assessment_id.in_(list(means))))
        for aid, group, *scores in rows:
            means[aid].setdefault(group, []).append(rater_mean(scores))
    out = {aid: Rating360(None, flags=[NOT_RELEASED]) for aid in assessment_ids}
    out.update({aid: _released(rating_360(groups, weights, minimum))
                for aid, groups in means.items()})
    return out


def _released(result):
    """Below the minimum in total nothing is shown, not even how many rated."""
    if result.score is None:
        return Rating360(None, flags=[NOT_RELEASED, *result.flags])
    return result


def summary_body(assessment, user):
    """The API's and the page's view: the released summary, the state, staff progress."""
    summary = rating_summary(assessment, user)
    body = summary.public()
    body["raters"] = summary.count if summary.score is not None else None
    _weights, minimum = rating_settings(assessment.cycle.grading)
    closes = deadline_of(assessment)
    body.update({"open": open_for_rating(assessment), "released": summary.score is not None,
                 "minimum": minimum, "closes_at": closes.isoformat() if closes else None})
    if can_view_rating_progress(user, assessment):
        body["progress"] = rating_progress(assessment, user) if body["open"] else None
    return body

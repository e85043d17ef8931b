"""360-degree ratings: assigning raters, rating once, and the folded group summary.

Who sees what:
- a rater sees only their own assignments and their own ratings;
- the org_admin over the unit assigns raters; nobody sees *who* has rated: while the
  round is open staff see only how many have rated per group (ratings_rounds);
- once the round is closed the org_admin and the auditor see the summary: group
  means only for buckets of at least the minimum number of raters (ratings_rules);
  the cadre sees that same summary once the result is published, never a rating.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import relations
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import Conflict, Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.people.models import User
from workflow_app.people.roles import CADRE, SECRETARY
from workflow_app.people.services import holders_of
from workflow_app.scoring.ratings_deadline import deadlines_of
from workflow_app.scoring.ratings_models import DIMENSIONS, RATER_GROUPS, RaterAssignment, Rating
from workflow_app.scoring.ratings_notices import notify_assigned
from workflow_app.scoring.ratings_rounds import (  # noqa: F401 (re-exported for callers)
    CLOSED,
    can_view_rating_summary,
    closed_ids,
    closed_reason,
    open_for_rating,
    rating_360_scores,
    rating_summary,
)
from workflow_app.scoring.ratings_rules import rating_settings
from workflow_app.validation import parse_score

ALREADY_RATED = _l("You have already rated this person. A rating is given only once.")
# Refusing to remove only the raters who rated would tell who has rated: once anyone has,
# the list may only grow.
LIST_FIXED = _l("Rating has started: raters can still be added, but nobody can be removed "
                "or moved to another group.")
NO_SELF = _l("Nobody rates themselves.")


# --- permissions ---------------------------------------------------------------------------

def can_manage_raters(user, assessment):
    return "org_admin" in relations(user, assessment)


# --- assigning raters ----------------------------------------------------------------------

def suggest_raters(assessment):
    """[(user, group)] from the org tree, each person once, only groups the cycle weighs.

    superiors: the cadre's supervisor and the secretaries over the unit; peers: the
    other cadres of the unit; subordinates: whoever has the cadre as supervisor.
    """
    weights, _minimum = rating_settings(assessment.cycle.grading)
    cadre, found = assessment.cadre, {}
    candidates = [(cadre.supervisor, "superior")]
    candidates += [(u, "superior") for u in holders_of(SECRETARY, assessment.org_unit)]
    candidates += [(u, "peer") for u in _unit_cadres(assessment.org_unit_id)]
    candidates += [(u, "subordinate") for u in _reports_to(cadre.id)]
    for user, group in candidates:
        if user is not None and user.active and user.id != cadre.id and group in weights:
            found.setdefault(user.id, (user, group))
    return list(found.values())


def _unit_cadres(unit_id):
    users = db.session.scalars(select(User).where(User.org_unit_id == unit_id, User.active)
                               .order_by(User.display_name, User.id)).all()
    return [u for u in users if u.has_role(CADRE)]


def _reports_to(cadre_id):
    return db.session.scalars(select(User).where(User.supervisor_id == cadre_id, User.active)
                              .order_by(User.display_name, User.id)).all()


def assignments(assessment):
    rows = db.session.scalars(
        select(RaterAssignment).options(selectinload(RaterAssignment.rating))
        .where(RaterAssignment.assessment_id == assessment.id)).all()
    return sorted(rows, key=lambda r: (RATER_GROUPS.index(r.rater_group),
                                       r.rater.display_name, r.rater_id))


def assign_raters(assessment, actor, entries, now=None):
    """Make the rater list exactly `entries` [(user, group)]; raters who rated stay put."""
    _check_manage(assessment, actor)
    wanted = _checked_entries(assessment, entries)
    current = {a.rater_id: a for a in assignments(assessment)}
    dropped = [a for rater_id, a in current.items()
               if rater_id not in wanted or wanted[rater_id][1] != a.rater_group]
    if dropped and any(a.rating is not None for a in current.values()):
        raise Conflict(LIST_FIXED, code="rating_started")
    for a in dropped:
        db.session.delete(a)
    db.session.flush()
    for rater_id, (user, group) in wanted.items():
        if rater_id not in current or current[rater_id].rater_group != group:
            _add(assessment, actor, user, group)
    notify_assigned(assessment, [u for rater_id, (u, _g) in wanted.items()
                                 if rater_id not in current])
    try:
        db.session.flush()
    except IntegrityError:  # another admin changed the list at the same moment
        raise Conflict(code="already_handled") from None
    record("raters", assessment.id, "assign", actor=actor, at=as_utc(now) if now else None,
           data={"raters": {str(k): g for k, (_u, g) in sorted(wanted.items())}})
    return assignments(assessment)


def add_rater(assessment, actor, user, group, now=None):
    entries = [(a.rater, a.rater_group) for a in assignments(assessment)
               if a.rater_id != getattr(user, "id", None)]
    return assign_raters(assessment, actor, [*entries, (user, group)], now)


def remove_rater(assessment, actor, rater_id, now=None):
    entries = [(a.rater, a.rater_group) for a in assignments(assessment)
               if a.rater_id != rater_id]
    return assign_raters(assessment, actor, entries, now)


def _check_manage(assessment, actor):
    if not can_manage_raters(actor, assessment):
        raise NotAllowed()
    if not open_for_rating(assessment):
        raise WrongState(CLOSED, code="ratings_closed")


def _checked_entries(assessment, entries):
    weights, _minimum = rating_settings(assessment.cycle.grading)
    wanted = {}
    for user, group in entries:
        if user is None or not user.active:
            raise Invalid(fields={"rater": "not_found"})
        if user.id == assessment.cadre_id:
            raise Invalid(NO_SELF, fields={"rater": "not_accepted"}, code="self_rating")
        if group not in weights:
            raise Invalid(fields={"group": "not_accepted"})
        wanted[user.id] = (user, group)
    return wanted


def _add(assessment, actor, user, group):
    db.session.add(RaterAssignment(assessment_id=assessment.id, cadre_id=assessment.cadre_id,
                                   rater_id=user.id, rater_group=group,
                                   assigned_by_id=actor.id))


# --- rating --------------------------------------------------------------------------------

def my_assignments(user):
    """The caller's own rating tasks, newest cycle first."""
    rows = db.session.scalars(
        select(RaterAssignment).options(selectinload(RaterAssignment.rating))
        .join(Assessment, Assessment.id == RaterAssignment.assessment_id)
        .where(RaterAssignment.rater_id == user.id)
        .order_by(Assessment.cycle_id.desc(), RaterAssignment.id)).all()
    return rows


@dataclass(frozen=True)
class RatingTask:
    """One line of a rater's task list: the assignment, when the round closes, and
    whether it still takes ratings."""

    assignment: RaterAssignment
    closes_at: datetime | None
    open: bool

    @property
    def to_do(self):
        return self.open and self.assignment.rating is None


LATEST = datetime.max.replace(tzinfo=UTC)


def my_tasks(user):
    """The caller's tasks: those still to rate first, the earliest closing date first."""
    rows = my_assignments(user)
    ids = [r.assessment_id for r in rows]
    closes, closed = deadlines_of(ids), closed_ids(ids)
    tasks = [RatingTask(r, closes.get(r.assessment_id), r.assessment_id not in closed)
             for r in rows]
    return sorted(tasks, key=lambda t: (not t.to_do, t.closes_at or LATEST))


def assignment_for(assessment, user):
    return db.session.scalar(select(RaterAssignment).where(
        RaterAssignment.assessment_id == assessment.id, RaterAssignment.rater_id == user.id))


def get_rating_task(assessment_id, user):
    """The caller's assignment on an assessment: 404 unknown, 403 when not assigned."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound()
    assignment = assignment_for(assessment, user) if user.is_authenticated else None
    if assignment is None:
        raise NotAllowed()
    return assignment


def submit_rating(assessment, rater, scores, now=None):
    """Rate on 德能勤绩廉 (0–100 each). Only an assigned rater, only once, only while open."""
    assignment = assignment_for(assessment, rater)
    if assignment is None:
        raise NotAllowed()
    reason = closed_reason(assessment)
    if reason is not None:
        raise WrongState(reason, code="ratings_closed")
    if assignment.rating is not None:
        raise Conflict(ALREADY_RATED, code="already_rated")
    values = _clean_scores(scores)
    rating = Rating(assignment_id=assignment.id, created_at=as_utc(now) if now else utcnow(),
                    **values)
    db.session.add(rating)
    try:
        db.session.flush()
    except IntegrityError:  # the same rater in another tab, a moment earlier
        raise Conflict(ALREADY_RATED, code="already_rated") from None
    # Audited on the round without the rater: who has rated is nobody's to read.
    record("raters", assessment.id, "rate")
    return rating


def _clean_scores(scores):
    scores = scores if isinstance(scores, dict) else {}
    values, errors = {}, {}
    for name in DIMENSIONS:
        try:
            values[name] = parse_score(scores.get(name), name)
        except Invalid as exc:
            errors.update(exc.fields)
            continue
        if values[name] is None:
            errors[name] = "required"
    if errors:
        raise Invalid(fields=errors)
    return values


def own_rating(rating_id, user):
    """A rating, for the one who gave it and nobody else (not the cadre, not the admin).

    Someone else's rating is "not found", like a missing one: a 403 would let anyone
    count the ratings given so far by probing ids."""
    rating = db.session.get(Rating, rating_id)
    if rating is None or not user.is_authenticated or rating.assignment.rater_id != user.id:
        raise NotFound()
    return rating

"""API: 360-degree raters, rating tasks, ratings, closing the round and the folded summary.

The rater list says who was asked, never who has answered (no "rated" flag)."""

from flask import jsonify

from workflow_app.api import bp, current_api_user, validated
from workflow_app.api.schemas.scoring import RatersRequest, RatingRequest, RatingRoundRequest
from workflow_app.assessments.services import get_assessment
from workflow_app.errors import NotAllowed
from workflow_app.extensions import db
from workflow_app.people.models import User
from workflow_app.scoring.ratings import (
    assign_raters,
    assignments,
    can_manage_raters,
    get_rating_task,
    my_tasks,
    own_rating,
    submit_rating,
    suggest_raters,
)
from workflow_app.scoring.ratings_models import DIMENSIONS
from workflow_app.scoring.ratings_rounds import close_round, set_round_deadline, summary_body


def assignment_json(a):
    return {"assessment_id": a.assessment_id, "rater_id": a.rater_id,
            "rater_name": a.rater.display_name, "group": a.rater_group}


def task_json(task):
    a = task.assignment
    return {"assessment_id": a.assessment_id, "cadre_name": a.assessment.cadre.display_name,
            "unit": a.assessment.org_unit.name, "cycle": a.assessment.cycle.name,
            "group": a.rater_group, "open": task.open,
            "closes_at": task.closes_at.isoformat() if task.closes_at else None,
            "rating_id": a.rating.id if a.rating is not None else None}


def rating_json(r):
    return {"id": r.id, "assessment_id": r.assignment.assessment_id,
            **{d: float(getattr(r, d)) for d in DIMENSIONS}}


def _managed(assessment_id):
    user = current_api_user()
    assessment = get_assessment(assessment_id, user)
    if not can_manage_raters(user, assessment):
        raise NotAllowed()
    return user, assessment


@bp.get("/assessments/<int:assessment_id>/raters")
def list_raters(assessment_id):
    _user, assessment = _managed(assessment_id)
    return jsonify([assignment_json(a) for a in assignments(assessment)])


@bp.get("/assessments/<int:assessment_id>/raters/suggested")
def suggested_raters(assessment_id):
    _user, assessment = _managed(assessment_id)
    return jsonify([{"rater_id": u.id, "rater_name": u.display_name, "group": g}
                    for u, g in suggest_raters(assessment)])


@bp.put("/assessments/<int:assessment_id>/raters")
def put_raters(assessment_id):
    user, assessment = _managed(assessment_id)
    entries = [(db.session.get(User, r.user_id), r.group)
               for r in validated(RatersRequest).raters]
    result = assign_raters(assessment, user, entries)
    db.session.commit()
    return jsonify([assignment_json(a) for a in result])


@bp.get("/rating-tasks")
def list_rating_tasks():
    return jsonify([task_json(t) for t in my_tasks(current_api_user())])


@bp.post("/assessments/<int:assessment_id>/rating")
def post_rating(assessment_id):
    user = current_api_user()
    assignment = get_rating_task(assessment_id, user)
    rating = submit_rating(assignment.assessment, user, validated(RatingRequest).given())
    db.session.commit()
    return jsonify(rating_json(rating)), 201


@bp.get("/ratings/<int:rating_id>")
def get_rating(rating_id):
    return jsonify(rating_json(own_rating(rating_id, current_api_user())))


@bp.get("/assessments/<int:assessment_id>/rating-summary")
def get_rating_summary(assessment_id):
    user = current_api_user()
    assessment = get_assessment(assessment_id, user)
    return jsonify(summary_body(assessment, user))


@bp.post("/assessments/<int:assessment_id>/rating-round/close")
def post_close_round(assessment_id):
    user = current_api_user()
    assessment = get_assessment(assessment_id, user)
    close_round(assessment, user)
    db.session.commit()
    return jsonify(summary_body(assessment, user))


@bp.put("/assessments/<int:assessment_id>/rating-round")
def put_rating_round(assessment_id):
    """The round's last day of rating: {"closes_on": "YYYY-MM-DD"} (null: none)."""
    user = current_api_user()
    assessment = get_assessment(assessment_id, user)
    set_round_deadline(assessment, user, validated(RatingRoundRequest).closes_on)
    db.session.commit()
    return jsonify(summary_body(assessment, user))

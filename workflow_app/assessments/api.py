"""API: tasks, assessment lists and details, the report draft, firing events."""

from flask import jsonify, request

from workflow_app import limits
from workflow_app.api import bp, current_api_user, validated
from workflow_app.api.schemas.assessments import EventRequest, ReportRequest
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.queries import task_rows, visible
from workflow_app.assessments.serialize import detail_json, summary_json, summary_row_json
from workflow_app.assessments.services import fire_event, get_assessment, save_report
from workflow_app.extensions import db
from workflow_app.security.inputs import query_int

MAX_PAGE = 500
MAX_OFFSET = 10**9


def _paged(query):
    limit = query_int("limit", 100, 1, MAX_PAGE)
    offset = query_int("offset", 0, 0, MAX_OFFSET)
    return query.limit(limit).offset(offset)


def _page(query):
    return db.session.scalars(_paged(query)).all()


@bp.get("/tasks")
def list_tasks():
    user = current_api_user()
    rows = db.session.execute(_paged(task_rows(user)))
    return jsonify([summary_row_json(r, user) for r in rows])


@bp.get("/assessments")
def list_assessments():
    user = current_api_user()
    query = visible(user)
    cycle_id = query_int("cycle_id", None, limits.ID_MIN, limits.ID_MAX)
    if cycle_id is not None:
        query = query.where(Assessment.cycle_id == cycle_id)
    if request.args.get("state"):
        query = query.where(Assessment.state == request.args["state"])
    return jsonify([summary_json(a, user) for a in _page(query.order_by(Assessment.id))])


@bp.get("/assessments/<int:assessment_id>")
def show_assessment(assessment_id):
    user = current_api_user()
    return jsonify(detail_json(get_assessment(assessment_id, user), user))


@bp.put("/assessments/<int:assessment_id>/report")
def put_report(assessment_id):
    user = current_api_user()
    body = validated(ReportRequest)
    assessment = get_assessment(assessment_id, user)
    save_report(assessment, user, body.content.given(), draft_version=body.draft_version)
    db.session.commit()
    return jsonify(detail_json(assessment, user))


@bp.post("/assessments/<int:assessment_id>/events/<event>")
def post_event(assessment_id, event):
    user = current_api_user()
    body = validated(EventRequest, None if request.content_length else {})
    assessment = get_assessment(assessment_id, user)
    fire_event(assessment, event, user, comment=body.comment, score=body.score,
               reason=body.reason, version=body.version, client_addr=request.remote_addr or "")
    db.session.commit()
    return jsonify(detail_json(assessment, user))

"""API: tasks, assessment lists and details, the report draft, firing events."""

from flask import jsonify, request

from workflow_app import limits
from workflow_app.api import bp, current_api_user, json_body
from workflow_app.api.payload import optional_int, raise_if
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.queries import task_rows, visible
from workflow_app.assessments.serialize import detail_json, summary_json, summary_row_json
from workflow_app.assessments.services import fire_event, get_assessment, save_report
from workflow_app.errors import Invalid
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
    rows = db.session.execute(_paged(task_rows(current_api_user())))
    return jsonify([summary_row_json(r) for r in rows])


@bp.get("/assessments")
def list_assessments():
    query = visible(current_api_user())
    cycle_id = query_int("cycle_id", None, limits.ID_MIN, limits.ID_MAX)
    if cycle_id is not None:
        query = query.where(Assessment.cycle_id == cycle_id)
    if request.args.get("state"):
        query = query.where(Assessment.state == request.args["state"])
    return jsonify([summary_json(a) for a in _page(query.order_by(Assessment.id))])


@bp.get("/assessments/<int:assessment_id>")
def show_assessment(assessment_id):
    user = current_api_user()
    return jsonify(detail_json(get_assessment(assessment_id, user), user))


@bp.put("/assessments/<int:assessment_id>/report")
def put_report(assessment_id):
    user = current_api_user()
    data = json_body()
    assessment = get_assessment(assessment_id, user)
    if "content" not in data:
        raise Invalid(fields={"content": "required"})
    errors = {}
    # Optional: the draft the content was based on; a newer save in between answers 409.
    draft_version = optional_int(data, "draft_version", errors)
    raise_if(errors)
    save_report(assessment, user, data["content"], draft_version=draft_version)
    db.session.commit()
    return jsonify(detail_json(assessment, user))


@bp.post("/assessments/<int:assessment_id>/events/<event>")
def post_event(assessment_id, event):
    user = current_api_user()
    data = json_body() if request.content_length else {}
    errors = {}
    version = optional_int(data, "version", errors)
    raise_if(errors)
    assessment = get_assessment(assessment_id, user)
    fire_event(assessment, event, user, comment=data.get("comment"), score=data.get("score"),
               reason=data.get("reason"), version=version,
               client_addr=request.remote_addr or "")
    db.session.commit()
    return jsonify(detail_json(assessment, user))

"""API: recording 负面清单 items on an assessment."""

from flask import jsonify, request

from workflow_app.api import bp, current_api_user, json_body
from workflow_app.api.payload import optional_int, raise_if
from workflow_app.assessments.services import get_assessment
from workflow_app.extensions import db
from workflow_app.scoring.negative import record_negative_item
from workflow_app.scoring.override import override_grade


@bp.post("/assessments/<int:assessment_id>/negative-items")
def create_negative_item(assessment_id):
    user = current_api_user()
    data = json_body()
    assessment = get_assessment(assessment_id, user)
    item = record_negative_item(assessment, user, kind=data.get("kind"),
                                points=data.get("points"), reason=data.get("reason"),
                                evidence=data.get("evidence"))
    db.session.commit()
    return jsonify({"id": item.id, "assessment_id": assessment.id, "kind": item.kind,
                    "points": float(item.points), "reason": item.reason}), 201


@bp.post("/assessments/<int:assessment_id>/override")
def override_assessment_grade(assessment_id):
    user = current_api_user()
    data, errors = json_body(), {}
    version = optional_int(data, "version", errors)
    raise_if(errors)
    assessment = get_assessment(assessment_id, user)
    override_grade(assessment, user, grade=data.get("grade"), reason=data.get("reason"),
                   version=version, client_addr=request.remote_addr or "")
    db.session.commit()
    return jsonify({"id": assessment.id, "grade": assessment.grade, "flags": assessment.flags,
                    "version": assessment.version})

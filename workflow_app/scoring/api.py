"""API: recording 负面清单 items on an assessment."""

from flask import jsonify, request

from workflow_app.api import bp, current_api_user, validated
from workflow_app.api.schemas.scoring import NegativeItemRequest, OverrideRequest
from workflow_app.assessments.services import get_assessment
from workflow_app.extensions import db
from workflow_app.scoring.negative import record_negative_item
from workflow_app.scoring.override import override_grade


@bp.post("/assessments/<int:assessment_id>/negative-items")
def create_negative_item(assessment_id):
    user = current_api_user()
    body = validated(NegativeItemRequest)
    assessment = get_assessment(assessment_id, user)
    item = record_negative_item(assessment, user, kind=body.kind, points=body.points,
                                reason=body.reason, evidence=body.evidence,
                                serious=body.serious)
    db.session.commit()
    return jsonify({"id": item.id, "assessment_id": assessment.id, "kind": item.kind,
                    "points": float(item.points), "reason": item.reason,
                    "serious": item.serious}), 201


@bp.post("/assessments/<int:assessment_id>/override")
def override_assessment_grade(assessment_id):
    user = current_api_user()
    body = validated(OverrideRequest)
    assessment = get_assessment(assessment_id, user)
    override_grade(assessment, user, grade=body.grade, reason=body.reason,
                   version=body.version, client_addr=request.remote_addr or "")
    db.session.commit()
    return jsonify({"id": assessment.id, "grade": assessment.grade, "flags": assessment.flags,
                    "version": assessment.version})

"""API: satisfaction surveys, one-time links and phone spot checks (staff side).

Answering is not part of the API: respondents have no account and use /s/<token>.
"""

from flask import jsonify

from workflow_app.api import bp, current_api_user, validated
from workflow_app.api.schemas.surveys import SpotCheckRequest, TokensRequest
from workflow_app.assessments.services import get_assessment
from workflow_app.errors import NotFound
from workflow_app.extensions import db
from workflow_app.links import require_handout
from workflow_app.surveys.models import CHOICES
from workflow_app.surveys.services import (
    close_survey,
    create_survey,
    get_survey,
    issue_tokens,
    record_spot_check,
    survey_for,
    survey_summary,
)
from workflow_app.surveys.views import sms_text, survey_url


@bp.post("/assessments/<int:assessment_id>/survey")
def post_survey(assessment_id):
    user = current_api_user()
    assessment = get_assessment(assessment_id, user)
    existed = survey_for(assessment) is not None
    survey = create_survey(assessment, user)
    db.session.commit()
    return jsonify(survey_summary(survey)), 200 if existed else 201


@bp.get("/assessments/<int:assessment_id>/survey")
def get_assessment_survey(assessment_id):
    user = current_api_user()
    survey = survey_for(get_assessment(assessment_id, user))
    if survey is None:
        raise NotFound()
    return jsonify(survey_summary(get_survey(survey.id, user)))


@bp.post("/surveys/<int:survey_id>/tokens")
def post_tokens(survey_id):
    user = current_api_user()
    survey = get_survey(survey_id, user)
    body = validated(TokensRequest)
    tokens = issue_tokens(survey, user, body.count, body.channel)
    require_handout()  # the answer carries links: none issued (rolled back) unless usable
    db.session.commit()
    a = survey.assessment
    return jsonify({"survey_id": survey.id, "links": [
        {"url": survey_url(t.token), "channel": t.channel,
         "sms_text": sms_text(a, t.token) if t.channel == "sms" else None}
        for t in tokens]}), 201


@bp.post("/surveys/<int:survey_id>/spot-checks")
def post_spot_check(survey_id):
    user = current_api_user()
    survey = get_survey(survey_id, user)
    body = validated(SpotCheckRequest)
    check = record_spot_check(survey, user, {c: getattr(body, c) for c in CHOICES}, body.note)
    db.session.commit()
    return jsonify({"id": check.id, "survey_id": survey.id,
                    **{c: getattr(check, c) for c in CHOICES}}), 201


@bp.post("/surveys/<int:survey_id>/close")
def post_close_survey(survey_id):
    user = current_api_user()
    survey = close_survey(get_survey(survey_id, user), user)
    db.session.commit()
    return jsonify(survey_summary(survey))

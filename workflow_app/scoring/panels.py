"""What the assessment page and the dashboard show from scoring: the objections raised
on an assessment (with their evidence) and the cadre's trend across quarters.

Those pages belong to the assessments blueprint; rather than reach into their views,
this context processor adds the data for exactly those endpoints, so templates still
never query and other pages pay nothing.
"""

from flask import request
from flask_login import current_user

from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import can_view, relations, sees_details
from workflow_app.cycles.indicator_adjustments import can_read_adjustments
from workflow_app.extensions import db
from workflow_app.people.roles import CADRE
from workflow_app.scoring.disputes import evidence_of, objections_of
from workflow_app.scoring.disputes_privacy import sees_objector
from workflow_app.scoring.disputes_views import STATUS_LABELS, bp
from workflow_app.scoring.trend import cadre_trend

DETAIL_ENDPOINTS = ("assessments.detail", "assessments.fire", "assessments.conflict")


@bp.app_context_processor
def _scoring_panels():
    if not getattr(current_user, "is_authenticated", False):
        return {}
    if request.endpoint in DETAIL_ENDPOINTS:
        return _assessment_panel((request.view_args or {}).get("assessment_id"))
    if request.endpoint == "assessments.overview" and current_user.has_role(CADRE):
        return {"my_trend": cadre_trend(current_user.id, current_user)}
    return {}


def _assessment_panel(assessment_id):
    a = db.session.get(Assessment, assessment_id) if assessment_id else None
    if a is None or not can_view(current_user, a):
        return {}
    panel = {"trend": None, "objections": [], "evidence": {},
             "objection_status": STATUS_LABELS}
    if sees_details(current_user, a):
        panel["trend"] = cadre_trend(a.cadre_id, current_user)
        panel["objections"] = objections_of(a)
    else:
        # A colleague sees only the objections they raised themselves.
        panel["objections"] = [o for o in objections_of(a) if o.raised_by_id == current_user.id]
    # Who objected, why and with what: for the objector, the org_admin and the auditor.
    rels = relations(current_user, a)
    panel["objector_shown"] = {o.id for o in panel["objections"]
                               if sees_objector(current_user, a, o.raised_by_id, rels)}
    panel["evidence"] = evidence_of(sorted(panel["objector_shown"]))
    panel["can_adjust"] = can_read_adjustments(current_user, a)  # auditor: read-only page
    return {"scoring_panel": panel}

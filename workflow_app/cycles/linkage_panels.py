"""What the assessment page and the sheets page show of task ownership, per-unit weights
and the 连带考核. As scoring/panels.py does: a context processor adds the data for
exactly those endpoints, so their views stay as they are and templates never query."""

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import sees_details
from workflow_app.cycles import ownership as own
from workflow_app.cycles import unit_weights as uw
from workflow_app.cycles.indicators import all_sheets
from workflow_app.cycles.linkage_views import bp
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.scoring import linkage as lk
from workflow_app.scoring.results import FLAG_HINTS, FLAG_LABELS

FLAG_LABELS.update({"linkage": _l("County linkage (连带考核)"),
                    "linkage_missing": _l("Linkage: no county rate yet")})
FLAG_HINTS.update({
    "linkage": _l("This unit leads an indicator of the counties: their mean completion × the "
                  "linkage weight / 100 is part of the score (市县同责连带考核)."),
    "linkage_missing": _l("This unit leads a linked indicator but no county's completion rate "
                          "has been recorded: the linkage is left out until one is."),
})
DETAIL_ENDPOINTS = ("assessments.detail", "assessments.fire", "assessments.conflict")


@bp.app_context_processor
def _linkage_panels():
    if not getattr(current_user, "is_authenticated", False):
        return {}
    if request.endpoint in DETAIL_ENDPOINTS:
        return _assessment_panel((request.view_args or {}).get("assessment_id"))
    if request.endpoint == "indicators.index":
        return {"sheet_units": {s.id: uw.units_that_differ(s) for s in all_sheets()}}
    return {}


def _assessment_panel(assessment_id):
    a = db.session.get(Assessment, assessment_id) if assessment_id else None
    if a is None or not sees_details(current_user, a):
        return {}
    return {"indicator_panel": assessment_panel(a)}


def assessment_panel(a):
    """Tasks, the unit's weights and both sides of the 连带考核 for one assessment."""
    weights = uw.unit_items(a.cycle_id, a.org_unit)
    lead = lk.lead_summaries(a.cycle).get(a.org_unit_id, [])
    county = []
    for linked in lk.summarize(a.cycle):
        mine = next((c for c in linked.counties if c.unit.id == a.org_unit_id), None)
        if mine is not None:
            county.append((linked, db.session.get(OrgUnit, linked.item.lead_unit_id), mine))
    return {"tasks": own.tasks_of_assessment(a), "lead": lead, "county": county,
            "weights": [(i, w, w != i.weight) for i, w in weights]}

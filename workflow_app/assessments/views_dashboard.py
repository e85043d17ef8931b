"""One dashboard, with a part for each role the user holds."""

from flask import render_template
from flask_login import current_user, login_required

from workflow_app.assessments import dashboard, labels
from workflow_app.assessments.views import bp
from workflow_app.clock import utcnow
from workflow_app.people.roles import CADRE, COMMITTEE, ORG_ADMIN, SECRETARY, SUPERVISOR

REVIEW_ROLES = {SUPERVISOR, COMMITTEE, SECRETARY, ORG_ADMIN}


@bp.get("/dashboard")
@login_required
def overview():
    now, roles = utcnow(), set(current_user.roles)
    context = {"now": now, "mine": None, "review": None, "progress": None,
               "state_order": list(labels.STATE_LABELS)}
    if CADRE in roles:
        context["mine"] = dashboard.cadre_items(current_user, now)
    if roles & REVIEW_ROLES:
        context["review"] = dashboard.reviewer_counts(current_user, now)
    if ORG_ADMIN in roles:
        context["progress"] = dashboard.admin_progress(current_user, now)
    return render_template("dashboard/index.html", **context)

"""Web views for cycles: a small org_admin page to grade and publish cycles."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from workflow_app.assessments.labels import cycle_status_label
from workflow_app.assessments.models import Assessment
from workflow_app.confirmation import IRREVERSIBLE, ask_first
from workflow_app.cycles import confirmations
from workflow_app.cycles.lifecycle import ACTION_LABELS, allowed_actions, can_edit_cycle
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.progress import (
    DONE_FOR_PUBLISH,
    display_status,
    final_states,
    is_preview,
    not_done,
)
from workflow_app.cycles.services import can_manage_cycle, get_managed_cycle
from workflow_app.errors import DomainError, NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.scope import scope_paths
from workflow_app.scoring.services import grade_cycle, publish_cycle
from workflows import get_workflow

bp = Blueprint("cycles", __name__)
MAX_CYCLES = 100


@bp.app_template_filter("cycle_status_label")
def _cycle_status_label(code):
    return cycle_status_label(code)


def _managed_cycles():
    paths = scope_paths(current_user, ORG_ADMIN)
    if not paths:
        raise NotAllowed()
    in_scope = Cycle.org_units.any(or_(*[OrgUnit.path.like(p + "%") for p in paths]))
    found = db.session.scalars(select(Cycle).where(in_scope)
                               .order_by(Cycle.opens_at.desc(), Cycle.id.desc())
                               .limit(MAX_CYCLES)).all()
    return [c for c in found if can_manage_cycle(current_user, c)]


def _state_counts(cycle_ids):
    counts = {cid: {} for cid in cycle_ids}
    if not cycle_ids:
        return counts
    rows = db.session.execute(
        select(Assessment.cycle_id, Assessment.state, func.count())
        .where(Assessment.cycle_id.in_(cycle_ids))
        .group_by(Assessment.cycle_id, Assessment.state))
    for cycle_id, state, n in rows:
        counts[cycle_id][state] = n
    return counts


def _rows(cycles):
    """Per cycle: its state counts in workflow order, and which buttons make sense."""
    counts = _state_counts([c.id for c in cycles])
    rows = []
    for c in cycles:
        states = get_workflow(c.workflow_key, c.workflow_version).states
        by_state = [(s, counts[c.id][s]) for s in states if s in counts[c.id]]
        approved = counts[c.id].get("approved", 0)
        waiting = not_done(counts[c.id], DONE_FOR_PUBLISH if c.status != "published"
                           else final_states(c))
        rows.append({"cycle": c, "counts": by_state, "can_grade": approved > 0,
                     "can_publish": approved > 0 and c.graded_at is not None and not
                     is_preview(counts[c.id]),
                     "status": display_status(c, counts[c.id]),
                     "waiting": sum(waiting.values()),
                     "actions": allowed_actions(current_user, c),
                     "editable": can_edit_cycle(current_user, c)})
    return rows


@bp.get("/admin/cycles")
@login_required
def admin():
    return render_template("cycles/admin.html", rows=_rows(_managed_cycles()),
                           action_labels=ACTION_LABELS)




def preview_note(summary):
    """试算: grading before the whole cycle is done decides nothing yet."""
    return (" " + gettext("Trial run (试算): not every assessment is finished, so these "
                          "grades may still change.")) if summary.get("preview") else ""


def confirm_then_run(cycle, confirm, back):
    """The confirmation page for `confirm` = (title, effects(cycle)[, warning]), or None
    once confirmed (or when nothing is to be confirmed)."""
    if confirm is None:
        return None
    title, effects, *warning = confirm
    return ask_first(title, effects(cycle), back, warning=warning[0] if warning else None)


def run_and_report(action, done_message, anchor=None, back=None):
    """Run a service call, commit once, and come back (to `back`, by default the cycles
    page) with a message: the refusal's, or `done_message(result)`."""
    back = back or url_for("cycles.admin", _anchor=anchor)
    try:
        result = action()
    except (NotAllowed, NotFound):
        raise
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(back, 303)
    db.session.commit()
    flash(done_message(result), "success")
    return redirect(back, 303)


@bp.post("/admin/cycles/<int:cycle_id>/grade")
@login_required
def grade(cycle_id):
    cycle = get_managed_cycle(cycle_id, current_user)
    asked = confirm_then_run(cycle, (_l("Run grading"), confirmations.grading),
                             url_for(".admin", _anchor=f"cycle-{cycle.id}"))
    return asked or run_and_report(
        lambda: grade_cycle(cycle, current_user), lambda summary: gettext(
            "%(name)s: %(graded)d graded, %(ungraded)d without a score.", name=cycle.name,
            graded=summary["graded"], ungraded=summary["ungraded"]) + preview_note(summary))


@bp.post("/admin/cycles/<int:cycle_id>/publish")
@login_required
def publish(cycle_id):
    cycle = get_managed_cycle(cycle_id, current_user)
    addr = request.remote_addr or ""
    asked = confirm_then_run(cycle, (_l("Publish the results (公示)"), confirmations.publishing,
                                     IRREVERSIBLE), url_for(".admin", _anchor=f"cycle-{cycle.id}"))
    return asked or run_and_report(lambda: publish_cycle(cycle, current_user, client_addr=addr),
                          lambda done: gettext("%(name)s: %(count)d results published.",
                                               name=cycle.name, count=len(done)))


# The progress console registers its routes on this blueprint.
from workflow_app.cycles import progress_views  # noqa: E402,F401

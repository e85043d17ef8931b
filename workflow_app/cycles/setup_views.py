"""Admin pages to set up cycles: create (or copy last quarter's), edit, and move the status.

Every check lives in the services (cycles.services / cycles.lifecycle); these views
only turn the form into service data, commit once and explain refusals.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import or_, select

from forms.cycles import WORKFLOW_LABELS, CycleForm, choices
from workflow_app.assessments.labels import cycle_status_label
from workflow_app.clock import utcnow
from workflow_app.confirmation import IRREVERSIBLE
from workflow_app.cycles import confirmations, diagram, lifecycle
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.services import (
    can_manage_cycle,
    create_cycle,
    get_managed_cycle,
    open_cycle,
    update_cycle,
)
from workflow_app.cycles.validation import NEW_STATUSES, categories_under
from workflow_app.cycles.views import confirm_then_run, run_and_report
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.people.roles import AUDITOR, ORG_ADMIN
from workflow_app.people.scope import scope_paths
from workflow_app.people.search import clean_query, matching
from workflow_app.scheduler.policy import escalate_after, setting
from workflow_app.security.inputs import to_int
from workflow_app.workcalendar import LOCAL_TZ
from workflows import workflow_keys
from workflows.registry import all_workflows

bp = Blueprint("cycle_setup", __name__)

def can_set_up_cycles(user):
    return bool(scope_paths(user, ORG_ADMIN))


def _require_admin():
    if not can_set_up_cycles(current_user):
        raise NotAllowed()


def admin_units(user):
    """Units under the user's org_admin grants, in tree order."""
    paths = scope_paths(user, ORG_ADMIN)
    if not paths:
        return []
    under = or_(*[OrgUnit.path.like(p + "%") for p in paths])
    return db.session.scalars(select(OrgUnit).where(under).order_by(OrgUnit.path)).all()


def _unit_choices(units):
    def depth(u):
        return u.path.strip("/").count("/")
    top = min((depth(u) for u in units), default=0)
    return [(u.id, "\u3000" * (depth(u) - top) + u.name) for u in units]


def _form(initial):
    units = admin_units(current_user)
    roots = [u for u in units if not any(o.id != u.id and o.contains(u) for o in units)]
    return CycleForm(units=_unit_choices(units),
                     categories=sorted(categories_under(roots)) if roots else [],
                     workflows=[(k, WORKFLOW_LABELS.get(k, k)) for k in workflow_keys()],
                     initial=initial)




def blank_settings(now):
    local = now.astimezone(LOCAL_TZ)
    return {"kind": "quarterly", "year": local.year, "quarter": (local.month - 1) // 3 + 1,
            "workflow": "quarterly", "committee_stage": True, "committee_scores": True,
            "committee_rule": "any", "publicity_days": 5, "appeal_days": 15}


def latest_quarter(user):
    """The newest quarterly cycle the user manages: what "copy last quarter" starts from."""
    found = db.session.scalars(select(Cycle).where(Cycle.kind == "quarterly")
                               .order_by(Cycle.year.desc(), Cycle.quarter.desc(),
                                         Cycle.id.desc()).limit(50))
    return next((c for c in found if can_manage_cycle(user, c)), None)


@bp.get("/admin")
@login_required
def admin_home():
    _require_admin()
    return render_template("admin/index.html")


def can_view_workflows(user):
    return bool(scope_paths(user, ORG_ADMIN, AUDITOR))


@bp.get("/admin/workflows")
@login_required
def workflows():
    """Every workflow version drawn from its definition (the data the engine runs)."""
    if not can_view_workflows(current_user):
        raise NotAllowed()
    workflows = sorted(all_workflows(), key=lambda w: (w.key, w.version))
    layouts = [diagram.diagram_layout(wf) for wf in workflows]
    widest = max(lay.width for lay in layouts)  # one scale for every drawing on the page
    drawn = [{"workflow": wf, "svg": Markup(diagram.svg(wf, lay, widest)),
              "rows": diagram.transition_rows(wf), "label": WORKFLOW_LABELS.get(wf.key, wf.key)}
             for wf, lay in zip(workflows, layouts, strict=True)]
    return render_template("admin/workflows.html", drawn=drawn)


@bp.route("/admin/cycles/new", methods=["GET", "POST"])
@login_required
def new():
    _require_admin()
    copy_id = to_int(request.args.get("copy"))
    source = get_managed_cycle(copy_id, current_user) if copy_id else None
    initial = lifecycle.copy_data(source) if source else blank_settings(utcnow())
    form = _form(initial)
    if request.method == "POST":
        return _save(form, lambda data, units: create_cycle(current_user, data, units))
    return _render(form, source=source, latest=latest_quarter(current_user))


@bp.route("/admin/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cycle_id):
    cycle = get_managed_cycle(cycle_id, current_user)
    if cycle.status not in NEW_STATUSES:
        flash(gettext("Only a draft or scheduled cycle can be changed."), "error")
        return redirect(url_for("cycles.admin"), 303)
    form = _form(lifecycle.settings_of(cycle))
    if request.method == "POST":
        return _save(form, lambda data, units: update_cycle(current_user, cycle, data, units),
                     cycle)
    return _render(form, cycle=cycle)


def _render(form, status=200, **context):
    return render_template("cycles/form.html", form=form,
                           default_sla=setting("REVIEW_SLA_WORKING_DAYS"),
                           escalate_after=escalate_after(), **context), status


def _search_units(form, cycle):
    """Narrow the unit checkboxes to the names found (ticked ones stay); nothing is saved
    and nothing typed is lost."""
    q = clean_query(form.unit_q.data)
    ticked = form.org_unit_ids.data or []
    form.org_unit_ids.choices = choices(matching(_unit_choices(admin_units(current_user)), q,
                                                 keep=ticked))
    return _render(form, cycle=cycle, unit_search=q)


def _save(form, action, cycle=None):
    if request.form.get("action") == "search_units":
        return _search_units(form, cycle)
    status = "draft" if request.form.get("action") == "draft" else "scheduled"
    ids = form.unit_ids()
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids))).all() if ids else []
    try:
        saved = action(form.payload(status), units)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        if exc.code == "overlap":
            form.form_errors.append(exc.message)
        return _render(form, 422, cycle=cycle)
    db.session.commit()
    flash(gettext("%(name)s saved: %(status)s.", name=saved.name,
                  status=cycle_status_label(saved.status)), "success")
    return redirect(url_for("cycles.admin", _anchor=f"cycle-{saved.id}"), 303)


# The status moves an administrator may make; lifecycle.ACTION_SOURCES says when.
ACTIONS = {
    "schedule": lambda c: lifecycle.schedule_cycle(c, current_user),
    "unschedule": lambda c: lifecycle.unschedule_cycle(c, current_user),
    "open": lambda c: open_cycle(c, current_user),
    "close": lambda c: lifecycle.close_cycle(c, current_user),
    "archive": lambda c: lifecycle.archive_cycle(c, current_user),
}


# Moves that cannot be undone ask first, with counts.
CONFIRM = {"archive": (_l("Archive"), confirmations.archiving, IRREVERSIBLE)}


@bp.post("/admin/cycles/<int:cycle_id>/status/<action>")
@login_required
def move(cycle_id, action):
    if action not in ACTIONS:
        abort(404)
    cycle = get_managed_cycle(cycle_id, current_user)
    confirm = CONFIRM.get(action)
    asked = confirm_then_run(cycle, confirm, url_for("cycles.admin", _anchor=f"cycle-{cycle.id}"))
    return asked or run_and_report(lambda: ACTIONS[action](cycle), lambda _result: gettext(
        "%(name)s: %(status)s.", name=cycle.name, status=cycle_status_label(cycle.status)),
        anchor=f"cycle-{cycle.id}")

"""The organisation department's grading page for one cycle.

Run grading (the same service as POST /api/v1/cycles/{id}/grade), read the results
with their flags per category, override a grade with a reason, publish (公示) and
finalize (备案) — all on one page. A refused override comes back beside its row with
what was typed still in the form.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField, SelectField, TextAreaField

from workflow_app.assessments.labels import state_label
from workflow_app.assessments.models import Assessment, Objection
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.services import get_managed_cycle
from workflow_app.cycles.views import run_and_report
from workflow_app.errors import Conflict, Invalid, NotFound
from workflow_app.extensions import db
from workflow_app.messages import field_message
from workflow_app.scoring.disputes import finalize_cycle
from workflow_app.scoring.grading import merged_config
from workflow_app.scoring.override import override_grade
from workflow_app.scoring.results import by_category, distribution, flag_label, result_rows
from workflow_app.scoring.services import grade_cycle, publish_cycle
from workflow_app.security.inputs import to_version
from workflows import get_workflow

bp = Blueprint("grading", __name__)
TIE_HINT = _l("Tied on the same score at the quota boundary: nobody was picked by an "
              "arbitrary rule. The committee decides, then enter its decision as an override.")


class OverrideForm(FlaskForm):
    # The service checks the grade, with the same message as the API.
    grade = SelectField(_l("New grade"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 2, "maxlength": 2000})
    version = HiddenField()

    def __init__(self, *args, grades=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.grade.choices = [(g, g) for g in grades]


def _form(cycle, row_id, formdata=None, **data):
    return OverrideForm(formdata=formdata, prefix=f"o{row_id}", grades=_grades(cycle), **data)


def _grades(cycle):
    return [g["grade"] for g in merged_config(cycle.grading, cycle.kind)["grades"]]




def _state_counts(cycle):
    rows = db.session.execute(select(Assessment.state, func.count()).where(
        Assessment.cycle_id == cycle.id).group_by(Assessment.state)).all()
    found = dict(rows)
    states = get_workflow(cycle.workflow_key, cycle.workflow_version).states
    return [(s, found[s]) for s in states if s in found]


def _open_objections(cycle):
    return db.session.scalar(select(func.count()).select_from(Objection).join(
        Assessment, Assessment.id == Objection.assessment_id).where(
        Assessment.cycle_id == cycle.id, Objection.status == "open"))


def _render(cycle, posted=None, status=200):
    """The page; `posted` = (assessment id, form with errors, message) of a refused override."""
    rows = result_rows(cycle)
    forms = {r.assessment_id: _form(cycle, r.assessment_id, grade=r.grade, version=r.version)
             for r in rows if r.state == "approved"}
    row_message = {}
    if posted is not None:
        forms[posted[0]] = posted[1]
        row_message[posted[0]] = posted[2]
    state_counts = _state_counts(cycle)
    counts = dict(state_counts)
    ends = as_utc(cycle.publication_ends_at)
    context = {
        "cycle": cycle, "rows": rows, "lists": by_category(rows), "forms": forms,
        "row_message": row_message, "dist": distribution(cycle, rows), "counts": counts,
        "state_counts": state_counts, "flag_label": flag_label, "tie_hint": TIE_HINT,
        "state_label": state_label, "open_objections": _open_objections(cycle),
        "ties": sum(1 for r in rows if "tie_at_quota_boundary" in r.flags),
        "can_grade": counts.get("approved", 0) > 0,
        "can_publish": any(r.state == "approved" for r in rows),
        "can_finalize": bool(ends and utcnow() >= ends and counts.get("published")),
        "publication_running": bool(ends and utcnow() < ends),
    }
    return render_template("scoring/grading.html", **context), status


@bp.get("/admin/cycles/<int:cycle_id>/grading")
@login_required
def page(cycle_id):
    return _render(get_managed_cycle(cycle_id, current_user))


def _run(cycle, action, done):
    """Run a cycle-level service, commit once, and come back to the page with a message."""
    return run_and_report(action, done, back=url_for(".page", cycle_id=cycle.id))


@bp.post("/admin/cycles/<int:cycle_id>/grading/run")
@login_required
def run(cycle_id):
    cycle = get_managed_cycle(cycle_id, current_user)
    return _run(cycle, lambda: grade_cycle(cycle, current_user), lambda s: gettext(
        "Grading done: %(graded)d graded, %(ungraded)d without a score. %(grades)s",
        graded=s["graded"], ungraded=s["ungraded"],
        grades="、".join(f"{g} {n}" for g, n in s["grades"].items())))


@bp.post("/admin/cycles/<int:cycle_id>/grading/publish")
@login_required
def publish(cycle_id):
    cycle = get_managed_cycle(cycle_id, current_user)
    addr = request.remote_addr or ""
    return _run(cycle, lambda: publish_cycle(cycle, current_user, client_addr=addr),
                lambda done: gettext("%(count)d results published (公示).", count=len(done)))


@bp.post("/admin/cycles/<int:cycle_id>/grading/finalize")
@login_required
def finalize(cycle_id):
    cycle = get_managed_cycle(cycle_id, current_user)
    return _run(cycle, lambda: finalize_cycle(cycle, current_user), lambda r: gettext(
        "%(done)d results filed as final; %(waiting)d wait for an objection to be resolved.",
        done=r[0], waiting=r[1]))


@bp.post("/admin/assessments/<int:assessment_id>/override")
@login_required
def override(assessment_id):
    a = db.session.get(Assessment, assessment_id)
    if a is None:
        raise NotFound()
    cycle = get_managed_cycle(a.cycle_id, current_user)
    form = _form(cycle, a.id, formdata=request.form)
    if not form.validate():
        return _render(cycle, (a.id, form, gettext("Please check the marked fields.")), 422)
    version = form.version.data
    try:
        override_grade(a, current_user, grade=form.grade.data, reason=form.reason.data,
                       version=to_version(version),
                       client_addr=request.remote_addr or "")
    except Invalid as exc:
        return _refused(cycle, a, form, exc, _field_errors(form, exc))
    except Conflict as exc:
        return _refused(cycle, a, form, exc, str(exc.message))
    db.session.commit()
    flash(gettext("%(name)s: grade changed to %(grade)s.", name=a.cadre.display_name,
                  grade=form.grade.data), "success")
    return redirect(url_for(".page", cycle_id=cycle.id, _anchor=f"row-{a.id}"), 303)


def _field_errors(form, exc):
    for name, code in exc.fields.items():
        if name in ("grade", "reason"):
            message = exc.message if code == "vetoed" else field_message(code)
            form[name].errors = [*form[name].errors, message]
    return str(exc.message)


def _refused(cycle, a, form, exc, message):
    db.session.rollback()
    return _render(db.session.get(Cycle, cycle.id), (a.id, form, message), exc.status)

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
from workflow_app.confirmation import IRREVERSIBLE
from workflow_app.cycles import confirmations
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.progress import (
    DONE_FOR_PUBLISH,
    blocking_items,
    display_status,
    final_states,
    is_preview,
    not_done,
    ordered_counts,
    state_counts,
)
from workflow_app.cycles.services import get_managed_cycle
from workflow_app.cycles.views import confirm_then_run, preview_note, run_and_report
from workflow_app.errors import Conflict, Invalid, NotFound
from workflow_app.extensions import db
from workflow_app.messages import field_message
from workflow_app.scoring.disputes import finalize_cycle
from workflow_app.scoring.grading import merged_config
from workflow_app.scoring.monthly import monthly_figures
from workflow_app.scoring.override import override_grade
from workflow_app.scoring.quotas import unit_quotas
from workflow_app.scoring.results import (
    by_category,
    distribution,
    flag_hint,
    flag_label,
    result_rows,
)
from workflow_app.scoring.services import grade_cycle, publish_cycle
from workflow_app.security.inputs import to_version

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




def _legend(rows):
    """[(flag code, label, explanation)] of the flags shown on the page, in a stable order."""
    seen = dict.fromkeys(f.split(":", 1)[0] for r in rows for f in r.flags)
    return [(f, flag_label(f), flag_hint(f)) for f in sorted(seen) if flag_hint(f)]


def _blockers(cycle, counts):
    """What stands between the cycle and its next step (publish, then archive)."""
    done = final_states(cycle) if cycle.status == "published" else DONE_FOR_PUBLISH
    waiting = not_done(counts, done)
    return waiting, blocking_items(cycle, list(waiting)) if waiting else []


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
    counts = state_counts(cycle)
    waiting, blockers = _blockers(cycle, counts)
    ends = as_utc(cycle.publication_ends_at)
    context = {
        "status": display_status(cycle, counts), "waiting": waiting, "blockers": blockers,
        "preview": is_preview(counts) and cycle.graded_at is not None,
        "cycle": cycle, "rows": rows, "lists": by_category(rows), "forms": forms,
        "row_message": row_message, "dist": distribution(cycle, rows), "counts": counts,
        "state_counts": ordered_counts(cycle, counts), "flag_label": flag_label,
        "flag_hint": flag_hint, "legend": _legend(rows), "quotas": unit_quotas(cycle),
        "tie_hint": TIE_HINT,
        "state_label": state_label, "open_objections": _open_objections(cycle),
        "ties": sum(1 for r in rows if "tie_at_quota_boundary" in r.flags),
        "can_grade": counts.get("approved", 0) > 0,
        "can_publish": any(r.state == "approved" for r in rows) and not is_preview(counts),
        "can_finalize": bool(ends and utcnow() >= ends and counts.get("published")),
        "publication_running": bool(ends and utcnow() < ends),
        "monthly": monthly_figures(cycle, rows),
    }
    return render_template("scoring/grading.html", **context), status


@bp.get("/admin/cycles/<int:cycle_id>/grading")
@login_required
def page(cycle_id):
    return _render(get_managed_cycle(cycle_id, current_user))


def _run(cycle, action, done, confirm=None):
    """Run a cycle-level service, commit once, and come back to the page with a message.

    `confirm` = (title, effects(cycle)[, warning]): asked first (it touches many people)."""
    back = url_for(".page", cycle_id=cycle.id)
    return confirm_then_run(cycle, confirm, back) or run_and_report(action, done, back=back)


@bp.post("/admin/cycles/<int:cycle_id>/grading/run")
@login_required
def run(cycle_id):
    cycle = get_managed_cycle(cycle_id, current_user)
    return _run(cycle, lambda: grade_cycle(cycle, current_user), lambda s: gettext(
        "Grading done: %(graded)d graded, %(ungraded)d without a score. %(grades)s",
        graded=s["graded"], ungraded=s["ungraded"],
        grades="、".join(f"{g} {n}" for g, n in s["grades"].items())) + preview_note(s),
        confirm=(_l("Run grading"), confirmations.grading))


@bp.post("/admin/cycles/<int:cycle_id>/grading/publish")
@login_required
def publish(cycle_id):
    cycle = get_managed_cycle(cycle_id, current_user)
    addr = request.remote_addr or ""
    return _run(cycle, lambda: publish_cycle(cycle, current_user, client_addr=addr),
                lambda done: _published_message(cycle, len(done)),
                confirm=(_l("Publish the results (公示)"), confirmations.publishing,
                         IRREVERSIBLE))


def _published_message(cycle, count):
    if cycle.without_publicity:
        return gettext("%(count)d results filed as final (备案); this month has no publication "
                       "(公示).", count=count)
    return gettext("%(count)d results published (公示).", count=count)


@bp.post("/admin/cycles/<int:cycle_id>/grading/finalize")
@login_required
def finalize(cycle_id):
    cycle = get_managed_cycle(cycle_id, current_user)
    return _run(cycle, lambda: finalize_cycle(cycle, current_user), lambda r: gettext(
        "%(done)d results filed as final; %(waiting)d wait for an objection to be resolved.",
        done=r[0], waiting=r[1]),
        confirm=(_l("File the results as final (备案)"), confirmations.filing, IRREVERSIBLE))


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

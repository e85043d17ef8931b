"""Web pages for 360-degree ratings: my rating tasks, the rating form, the rater list.

Each request commits at most once; a refused change rolls back and shows the page
again with the reason.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.scoring import (
    GROUP_LABELS,
    AddRaterForm,
    ConfirmForm,
    DeadlineForm,
    RaterForm,
    RatingForm,
)
from workflow_app.assessments.services import get_assessment
from workflow_app.errors import DomainError, Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.people.models import User
from workflow_app.people.search import clean_query, find_people_or_unit
from workflow_app.scoring.ratings import (
    add_rater,
    assign_raters,
    assignments,
    can_manage_raters,
    closed_reason,
    get_rating_task,
    my_tasks,
    open_for_rating,
    remove_rater,
    submit_rating,
    suggest_raters,
)
from workflow_app.scoring.ratings_deadline import day_label, deadline_of, last_day
from workflow_app.scoring.ratings_rounds import close_round, set_round_deadline, summary_body
from workflow_app.scoring.ratings_rules import rating_settings

bp = Blueprint("ratings", __name__)
# The assessment page links the org_admin to the rater list and the survey.
bp.add_app_template_global(can_manage_raters)


@bp.app_template_filter("rater_group_label")
def _group_label(code):
    return GROUP_LABELS.get(code, code)


@bp.app_template_filter("closing_day")
def _closing_day(closes_at):
    """A round's closing moment as its last day: 12月7日."""
    return day_label(closes_at) if closes_at else ""


# --- the rater's side ----------------------------------------------------------------------

@bp.get("/ratings")
@login_required
def task_list():
    return render_template("scoring/tasks.html", rows=my_tasks(current_user))


@bp.get("/ratings/<int:assessment_id>")
@login_required
def rate(assessment_id):
    return _render_rate(get_rating_task(assessment_id, current_user), RatingForm())


def _render_rate(assignment, form, status=200):
    a = assignment.assessment
    return render_template("scoring/rate.html", task=assignment, form=form,
                           closed=closed_reason(a), closes_at=deadline_of(a)), status


@bp.post("/ratings/<int:assessment_id>")
@login_required
def post_rating(assessment_id):
    assignment = get_rating_task(assessment_id, current_user)
    form = RatingForm()
    try:
        submit_rating(assignment.assessment, current_user, form.scores())
    except DomainError as exc:
        db.session.rollback()
        return _refused(get_rating_task(assessment_id, current_user), form, exc)
    db.session.commit()
    flash(gettext("Thank you: your rating was recorded."), "success")
    return redirect(url_for(".task_list"))


def _refused(assignment, form, exc):
    if isinstance(exc, Invalid):
        form.apply_errors(exc.fields)
        flash(gettext("The rating could not be accepted. Please check the marked fields."),
              "error")
    else:
        flash(str(exc.message), "error")
    return _render_rate(assignment, form, exc.status)


# --- the org_admin's rater list ------------------------------------------------------------

def _managed(assessment_id):
    assessment = get_assessment(assessment_id, current_user)
    if not can_manage_raters(current_user, assessment):
        raise NotAllowed()
    return assessment


def _groups(assessment):
    weights, _minimum = rating_settings(assessment.cycle.grading)
    return list(weights)


@bp.get("/assessments/<int:assessment_id>/raters")
@login_required
def raters(assessment_id):
    assessment = _managed(assessment_id)
    return _render_raters(assessment, AddRaterForm(groups=_groups(assessment)))


def _picked(assessment, taken):
    """The picker's matches for `q` (name, username or unit), minus the cadre and the
    raters already on the list."""
    q = clean_query(request.args.get("q"))
    found = find_people_or_unit(current_user, q)
    return q, [u for u in found if u.id not in taken and u.id != assessment.cadre_id]


def _render_raters(assessment, add_form, status=200, deadline_form=None):
    current = assignments(assessment)
    taken = {a.rater_id for a in current}
    q, picked = _picked(assessment, taken)
    weights, minimum = rating_settings(assessment.cycle.grading)
    return render_template(
        "scoring/raters.html", a=assessment, rows=current, add_form=add_form,
        row_form=RaterForm(), confirm=ConfirmForm(), weights=weights, minimum=minimum,
        suggested=[(u, g) for u, g in suggest_raters(assessment) if u.id not in taken],
        summary=summary_body(assessment, current_user), closes_at=deadline_of(assessment),
        closed=closed_reason(assessment),
        deadline_form=deadline_form or _deadline_form(assessment),
        started=any(a.rating is not None for a in current),
        open=open_for_rating(assessment), q=q, picked=picked), status


@bp.post("/assessments/<int:assessment_id>/raters/add")
@login_required
def add(assessment_id):
    assessment = _managed(assessment_id)
    form = AddRaterForm(groups=_groups(assessment))
    username = (form.username.data or "").strip()
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    return _change(assessment, form, lambda: add_rater(assessment, current_user, user,
                                                        form.group.data))


@bp.post("/assessments/<int:assessment_id>/raters/remove")
@login_required
def remove(assessment_id):
    assessment = _managed(assessment_id)
    rater_id = RaterForm().rater()
    return _change(assessment, AddRaterForm(groups=_groups(assessment), formdata=None),
                   lambda: remove_rater(assessment, current_user, rater_id))


@bp.post("/assessments/<int:assessment_id>/raters/suggested")
@login_required
def add_suggested(assessment_id):
    assessment = _managed(assessment_id)
    entries = [(a.rater, a.rater_group) for a in assignments(assessment)]
    taken = {u.id for u, _g in entries}
    entries += [(u, g) for u, g in suggest_raters(assessment) if u.id not in taken]
    return _change(assessment, AddRaterForm(groups=_groups(assessment), formdata=None),
                   lambda: assign_raters(assessment, current_user, entries))


@bp.post("/assessments/<int:assessment_id>/raters/close")
@login_required
def close(assessment_id):
    assessment = _managed(assessment_id)
    return _change(assessment, AddRaterForm(groups=_groups(assessment), formdata=None),
                   lambda: close_round(assessment, current_user),
                   gettext("The rating round is closed."))


def _deadline_form(assessment):
    closes = deadline_of(assessment)
    return DeadlineForm(formdata=None, closes_on=last_day(closes).isoformat() if closes else "")


@bp.post("/assessments/<int:assessment_id>/raters/deadline")
@login_required
def deadline(assessment_id):
    assessment = _managed(assessment_id)
    form = DeadlineForm()
    return _change(assessment, AddRaterForm(groups=_groups(assessment), formdata=None),
                   lambda: set_round_deadline(assessment, current_user, form.closes_on.data),
                   gettext("The closing date was saved."), deadline_form=form)


def _change(assessment, form, action, done=None, deadline_form=None):
    """Run one change to the rater list; on refusal show the page with the reason."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        target = deadline_form or form
        if isinstance(exc, Invalid):
            target.apply_errors({"username" if k == "rater" else k: v
                                 for k, v in exc.fields.items()})
        flash(str(exc.message), "error")
        return _render_raters(get_assessment(assessment.id, current_user), form, exc.status,
                              deadline_form)
    db.session.commit()
    flash(done or gettext("The rater list was saved."), "success")
    return redirect(url_for(".raters", assessment_id=assessment.id))

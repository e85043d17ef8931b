"""Web pages for satisfaction surveys.

The public page /s/<token> needs no login and is made for a phone; CSRF still
applies (the session cookie carries only the CSRF secret). A used, unknown or
closed link gets a plain page saying so, never an error dump. The staff page per
assessment creates the survey, issues links (printable QR codes, SMS texts) and
records phone spot checks. Nothing on the staff side says which link was used
(the printed sheet and the SMS texts list every link issued).
"""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from forms.scoring import ConfirmForm
from forms.surveys import CHOICE_LABELS, IssueTokensForm, SpotCheckForm, SurveyAnswerForm
from workflow_app.assessments.services import get_assessment
from workflow_app.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.links import handout_problem, public_url
from workflow_app.security.inputs import to_int
from workflow_app.surveys.listing import survey_cycles, surveys_in_scope
from workflow_app.surveys.qr import qr_svg
from workflow_app.surveys.services import (
    BATCH,
    all_tokens,
    answer_survey,
    can_manage_survey,
    check_usable,
    close_survey,
    create_survey,
    issue_tokens,
    record_spot_check,
    results_for,
    survey_comments,
    survey_for,
)

bp = Blueprint("surveys", __name__)


@bp.app_template_filter("choice_label")
def _choice_label(code):
    return CHOICE_LABELS.get(code, code)


def survey_url(token):
    """The one-time link as residents open it: PUBLIC_BASE_URL, never the request's host."""
    return public_url("surveys.answer", token=token)


def sms_text(assessment, token):
    return gettext("[Kaohe] Please rate the work of %(name)s (%(unit)s). This link works "
                   "once: %(url)s", name=assessment.cadre.display_name,
                   unit=assessment.org_unit.name, url=survey_url(token))


# --- public --------------------------------------------------------------------------------

@bp.get("/s/<token>")
def answer(token):
    try:
        survey = check_usable(token)
    except (NotFound, Conflict, WrongState) as exc:
        return _message(exc)
    return _render_answer(survey, token, SurveyAnswerForm())


def _render_answer(survey, token, form, status=200):
    return render_template("surveys/answer.html", a=survey.assessment, token=token,
                           form=form), status


@bp.post("/s/<token>")
def post_answer(token):
    form = SurveyAnswerForm()
    try:
        answer_survey(token, form.answers())
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _render_answer(check_usable(token), token, form, exc.status)
    except DomainError as exc:
        return _message(exc)
    db.session.commit()
    return redirect(url_for(".thanks"))


@bp.get("/s/thanks")
def thanks():
    return render_template("surveys/message.html", title=gettext("Thank you"),
                           message=gettext("Your answer was recorded anonymously. "
                                           "Thank you for taking part.")), 200


def _message(exc):
    db.session.rollback()
    titles = {"token_used": gettext("Link already used"),
              "survey_closed": gettext("Survey ended")}
    status = {"token_used": 410, "survey_closed": 410}.get(exc.code, exc.status)
    return render_template("surveys/message.html", message=exc.message,
                           title=titles.get(exc.code, gettext("Link not valid"))), status


# --- staff ---------------------------------------------------------------------------------

@bp.get("/surveys")
@login_required
def survey_list():
    """Every survey in the org_admin's scope (menu: 满意度测评), counts only."""
    cycle_id = to_int(request.args.get("cycle"))
    page = to_int(request.args.get("page"), 1, 10**6) or 1
    rows, more = surveys_in_scope(current_user, cycle_id, page)
    return render_template("surveys/list.html", rows=rows, more=more, page=page,
                           cycles=survey_cycles(current_user), cycle_id=cycle_id,
                           batch_size=BATCH)


def _managed(assessment_id):
    assessment = get_assessment(assessment_id, current_user)
    if not can_manage_survey(current_user, assessment):
        raise NotAllowed()
    return assessment


@bp.get("/assessments/<int:assessment_id>/survey")
@login_required
def admin(assessment_id):
    return _render_admin(_managed(assessment_id))


def _render_admin(assessment, issue=None, check=None, status=200):
    survey, summary = results_for(assessment)
    comments = survey_comments(survey, current_user) if survey is not None else []
    return render_template("surveys/admin.html", a=assessment, survey=survey, summary=summary,
                           comments=comments, link_problem=handout_problem(),
                           confirm=ConfirmForm(), issue=issue or IssueTokensForm(formdata=None),
                           check=check or SpotCheckForm(formdata=None)), status


@bp.post("/assessments/<int:assessment_id>/survey")
@login_required
def create(assessment_id):
    assessment = _managed(assessment_id)
    return _change(assessment, lambda: create_survey(assessment, current_user),
                   gettext("The survey is ready: issue links below."))


@bp.post("/assessments/<int:assessment_id>/survey/tokens")
@login_required
def tokens(assessment_id):
    assessment = _managed(assessment_id)
    form = IssueTokensForm()
    return _change(assessment, lambda: issue_tokens(_survey(assessment), current_user,
                                                    form.number(), form.channel.data),
                   gettext("The links were issued."), issue=form)


@bp.post("/assessments/<int:assessment_id>/survey/spot-checks")
@login_required
def spot_check(assessment_id):
    assessment = _managed(assessment_id)
    form = SpotCheckForm()
    return _change(assessment, lambda: record_spot_check(_survey(assessment), current_user,
                                                         form.counts(), form.note.data),
                   gettext("The spot check was recorded."), check=form)


@bp.post("/assessments/<int:assessment_id>/survey/close")
@login_required
def close(assessment_id):
    assessment = _managed(assessment_id)
    return _change(assessment, lambda: close_survey(_survey(assessment), current_user),
                   gettext("The survey is closed: its full result is shown below."))


def _survey(assessment):
    survey = survey_for(assessment)
    if survey is None:
        raise NotFound()
    return survey


def _change(assessment, action, done, **forms):
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        for form in forms.values():
            if isinstance(exc, Invalid):
                form.apply_errors(exc.fields)
        flash(str(exc.message), "error")
        return _render_admin(get_assessment(assessment.id, current_user), status=exc.status,
                             **forms)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".admin", assessment_id=assessment.id))


@bp.get("/assessments/<int:assessment_id>/survey/print")
@login_required
def print_codes(assessment_id):
    assessment = _managed(assessment_id)
    survey, problem = _survey(assessment), handout_problem()
    if problem is not None:  # no code on paper that phones could not open
        return render_template("surveys/print.html", a=assessment, rows=[],
                               problem=problem.message), problem.status
    links = [(t.token, survey_url(t.token)) for t in all_tokens(survey, "qr")]
    rows = [(token, url, qr_svg(url)) for token, url in links]
    return render_template("surveys/print.html", a=assessment, rows=rows)


@bp.get("/assessments/<int:assessment_id>/survey/sms.txt")
@login_required
def sms_texts(assessment_id):
    assessment = _managed(assessment_id)
    survey, problem = _survey(assessment), handout_problem()
    if problem is not None:
        return Response(f"{problem.message}\n", status=problem.status, mimetype="text/plain")
    lines = [sms_text(assessment, t.token) for t in all_tokens(survey, "sms")]
    return Response("\n".join(lines) + ("\n" if lines else ""), mimetype="text/plain")


def register_views(app):
    """Issue 5's pages: the 360-degree ratings (scoring) and the satisfaction surveys."""
    from workflow_app.scoring.ratings_views import bp as ratings_bp

    app.register_blueprint(ratings_bp)
    app.register_blueprint(bp)

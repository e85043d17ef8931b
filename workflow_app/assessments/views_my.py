"""The cadre's page: the quarterly self-report (实绩报告), its autosave and its evidence."""

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.assessments import SelfReportForm, message
from workflow_app import limits
from workflow_app.assessments import attachments
from workflow_app.assessments.context import changes_since_sent_back, last_send_back
from workflow_app.assessments.deadlines import due_of, is_overdue, open_first
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import can_manage_attachments
from workflow_app.assessments.report import missing_fields
from workflow_app.assessments.services import current_report, fire_event, reports, save_report
from workflow_app.assessments.views import bp, client_addr
from workflow_app.clock import utcnow
from workflow_app.cycles.actuals import actuals_of, without_imported
from workflow_app.cycles.indicators import prefilled_indicators
from workflow_app.cycles.models import Cycle
from workflow_app.errors import DomainError, Invalid, NotFound, StaleVersion
from workflow_app.extensions import db
from workflow_app.security.inputs import larger_body


def _my_assessments():
    """The ones still to fill in first, earliest deadline first; then the rest, newest first."""
    return open_first(db.session.scalars(
        select(Assessment).join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Assessment.cadre_id == current_user.id)
        .order_by(Cycle.opens_at.desc(), Assessment.id.desc())).all())


def _pick(mine, wanted):
    """The assessment to show: ?assessment=<id>, else the first one still drafting."""
    for a in mine:
        if str(a.id) == str(wanted or ""):
            return a
    if wanted:
        raise NotFound()
    return next((a for a in mine if a.state == "drafting"), mine[0] if mine else None)


def _fresh_form(chosen):
    report = current_report(chosen)
    # A report never saved starts with the indicators of the cycle's sheet for the unit
    # (a month's short self-evaluation has no indicator rows); those a source office
    # imported (数据同源) are shown read-only, not asked for.
    content = report.content or ({} if chosen.cycle.kind == "monthly"
                                 else {"indicators": prefilled_indicators(chosen)})
    if content.get("indicators"):
        content = {**content, "indicators": without_imported(chosen.id, content["indicators"])}
    return SelfReportForm(formdata=None, assessment=chosen, content=content,
                          draft_version=report.draft_version)


@bp.get("/my")
@login_required
def my():
    mine = _my_assessments()
    chosen = _pick(mine, request.args.get("assessment"))
    form = _fresh_form(chosen) if chosen is not None and chosen.state == "drafting" else None
    return _render_my(mine, chosen, form)


def _render_my(mine, chosen, form, status=200):
    if form is not None and chosen is not None:
        form.for_cycle(chosen.cycle)
    context = {"mine": mine, "chosen": chosen, "form": form, "report": None,
               "dues": {a.id: due_of(a) for a in mine}}
    if chosen is not None:
        report = current_report(chosen)
        context.update(
            report=report, due=due_of(chosen), overdue=is_overdue(chosen, utcnow()),
            sent_back=last_send_back(chosen) if chosen.state == "drafting" else None,
            changes=changes_since_sent_back(reports(chosen), report),
            attachments=attachments.current(chosen), actuals=actuals_of(chosen.id),
            can_attach=can_manage_attachments(current_user, chosen))
    return render_template("assessments/my.html", **context), status


@bp.post("/my")
@larger_body(limits.REPORT_FORM_BODY)
@login_required
def save_my():
    form = SelfReportForm()
    mine = _my_assessments()
    chosen = _pick(mine, form.assessment_id.data or "0")
    action = request.form.get("action", "save")
    if action.startswith("remove_row:") or action == "add_row":
        # Without script the rows are added and removed by the server; nothing is saved yet.
        form.change_rows(action)
        return _render_my(mine, chosen, form)
    form.drop_empty_rows()
    content = form.content()
    try:
        save_report(chosen, current_user, content, draft_version=form.expected_draft())
    except Invalid as exc:
        fields = ({**_still_missing(content, chosen.cycle.kind), **exc.fields}
                  if action == "submit" else exc.fields)
        return _my_failed(Invalid(fields=fields), form, chosen.id)
    except DomainError as exc:
        return _my_failed(exc, form, chosen.id)
    if action == "upload":
        return _upload(chosen, form, mine)
    if action != "submit":
        db.session.commit()
        flash(gettext("Draft saved."), "success")
        return redirect(url_for(".my", assessment=chosen.id))
    return _submit(chosen, form, content)


def _upload(chosen, form, mine):
    """The draft is saved whatever happens to the file; the file in its own savepoint."""
    upload = request.files.get("evidence")
    try:
        with db.session.begin_nested():
            data = upload.read(attachments.max_bytes() + 1) if upload else None
            item = attachments.add(chosen, current_user, upload.filename if upload else "",
                                   data)
    except Invalid as exc:
        db.session.commit()
        form.evidence.errors = [exc.message]
        form.draft_version.data = current_report(chosen).draft_version
        flash(gettext("Your draft was saved, but the file was not accepted."), "error")
        return _render_my(mine, chosen, form, exc.status)
    db.session.commit()
    flash(gettext("File added: %(name)s.", name=item.filename), "success")
    return redirect(url_for(".my", assessment=chosen.id, _anchor="evidence-files"))


def _still_missing(content, kind):
    """Required fields left empty: shown together with format errors on a refused submit."""
    scores = {d: v for d, v in content["self_scores"].items() if v}
    return missing_fields({**content, "self_scores": scores}, kind)


def _submit(chosen, form, content):
    try:
        fire_event(chosen, "submit", current_user, client_addr=client_addr())
    except DomainError as exc:
        saved = _keep_draft(chosen.id, content)
        if saved:
            flash(gettext("Your draft was saved, but the report was not submitted yet."), "info")
        return _my_failed(exc, form, chosen.id, rolled_back=True, saved=saved)
    db.session.commit()
    flash(gettext("Report submitted for review."), "success")
    return redirect(url_for(".my", assessment=chosen.id))


def _keep_draft(assessment_id, content):
    """After a refused submit: save what was typed anyway, in a clean transaction."""
    db.session.rollback()
    try:
        save_report(db.session.get(Assessment, assessment_id), current_user, content)
    except DomainError:
        db.session.rollback()
        return False
    db.session.commit()
    return True


def _my_failed(exc, form, assessment_id, rolled_back=False, saved=False):
    if not rolled_back:
        db.session.rollback()
    if isinstance(exc, Invalid):
        form.apply_errors(exc.fields)
        flash(gettext("The report could not be accepted. Please check the marked fields."), "error")
    else:
        flash(str(exc.message), "error")
    mine = _my_assessments()
    chosen = _pick(mine, assessment_id)
    if (saved or isinstance(exc, StaleVersion)) and chosen.state == "drafting":
        # Saved: the form goes on from the version just written (else the next save would
        # look like another tab's). Stale: the typed text stays in the form; saving again
        # knowingly replaces the other version.
        form.draft_version.data = current_report(chosen).draft_version
    return _render_my(mine, chosen, form if chosen.state == "drafting" else None, exc.status)


@bp.post("/my/autosave")
@login_required
def autosave():
    """The page's script saves the draft every little while; JSON in the answer."""
    form = SelfReportForm()
    chosen = _pick(_my_assessments(), form.assessment_id.data or "0")
    form.drop_empty_rows()
    try:
        report = save_report(chosen, current_user, form.content(),
                             draft_version=form.expected_draft())
    except DomainError as exc:
        db.session.rollback()
        return _autosave_refused(exc, chosen)
    db.session.commit()
    return jsonify({"draft_version": report.draft_version,
                    "message": gettext("Draft saved automatically.")})


def _autosave_refused(exc, chosen):
    body = {"error": exc.code, "message": str(exc.message)}
    if isinstance(exc, Invalid):
        body["message"] = gettext("Not saved: please check the marked fields.")
        body["fields"] = {name: str(message(code)) for name, code in exc.fields.items()}
    if isinstance(exc, StaleVersion) and chosen.state == "drafting":
        body["draft_version"] = current_report(chosen).draft_version
    return jsonify(body), exc.status

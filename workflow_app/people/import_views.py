"""The upload page for people imports, and the progress / report page of one import."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from forms.people import ROLE_LABELS, ImportForm
from workflow_app.errors import Conflict, Invalid, NotAllowed
from workflow_app.exports.download import download, file_name
from workflow_app.exports.spreadsheet import csv_text
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.people import import_jobs
from workflow_app.people.calendar import can_edit_calendar

bp = Blueprint("people_import", __name__)
FIELD_MESSAGES.update({
    "wrong_type": _l("Please choose a CSV (UTF-8) or XLSX file."),
    "too_large": _l("The file is too large (at most 20 MB)."),
})
NEW_UNITS_NOT_ALLOWED = _l("This file creates new units: tick “Allow new units” after checking "
                           "them for typos, or correct the file and upload it again.")


def can_import_people(user):
    """An import may create units anywhere in the tree: admins of a top-level unit only."""
    return can_edit_calendar(user)


def _require():
    if not can_import_people(current_user):
        raise NotAllowed()


@bp.route("/admin/people/import", methods=["GET", "POST"])
@login_required
def new():
    _require()
    form = ImportForm()
    if request.method == "GET":
        return render_template("people/import.html", form=form)
    upload = request.files.get("file")
    try:
        job_id = import_jobs.start(current_user, upload.filename if upload else "",
                                   upload.read() if upload else b"")
    except Invalid as exc:
        form.apply_errors(exc.fields)
        return render_template("people/import.html", form=form), 422
    return redirect(url_for(".show", job_id=job_id), 303)


@bp.get("/admin/people/import/<job_id>")
@login_required
def show(job_id):
    _require()
    return _show(job_id)


def _show(job_id, message="", status=200):
    job = import_jobs.state(job_id)
    return render_template("people/import_job.html", job=job, job_id=job_id, message=message,
                           role_labels=ROLE_LABELS,
                           running=job["status"] in ("queued", "running")), status


@bp.post("/admin/people/import/<job_id>/confirm")
@login_required
def confirm(job_id):
    """确认导入: apply exactly the file that was previewed (same SHA-256)."""
    _require()
    try:
        import_jobs.confirm(current_user, job_id, request.form.get("sha256", ""),
                            request.form.get("allow_new_units") == "yes")
    except Invalid:
        return _show(job_id, str(NEW_UNITS_NOT_ALLOWED), 422)
    except Conflict as exc:
        return _show(job_id, str(exc.message), exc.status)
    return redirect(url_for(".show", job_id=job_id), 303)


@bp.get("/admin/people/import/<job_id>/report.csv")
@login_required
def report(job_id):
    """The per-row problems as a spreadsheet, to fix the file in Excel."""
    _require()
    rows = [["问题"], *([line] for line in import_jobs.state(job_id)["report"])]
    return download(csv_text(rows), file_name(gettext("Import problems"), job_id, ext="csv"))


@bp.post("/admin/people/import/<job_id>/forget")
@login_required
def forget(job_id):
    """Remove the import's record (it may list generated initial passwords)."""
    _require()
    import_jobs.forget(job_id)
    flash(gettext("The import record was removed."), "success")
    return redirect(url_for(".new"), 303)

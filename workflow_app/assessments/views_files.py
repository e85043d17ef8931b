"""Evidence files: served only to people who may see the assessment's details.

Uploading happens with the report form (views_my); here a file is downloaded or
withdrawn. Downloads are always attachments with `nosniff`, so a file can never be
shown as a page of this site.
"""

from flask import current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from workflow_app.assessments import attachments
from workflow_app.assessments.permissions import sees_details
from workflow_app.assessments.services import get_assessment
from workflow_app.assessments.views import bp
from workflow_app.errors import NotAllowed
from workflow_app.extensions import db
from workflow_app.web_errors import MESSAGES

# The whole request may carry one file plus the report's text.
REQUEST_SLACK = 2 * 1024 * 1024


@bp.record_once
def _limit_request_size(state):
    """A request body limit unless the deployment set one (refused before it is read)."""
    if state.app.config.get("MAX_CONTENT_LENGTH") is None:
        state.app.config["MAX_CONTENT_LENGTH"] = attachments.MAX_BYTES + REQUEST_SLACK


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    db.session.rollback()
    # A file or a text over the limit: the form cannot tell which before reading it.
    return render_template("errors/error.html", status=413, message=MESSAGES[413]), 413


@bp.get("/assessments/<int:assessment_id>/files/<int:attachment_id>")
@login_required
def download(assessment_id, attachment_id):
    a = get_assessment(assessment_id, current_user)
    if not sees_details(current_user, a):
        raise NotAllowed()
    item = attachments.get(a, attachment_id, include_removed=True)
    response = send_file(attachments.path_of(item), mimetype=item.content_type,
                         as_attachment=True, download_name=item.filename,
                         max_age=0, etag=item.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/assessments/<int:assessment_id>/files/<int:attachment_id>/withdraw")
@login_required
def withdraw(assessment_id, attachment_id):
    a = get_assessment(assessment_id, current_user)
    item = attachments.remove(a, current_user, attachment_id)
    db.session.commit()
    flash(gettext("File withdrawn: %(name)s.", name=item.filename), "success")
    return redirect(url_for(".my", assessment=a.id, _anchor="evidence-files"), 303)


@bp.context_processor
def _upload_settings():
    return {"upload_max_bytes": attachments.max_bytes(),
            "autosave_delay_ms": int(current_app.config.get("AUTOSAVE_DELAY_MS") or 3000)}

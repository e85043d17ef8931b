"""The auditor's pages (纪委/审计; org_admins may read them too): a home with what they
oversee, the audit log with filters and before/after, its XLSX export, and the chain
verification."""

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from workflow_app.assessments.labels import STATE_LABELS
from workflow_app.audit import present, queries
from workflow_app.audit.export import log_xlsx
from workflow_app.audit.overview import overview
from workflow_app.audit.verification import break_label, run_verification
from workflow_app.errors import NotAllowed
from workflow_app.exports.download import download, file_name
from workflow_app.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _reader():
    if not queries.can_read_log(current_user):
        raise NotAllowed()
    return current_user


@bp.get("/")
@login_required
def home():
    user = _reader()
    return render_template("audit/home.html", state_order=list(STATE_LABELS), **overview(user))


@bp.get("/log")
@login_required
def log():
    user = _reader()
    flt = queries.LogFilter.from_args(request.args)
    rows, total = queries.log_page(user, flt)
    return render_template(
        "audit/log.html", flt=flt, rows=rows, total=total, page_size=queries.PAGE_SIZE,
        subjects=present.describe_subjects([r.entry for r in rows]),
        names=present.names_for([r.entry for r in rows]),
        actions=queries.actions_present(user), units=queries.units_for_filter(user),
        cycles=queries.cycles_in_scope(user), present=present)


@bp.get("/log.xlsx")
@login_required
def export():
    user = _reader()
    flt = queries.LogFilter.from_args(request.args)
    rows, total = queries.log_export(user, flt)
    body = log_xlsx(rows, present.describe_subjects([r.entry for r in rows]), total)
    return download(body, file_name(gettext("Audit log"), ext="xlsx"))


@bp.post("/verify")
@login_required
def verify():
    """Runs the verification and shows the result; the only write is its own log entry."""
    result = run_verification(_reader())
    db.session.commit()
    if result.intact:
        flash(gettext("The audit log is intact: %(entries)s entries in %(chains)s chains "
                      "checked.", entries=result.entries, chains=result.chains), "success")
    else:
        flash(gettext("The audit log has been tampered with: see the breaks below."), "error")
    return render_template("audit/verified.html", result=result, break_label=break_label,
                           present_subject_label=present.subject_label,
                           subjects=present.describe_subjects(result.breaks),
                           log_url=_subject_log_url)


def _subject_log_url(kind, ident):
    return url_for("audit.log", subject_type=kind, subject_id=ident)

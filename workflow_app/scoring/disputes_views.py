"""Web pages for objections: raise a dispute or an appeal with evidence files, the
organisation department's list per cycle with its decisions, and the evidence files.

A refused form comes back with what was typed (files must be chosen again: browsers
never refill a file input). Who may raise or resolve is the workflow's decision
(fire_event), the same as through the API.
"""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import HiddenField, TextAreaField

from forms.assessments import ACCEPT
from workflow_app.assessments import attachments, labels
from workflow_app.assessments.models import Objection
from workflow_app.assessments.permissions import can_fire
from workflow_app.assessments.services import get_assessment
from workflow_app.assessments.views import objection_windows
from workflow_app.cycles.models import Cycle
from workflow_app.errors import Conflict, Invalid, NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.messages import field_message
from workflow_app.scoring.disputes import (
    MAX_EVIDENCE,
    RAISE_EVENTS,
    RESOLVE_EVENTS,
    cycle_objections,
    evidence_file,
    evidence_of,
    raise_objection,
    resolve_objection,
)
from workflow_app.scoring.disputes_privacy import visible_history
from workflow_app.security.inputs import to_version

bp = Blueprint("disputes", __name__)


@bp.app_template_filter("visible_history")
def _visible_history(entries, assessment):
    """The assessment page's history without objectors the reader may not know."""
    return visible_history(entries, current_user, assessment)

INTRO = {
    "dispute": _l("You may object to this published result until the publication period "
                  "ends. State your reason; add documents or photos that support it."),
    "appeal": _l("You may ask for a review of your final result within the appeal period. "
                 "State your reason; add documents that support it."),
}


class ObjectionForm(FlaskForm):
    class Meta:
        csrf = False  # the page carries the app-wide token (CSRFProtect checks every POST)

    reason = TextAreaField(_l("Reason"), render_kw={"rows": 6, "maxlength": 2000})
    evidence = MultipleFileField(_l("Evidence files"), description=_l(
        "Optional, at most 5 files: PDF, images or office files, at most 10 MB each."),
        render_kw={"accept": ACCEPT, "multiple": True})
    version = HiddenField()


class ResolveForm(FlaskForm):
    class Meta:
        csrf = False

    reason = TextAreaField(_l("Reason"), render_kw={"rows": 2, "maxlength": 2000})
    version = HiddenField()


def _version(form):
    return to_version(str(form.version.data or ""))


def _apply(form, exc):
    for name, code in exc.fields.items():
        target = form.evidence if name in ("file", "files") else form._fields.get(name)
        if target is not None:
            text = exc.message if name in ("file", "files") else field_message(code)
            target.errors = [*target.errors, text]


# --- raising ---------------------------------------------------------------------------------

def _raise_page(a, event, form, status=200, message=None):
    return render_template("scoring/disputes_raise.html", a=a, event=event, form=form,
                           intro=INTRO[event], message=message, max_files=MAX_EVIDENCE,
                           back=_back(a)), status


def _back(a):
    """A colleague came from the 公示 page (the assessment page shows them little); the
    cadre from their own result."""
    if current_user.id != a.cadre_id:
        return url_for("results.publication", cycle_id=a.cycle_id)
    return url_for("assessments.detail", assessment_id=a.id)


@bp.route("/assessments/<int:assessment_id>/objections/<event>", methods=["GET", "POST"])
@login_required
def raise_form(assessment_id, event):
    if event not in RAISE_EVENTS:
        raise NotFound()
    a = get_assessment(assessment_id, current_user)
    if request.method == "GET":
        if not can_fire(current_user, a, event):
            raise NotAllowed()
        form = ObjectionForm(formdata=None, version=a.version)
        closed = objection_windows(a, [event])[event]["closed"]
        if closed:  # said before the form is filled in, not after
            return _raise_page(a, event, None, 409, closed)
        return _raise_page(a, event, form)
    form = ObjectionForm()
    files = [(f.filename or "", f.read()) for f in request.files.getlist("evidence")]
    try:
        raise_objection(a, current_user, event, reason=form.reason.data, files=files,
                        version=_version(form), client_addr=request.remote_addr or "")
    except Invalid as exc:
        db.session.rollback()
        _apply(form, exc)
        a = get_assessment(assessment_id, current_user)
        return _raise_page(a, event, form, exc.status,
                           gettext("Your objection was not sent. Please check the marked "
                                   "fields."))
    except Conflict as exc:
        db.session.rollback()
        a = get_assessment(assessment_id, current_user)
        return _raise_page(a, event, form, exc.status, str(exc.message))
    db.session.commit()
    flash(gettext("Your objection was sent to the organisation department."), "success")
    return redirect(_back(a), 303)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    """The whole request is limited (views_files): say so in the reader's language."""
    db.session.rollback()
    limit = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    size = f"{limit // 1048576} MB" if limit >= 1048576 else f"{max(limit // 1024, 1)} KB"
    message = gettext("The files are too large together: at most %(size)s in one "
                      "objection. Please send fewer or smaller files.", size=size)
    return render_template("errors/error.html", status=413, message=message), 413


# --- the organisation department's list ------------------------------------------------------

def _resolve_form(objection, event, a, formdata=None):
    """A fresh form carries the version the page showed; a posted one only what was sent."""
    data = {"version": a.version} if formdata is None else {}
    return ResolveForm(formdata=formdata, prefix=f"r{objection.id}-{event}", **data)


def _list_page(cycle, posted=None, status=200):
    items = cycle_objections(cycle, current_user)
    files = evidence_of([o.id for o, _a in items])
    forms = {}
    for o, a in items:
        if o.status == "open":
            for event in RESOLVE_EVENTS[o.kind]:
                forms[(o.id, event)] = _resolve_form(o, event, a)
    messages = {}
    if posted is not None:
        key, form, message = posted
        forms[key], messages[key[0]] = form, message
    return render_template("scoring/disputes.html", cycle=cycle, items=items, files=files,
                           forms=forms, messages=messages, resolve_events=RESOLVE_EVENTS,
                           open_count=sum(1 for o, _a in items if o.status == "open"),
                           status_label=STATUS_LABELS), status


STATUS_LABELS = {"open": _l("Awaiting a decision"), "upheld": _l("Upheld: re-review"),
                 "dismissed": _l("Dismissed"), "granted": _l("Granted: re-review"),
                 "denied": _l("Denied")}


def _cycle(cycle_id):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    return cycle


@bp.get("/cycles/<int:cycle_id>/objections")
@login_required
def cycle_list(cycle_id):
    return _list_page(_cycle(cycle_id))


@bp.post("/objections/<int:objection_id>/<event>")
@login_required
def resolve(objection_id, event):
    objection = db.session.get(Objection, objection_id)
    if objection is None or event not in RESOLVE_EVENTS.get(objection.kind, ()):
        raise NotFound()
    a = get_assessment(objection.assessment_id, current_user)
    cycle_id = a.cycle_id
    form = _resolve_form(objection, event, a, formdata=request.form)
    try:
        resolve_objection(a, current_user, event, reason=form.reason.data,
                          version=_version(form), client_addr=request.remote_addr or "")
    except Invalid as exc:
        db.session.rollback()
        _apply(form, exc)
        return _list_page(_cycle(cycle_id), ((objection_id, event), form,
                                             gettext("Please check the marked fields.")),
                          exc.status)
    except Conflict as exc:
        db.session.rollback()
        return _list_page(_cycle(cycle_id), ((objection_id, event), form, str(exc.message)),
                          exc.status)
    db.session.commit()
    flash(gettext("Done: %(event)s.", event=labels.event_label(event)), "success")
    return redirect(url_for(".cycle_list", cycle_id=cycle_id), 303)


# --- evidence files --------------------------------------------------------------------------

@bp.get("/objections/<int:objection_id>/files/<int:attachment_id>")
@login_required
def download(objection_id, attachment_id):
    item = evidence_file(objection_id, attachment_id, current_user)
    response = send_file(attachments.path_of(item), mimetype=item.content_type,
                         as_attachment=True, download_name=item.filename, max_age=0,
                         etag=item.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# The assessment page and the dashboard get their objections and trend from here.
from workflow_app.scoring import panels  # noqa: E402,F401

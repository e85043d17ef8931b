"""Web views: my in-app messages and preferences; the outbox (dead letters) for admins."""

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from forms.notifications import PreferencesForm
from workflow_app.errors import DomainError, NotAllowed
from workflow_app.extensions import db
from workflow_app.notifications import inbox as box
from workflow_app.notifications import outbox as out
from workflow_app.notifications import sms_providers
from workflow_app.notifications.models import CHANNELS, STATUSES
from workflow_app.notifications.preferences import (
    KIND_LABELS,
    preference_rows,
    save_preferences,
)
from workflow_app.security.inputs import to_int
from workflow_app.security.redirects import safe_next

bp = Blueprint("notifications", __name__)
OUTBOX_STATUS_LABELS = {"pending": _l("Pending"), "sent": _l("Sent"), "dead": _l("Dead letters"),
                        "skipped": _l("Skipped (no address or no SMS template)")}
NO_TEMPLATE = re.compile(re.escape(sms_providers.NO_TEMPLATE).replace(r"\{kind\}", r"(\w+)"))


@bp.app_template_filter("outbox_status_label")
def _outbox_status_label(code):
    return OUTBOX_STATUS_LABELS.get(code, code)


@bp.app_template_filter("outbox_error")
def outbox_error(text):
    """The reason a row was not sent, in the reader's language where it is one of ours."""
    match = NO_TEMPLATE.fullmatch(text or "")
    if not match:
        return text
    kind = match.group(1)
    label = KIND_LABELS.get(kind)
    return gettext("No approved SMS template is configured (kind: %(kind)s)",
                   kind=f"{label} / {kind}" if label else kind)


@bp.app_context_processor
def unread_in_nav():
    """The unread count shown in the menu, computed here so templates never query."""
    if not current_user.is_authenticated:
        return {}
    return {"unread_notifications": box.unread_count(current_user)}


def _page():
    return to_int(request.args.get("page"), 1, 10**6) or 1


@bp.get("/notifications")
@login_required
def index():
    unread_only = request.args.get("unread") == "1"
    notes, more = box.inbox(current_user, _page(), unread_only)
    return render_template("notifications/index.html", notes=notes, more=more,
                           page=_page(), unread_only=unread_only)


@bp.post("/notifications/<int:note_id>/read")
@login_required
def read(note_id):
    box.mark_read(current_user, note_id)
    db.session.commit()
    return redirect(safe_next(request.form.get("back"), url_for(".index")), 303)


@bp.get("/notifications/<int:note_id>/open")
@login_required
def open_note(note_id):
    """Follow a message's link; following it marks it read."""
    note = box.mark_read(current_user, note_id)
    db.session.commit()
    return redirect(safe_next(note.link, url_for(".index")), 303)


@bp.post("/notifications/read-all")
@login_required
def read_all():
    count = box.mark_all_read(current_user)
    db.session.commit()
    flash(gettext("%(count)d messages marked as read.", count=count), "success")
    return redirect(url_for(".index"), 303)


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferencesForm(request.form if request.method == "POST" else None,
                           rows=preference_rows(current_user))
    if request.method == "POST":
        save_preferences(current_user, current_user, form.wanted())
        db.session.commit()
        flash(gettext("Your notification settings are saved."), "success")
        return redirect(url_for(".preferences"), 303)
    return render_template("notifications/preferences.html", form=form)


# --- the outbox, for org_admins ------------------------------------------------------

@bp.get("/admin/outbox")
@login_required
def outbox():
    if not out.can_see_outbox(current_user):
        raise NotAllowed()
    status = request.args.get("status", "dead")
    channel = request.args.get("channel") or None
    rows, more = out.outbox(current_user, status, channel, _page())
    return render_template("admin/outbox.html", rows=rows, more=more, page=_page(),
                           status=status, channel=channel, statuses=STATUSES,
                           channels=CHANNELS, counts=out.status_counts(current_user),
                           sms_templated=sms_providers.templated(current_app.config))


@bp.post("/admin/outbox/<int:note_id>/resend")
@login_required
def resend(note_id):
    return _resend(lambda: [out.resend(current_user, note_id)])


@bp.post("/admin/outbox/resend-dead")
@login_required
def resend_dead():
    return _resend(lambda: out.resend_all_dead(current_user))


def _resend(action):
    try:
        done = action()
    except NotAllowed:
        raise
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(gettext("%(count)d messages queued again.", count=len(done)), "success")
    return redirect(url_for(".outbox", status="dead"), 303)

"""Web views for assessments: the assessment (review) page and its decisions.

Each request commits at most once; on any domain error the session is rolled back
and the page is shown again with what the user typed and why it was refused. The
cadre's report, the queue, evidence files and dashboards live in views_*.py on the
same blueprint.
"""

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from forms.assessments import ConflictForm, DecisionForm, VoteForm
from workflow_app.assessments import committee, labels, queue
from workflow_app.assessments.conflicts import declare_conflict
from workflow_app.assessments.context import review_details
from workflow_app.assessments.deadlines import due_of, is_overdue
from workflow_app.assessments.guards import (
    OBJECTION_EVENTS,
    Guards,
    objection_closed,
    objection_closes_at,
)
from workflow_app.assessments.permissions import (
    allowed_events,
    can_declare_conflict,
    relations,
    sees_details,
    withholds_result,
)
from workflow_app.assessments.report import DIMENSION_LABELS, self_score
from workflow_app.assessments.services import current_report, fire_event, get_assessment
from workflow_app.clock import as_utc, utcnow
from workflow_app.confirmation import IRREVERSIBLE, ask_first
from workflow_app.cycles.actuals import actuals_of
from workflow_app.cycles.services import can_manage_cycle
from workflow_app.errors import Conflict, Invalid, NotAllowed, WrongState
from workflow_app.extensions import db
from workflow_app.people.roles import AUDITOR, CADRE
from workflow_app.workcalendar import LOCAL_TZ
from workflows import engine_for

bp = Blueprint("assessments", __name__)
ALREADY_HANDLED = _l("This item has already been handled by someone else. "
                     "Its current state is shown below.")


@bp.context_processor
def _report_labels():
    return {"field_labels": labels.REPORT_FIELD_LABELS, "dimension_labels": DIMENSION_LABELS,
            "self_score": self_score}


@bp.app_template_global("result_withheld")
def _result_withheld(assessment):
    return withholds_result(current_user, assessment)


@bp.app_template_filter("state_label")
def _state_label(code):
    return labels.state_label(code)


@bp.app_template_filter("event_label")
def _event_label(code):
    return labels.event_label(code)


@bp.app_template_filter("vote_label")
def _vote_label(code):
    return labels.vote_label(code)


@bp.app_template_filter("relation_label")
def _relation_label(codes):
    return labels.relation_label(codes)


@bp.app_template_filter("local_time")
def _local_time(value):
    return format_datetime(as_utc(value), "yyyy-MM-dd HH:mm") if value else ""


@bp.app_template_filter("due_time")
def _due_time(value):
    """A due moment at local midnight reads as the day before (due by the end of it)."""
    if not value:
        return ""
    local = as_utc(value).astimezone(LOCAL_TZ)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return format_date(local - timedelta(days=1), "yyyy-MM-dd")
    return format_datetime(as_utc(value), "yyyy-MM-dd HH:mm")


@bp.app_template_filter("file_size")
def _file_size(size):
    return f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{max(size // 1024, 1)} KB"


@bp.app_template_filter("dict_without")
def _dict_without(values, *keys):
    return {k: v for k, v in (values or {}).items() if k not in keys}


def client_addr():
    return request.remote_addr or ""


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.has_role(CADRE):
        return redirect(url_for(".my"))
    if current_user.has_role(AUDITOR):
        return redirect(url_for("audit.home"))  # nothing to review: what they oversee
    return redirect(url_for(".task_list"))


# --- the assessment page -------------------------------------------------------------------

def event_rules(a, event):
    """Parameter rules ("required"/"optional") of `event` from the current state."""
    engine = engine_for(a.cycle.workflow_key, a.cycle.workflow_version)
    candidates = engine.candidates(a.state, event)
    if not candidates:
        return {}
    guards = Guards(a, current_report(a), utcnow())
    return {name: candidates[0].field_rule(name, guards)
            for name in DecisionForm.PARAMS if candidates[0].fields.get(name)}


def _decision_forms(a, rels, posted=None, voting=False):
    forms = {}
    for event in allowed_events(current_user, a, rels):
        if voting and event in committee.VOTE_EVENTS:
            continue  # one vote form instead (同意 / 不同意 / 弃权)
        if posted is not None and getattr(posted, "event", None) == event:
            forms[event] = posted
            continue
        form = DecisionForm(formdata=None, event=event, rules=event_rules(a, event))
        form.version.data = a.version
        forms[event] = form
    return forms


def _conflict_form(a, rels, posted=None):
    if not can_declare_conflict(current_user, a, rels):
        return None
    if isinstance(posted, ConflictForm):
        return posted
    form = ConflictForm(formdata=None)
    form.version.data = a.version
    return form


def objection_windows(a, events, now=None):
    """{event: {"closed": why not any more (or None), "closes": until when}} for the
    dispute / appeal among `events`: a period that has passed is said, not offered."""
    engine = engine_for(a.cycle.workflow_key, a.cycle.workflow_version)
    report, now = current_report(a), now or utcnow()
    return {e: {"closed": objection_closed(a, e, report, now, engine),
                "closes": objection_closes_at(a, e)} for e in events if e in OBJECTION_EVENTS}


def _vote_form(a, rels, posted=None):
    """The member's vote form while they may still vote in this committee round."""
    if not votes_here(a, rels) or not set(committee.VOTE_EVENTS) & set(
            allowed_events(current_user, a, rels)):
        return None
    if isinstance(posted, VoteForm):
        return posted
    form = VoteForm(formdata=None, score_rule=event_rules(a, "approve").get("score"))
    form.version.data = a.version
    return form


def votes_here(a, rels):
    return "committee" in rels and committee.is_committee_stage(a)


def _render_detail(a, posted=None, status=200):
    rels = relations(current_user, a)
    now = utcnow()
    vote_form = _vote_form(a, rels, posted)
    forms = _decision_forms(a, rels, posted, vote_form is not None)
    context = {"a": a, "forms": forms, "details": None,
               "conflict_form": _conflict_form(a, rels, posted),
               "objections": objection_windows(a, forms, now), "vote_form": vote_form,
               "due": due_of(a), "overdue": is_overdue(a, now),
               "view": queue.view_args(request.args)}
    if sees_details(current_user, a, rels):
        context["details"] = review_details(a, current_user)
        context["actuals"] = actuals_of(a.id)  # 数据同源: the source office's figures
    if committee.is_committee_stage(a) and context["details"] is not None:
        context["tally"] = committee.tally(a)
    return render_template("assessments/detail.html", **context), status


@bp.get("/assessments/<int:assessment_id>")
@login_required
def detail(assessment_id):
    return _render_detail(get_assessment(assessment_id, current_user))


@bp.post("/assessments/<int:assessment_id>/events/<event>")
@login_required
def fire(assessment_id, event):
    a = get_assessment(assessment_id, current_user)
    form = DecisionForm(event=event, rules=event_rules(a, event))
    asked = _confirm_exclusion(a, event, form)
    if asked is not None:
        return asked
    was_task = event != "submit" and queue.waits_for(current_user, a.id)
    try:
        entry = fire_event(a, event, current_user, **form.params(),
                           version=form.version_number(), client_addr=client_addr())
    except Invalid as exc:
        return _decision_invalid(assessment_id, form, exc)
    except Conflict as exc:
        return _decision_conflict(assessment_id, exc)
    db.session.commit()
    return redirect(_after_decision(a, event, entry, was_task))


def _after_decision(a, event, entry, was_task, voted=False):
    """Where a decision leads: the same item while it still waits for this person (or was
    never theirs to decide, e.g. a cadre's own), else the next item of the queue view they
    came from (its filters kept), else back to that view, now empty, with the result."""
    view = queue.view_args(request.args)
    if event == "exclude" and can_manage_cycle(current_user, a.cycle):
        # The clerk came from the grading page's list of what blocks publishing.
        flash(handled_message(event, entry, a), "success")
        return url_for("grading.page", cycle_id=a.cycle_id)
    if not was_task or queue.waits_for(current_user, a.id):
        flash(done_message(event, entry, a, voted), "success")
        return url_for(".detail", assessment_id=a.id, **view)
    flash(handled_message(event, entry, a, voted), "success")
    following = queue.next_item(current_user, queue.filter_from(view), utcnow(), a.id)
    if following is None:
        flash(gettext("Nothing else waits for you here."), "info")
        return url_for(".task_list", **view)
    flash(gettext("Next in your queue: %(name)s.", name=following.cadre.display_name), "info")
    return url_for(".detail", assessment_id=following.id, **view)


@bp.post("/assessments/<int:assessment_id>/vote")
@login_required
def vote(assessment_id):
    """A two-committees member votes 同意 / 不同意 / 弃权; the cycle's rule decides."""
    a = get_assessment(assessment_id, current_user)
    if "committee" not in relations(current_user, a):
        raise NotAllowed()
    if not committee.is_committee_stage(a):  # decided meanwhile: show how
        return _decision_conflict(assessment_id, Conflict(code="already_handled"))
    form = VoteForm(score_rule=event_rules(a, "approve").get("score"))
    event, was_task = form.chosen(), queue.waits_for(current_user, a.id)
    try:
        if event is None:
            raise Invalid(fields={"decision": "required"})
        entry = fire_event(a, event, current_user, **form.params(event),
                           version=form.version_number(), client_addr=client_addr())
    except Invalid as exc:
        return _decision_invalid(assessment_id, form, _vote_errors(event, exc))
    except Conflict as exc:
        return _decision_conflict(assessment_id, exc)
    db.session.commit()
    return redirect(_after_decision(a, event, entry, was_task, voted=True))


def _vote_errors(event, exc):
    """不同意 without a reason: say what is missing, not just "required"."""
    if event == "send_back" and exc.fields.get("comment") == "required":
        exc.fields = {**exc.fields, "comment": "reason_to_disagree"}
    return exc


def vote_message(a):
    """What the vote did, once committed: recorded only, or the rule decided."""
    if a.state == "drafting":
        return gettext("Your vote was recorded. Under the committee's rule the item went "
                       "back to the cadre with the members' reasons.")
    if not committee.is_committee_stage(a):
        return gettext("Your vote was recorded. Under the committee's rule the item moved "
                       "on to: %(state)s.", state=labels.state_label(a.state))
    return gettext("Your vote was recorded. The committee's rule has not decided yet: "
                   "%(n)d members still to vote.", n=len(committee.tally(a)["waiting"]))


def _confirm_exclusion(a, event, form):
    """不参加本次考核 is final: asked first, once a reason is given and it is allowed."""
    reason = (form.params().get("reason") or "").strip()
    if event != "exclude" or not reason or "exclude" not in allowed_events(current_user, a):
        return None
    return ask_first(labels.event_label("exclude"), [gettext(
        "%(name)s takes no part in %(cycle)s: no grade, no quota, no further reports. "
        "Reason: %(reason)s", name=a.cadre.display_name, cycle=a.cycle.name,
        reason=reason)], url_for(".detail", assessment_id=a.id), warning=IRREVERSIBLE)


def _is_vote(event, entry, voted):
    """A committee vote, deciding or not (the deciding one is recorded as its event)."""
    return voted or entry.action == "committee_vote" or event == "abstain"


def done_message(event, entry, a, voted=False):
    if _is_vote(event, entry, voted):
        return vote_message(a)
    return gettext("Done: %(event)s.", event=labels.event_label(event))


def handled_message(event, entry, a, voted=False):
    """The result named with its item: the page shown next is another item or the queue."""
    names = {"name": a.cadre.display_name, "cycle": a.cycle.name}
    if _is_vote(event, entry, voted):  # with what the rule did
        return gettext("%(name)s (%(cycle)s): %(result)s", result=vote_message(a), **names)
    return gettext("Done: %(event)s for %(name)s (%(cycle)s).",
                   event=labels.event_label(event), **names)


def _decision_invalid(assessment_id, form, exc):
    db.session.rollback()
    form.apply_errors(exc.fields)
    flash(gettext("The decision could not be recorded. Please check the marked fields."), "error")
    return _render_detail(get_assessment(assessment_id, current_user), form, exc.status)


def _decision_conflict(assessment_id, exc):
    """Someone else acted first (or the state does not allow it): show the fresh state."""
    db.session.rollback()
    flash(str(conflict_message(exc)), "error")
    return _render_detail(get_assessment(assessment_id, current_user), status=exc.status)


def conflict_message(exc):
    if type(exc) is WrongState and exc.code != "wrong_state":
        return exc.message
    if exc.code in ("already_voted", "stale_draft"):
        return exc.message
    return ALREADY_HANDLED


@bp.post("/assessments/<int:assessment_id>/conflict")
@login_required
def conflict(assessment_id):
    a = get_assessment(assessment_id, current_user)
    form = ConflictForm()
    try:
        declare_conflict(a, current_user, form.reason.data, version=form.version_number(),
                         client_addr=client_addr())
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        flash(gettext("Please give the reason for stepping aside."), "error")
        return _render_detail(get_assessment(assessment_id, current_user), form, exc.status)
    except Conflict as exc:
        return _decision_conflict(assessment_id, exc)
    db.session.commit()
    flash(gettext("You have stepped aside from this item. It has left your queue."),
          "success")
    return redirect(url_for(".task_list"))


# The other pages of this blueprint register their routes on import.
from workflow_app.assessments import (  # noqa: E402,F401
    views_dashboard,
    views_files,
    views_my,
    views_queue,
)

"""Follow-up pages: the cycle's bottom-ranked with a button to open a follow-up, the list
of follow-ups in scope, and one follow-up with its measures (record, add, done, close).

Services (followups/services.py) check scope; the views turn forms into calls, commit
once, and bring a refused form back with what was typed and the reason beside it.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.followups import (
    KIND_LABELS,
    REASON_LABELS,
    CloseForm,
    FollowUpForm,
    MeasureDoneForm,
    MeasureForm,
    OpenFollowUpForm,
)
from workflow_app.errors import Conflict, Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.followups import candidates as cand
from workflow_app.followups import services as svc
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import AUDITOR, ORG_ADMIN
from workflow_app.people.scope import administers, scope_paths
from workflow_app.scoring.results import readable_cycle
from workflow_app.security.inputs import to_int, to_version

bp = Blueprint("followups", __name__)
MAX_OWNERS = 2000


def _labels():
    return {"kind_label": lambda k: KIND_LABELS.get(k, k),
            "reason_label": lambda r: REASON_LABELS.get(r, r)}


# --- the cycle's bottom-ranked ---------------------------------------------------------------

def _cycle_page(cycle, form=None, posted_key=None, status=200):
    follow_ups = svc.follow_ups_in_scope(current_user, cycle.id)
    opened = {}
    for f in follow_ups:
        opened.setdefault(("u" if f.user_id else "o") + str(f.user_id or f.org_unit_id),
                          []).append(f)
    persons, units = cand.person_candidates(cycle), cand.unit_candidates(cycle)
    writable = {c.key for c in persons + units if administers(current_user, _unit_of(c))}
    return render_template(
        "followups/cycle.html", cycle=cycle, persons=persons, units=units, opened=opened,
        writable=writable, follow_ups=follow_ups, bottom_n=cand.bottom_n(cycle),
        form=form or OpenFollowUpForm(), posted_key=posted_key, **_labels()), status


def _unit_of(candidate):
    if candidate.kind == "unit":
        return db.session.get(OrgUnit, candidate.subject_id)
    return db.session.get(User, candidate.subject_id).org_unit


@bp.get("/cycles/<int:cycle_id>/follow-ups")
@login_required
def cycle_page(cycle_id):
    return _cycle_page(readable_cycle(cycle_id, current_user))


def _posted_key(form):
    """The candidate key ("u12" / "o3") of the row a refused form came from."""
    if form.user_id.data:
        return f"u{form.user_id.data}"
    return f"o{form.org_unit_id.data}" if form.org_unit_id.data else None


@bp.post("/cycles/<int:cycle_id>/follow-ups")
@login_required
def open_(cycle_id):
    cycle = readable_cycle(cycle_id, current_user)
    form = OpenFollowUpForm()
    try:
        follow_up, created = cand.open_for_cycle(
            cycle, current_user, kind=form.kind.data, held_on=form.held_on.data,
            user_id=to_int(form.user_id.data), org_unit_id=to_int(form.org_unit_id.data))
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _cycle_page(readable_cycle(cycle_id, current_user), form, _posted_key(form),
                           422)
    db.session.commit()
    flash(gettext("The follow-up is opened: record the problems found and the measures.")
          if created else gettext("This follow-up was opened already."), "success")
    return redirect(url_for(".detail", follow_up_id=follow_up.id), 303)


# --- the list and one follow-up ----------------------------------------------------------

@bp.get("/follow-ups")
@login_required
def index():
    if not scope_paths(current_user, ORG_ADMIN, AUDITOR):
        raise NotAllowed()
    return render_template("followups/index.html",
                           follow_ups=svc.follow_ups_in_scope(current_user), **_labels())


def _owners(follow_up):
    """Active people of the subject's unit subtree: who may own a measure."""
    unit = follow_up.subject_unit
    people = db.session.scalars(
        select(User).join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(User.active, OrgUnit.path.like(unit.path + "%"))
        .order_by(OrgUnit.path, User.display_name).limit(MAX_OWNERS)).all()
    return [(u.id, f"{u.display_name} ({u.username}, {u.org_unit.name})") for u in people]


def _detail_page(follow_up, status=200, message=None, **forms):
    if "record" not in forms:
        forms["record"] = FollowUpForm(formdata=None, obj=follow_up, data={
            "held_on": follow_up.held_on.isoformat() if follow_up.held_on else "",
            "version": follow_up.version})
    forms.setdefault("close", CloseForm(formdata=None, data={
        "outcome": follow_up.outcome, "version": follow_up.version}))
    writable = svc.can_write(current_user, follow_up)
    if writable and "measure" not in forms:
        forms["measure"] = MeasureForm(formdata=None, people=_owners(follow_up))
    return render_template("followups/detail.html", f=follow_up, writable=writable,
                           message=message, done_form=MeasureDoneForm(formdata=None),
                           **forms, **_labels()), status


@bp.get("/follow-ups/<int:follow_up_id>")
@login_required
def detail(follow_up_id):
    return _detail_page(svc.get_follow_up(follow_up_id, current_user))


def _refused(follow_up_id, exc, name, form):
    """The page again with the refusal: beside the fields, or as a notice (409)."""
    db.session.rollback()
    follow_up = svc.get_follow_up(follow_up_id, current_user)
    if isinstance(exc, Invalid):
        form.apply_errors(exc.fields)
        return _detail_page(follow_up, 422, **{name: form})
    return _detail_page(follow_up, exc.status, str(exc.message), **{name: form})


def _done(follow_up, text):
    db.session.commit()
    flash(text, "success")
    return redirect(url_for(".detail", follow_up_id=follow_up.id), 303)


@bp.post("/follow-ups/<int:follow_up_id>")
@login_required
def update(follow_up_id):
    follow_up = svc.get_follow_up(follow_up_id, current_user)
    form = FollowUpForm()
    try:
        svc.update_follow_up(follow_up, current_user, version=to_version(form.version.data),
                             held_on=form.held_on.data, problems=form.problems.data)
    except (Invalid, Conflict) as exc:
        return _refused(follow_up_id, exc, "record", form)
    return _done(follow_up, gettext("Saved."))


@bp.post("/follow-ups/<int:follow_up_id>/measures")
@login_required
def add_measure(follow_up_id):
    follow_up = svc.get_follow_up(follow_up_id, current_user)
    form = MeasureForm(people=_owners(follow_up) if svc.can_write(current_user, follow_up)
                       else ())
    owner_id = to_int(form.owner_id.data)
    try:
        svc.add_measure(follow_up, current_user, text=form.text.data,
                        owner=db.session.get(User, owner_id) if owner_id else None,
                        due_on=form.due_on.data)
    except (Invalid, Conflict) as exc:
        return _refused(follow_up_id, exc, "measure", form)
    return _done(follow_up, gettext("The measure is added."))


@bp.post("/follow-ups/<int:follow_up_id>/measures/<int:measure_id>/done")
@login_required
def complete_measure(follow_up_id, measure_id):
    follow_up = svc.get_follow_up(follow_up_id, current_user)
    measure = svc.get_measure(follow_up, measure_id)
    try:
        svc.complete_measure(measure, current_user, note=MeasureDoneForm().note.data)
    except (Invalid, Conflict) as exc:
        db.session.rollback()
        return _detail_page(svc.get_follow_up(follow_up_id, current_user), exc.status,
                            str(exc.message))
    return _done(follow_up, gettext("The measure is marked done."))


@bp.post("/follow-ups/<int:follow_up_id>/close")
@login_required
def close(follow_up_id):
    follow_up = svc.get_follow_up(follow_up_id, current_user)
    form = CloseForm()
    try:
        svc.close_follow_up(follow_up, current_user, outcome=form.outcome.data,
                            version=to_version(form.version.data))
    except (Invalid, Conflict) as exc:
        return _refused(follow_up_id, exc, "close", form)
    return _done(follow_up, gettext("The follow-up is closed."))

"""Web views for substitutes: my own absences, and an org_admin's view of their units."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from forms.people import SubstitutionForm
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import Invalid, NotAllowed, WrongState
from workflow_app.extensions import db
from workflow_app.people import substitutes as subs
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.scope import scope_paths

bp = Blueprint("substitutes", __name__)


def _label(user):
    return f"{user.display_name} ({user.username}, {user.org_unit.name})"


def people_in_scope(user):
    paths = scope_paths(user, ORG_ADMIN)
    if not paths:
        return []
    return db.session.scalars(
        select(User).join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(User.active, or_(*[OrgUnit.path.like(p + "%") for p in paths]))
        .order_by(OrgUnit.path, User.username).limit(2000)).all()


def _form(admin):
    """The form, or None for someone who reviews nothing (nobody to stand in for them)."""
    if admin:
        # Conflicts depend on who is away: checked when the form is posted.
        people = [(u.id, _label(u)) for u in people_in_scope(current_user)
                  if subs.is_reviewer(u)]
        return SubstitutionForm(people=people, absent_choices=people)
    if not subs.can_appoint(current_user, current_user):
        return None
    people = [(u.id, _label(u)) for u in subs.candidates(current_user, current_user)]
    return SubstitutionForm(people=people)


def _page(admin, form, status=200):
    paths = scope_paths(current_user, ORG_ADMIN) if admin else ()
    rows = subs.listing(current_user, paths)
    return render_template("people/substitutes.html", form=form, rows=rows, admin=admin,
                           now=utcnow(), can_end=_can_end), status


def _can_end(sub, now):
    return now < as_utc(sub.ends_at) and (subs.can_appoint(current_user, sub.absent_user)
                                          or current_user.id == sub.substitute_id)


@bp.route("/substitutes", methods=["GET", "POST"])
@login_required
def mine():
    return _handle(admin=False)


@bp.route("/admin/substitutes", methods=["GET", "POST"])
@login_required
def admin():
    if not scope_paths(current_user, ORG_ADMIN):
        raise NotAllowed()
    return _handle(admin=True)


def _handle(admin):
    form = _form(admin)
    if request.method == "GET":
        return _page(admin, form)
    if form is None:
        raise NotAllowed()
    absent = _user(form.chosen_id(form.absent_user)) if admin else current_user
    try:
        if absent is None:
            raise Invalid(fields={"absent_user": "required"})
        subs.appoint(current_user, absent, _user(form.chosen_id(form.substitute)),
                     form.starts_at.data, form.ends_at.data, form.reason.data)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _page(admin, form, 422)
    db.session.commit()
    flash(gettext("The substitute is recorded."), "success")
    return redirect(url_for(".admin" if admin else ".mine"), 303)


def _user(user_id):
    return db.session.get(User, user_id) if user_id else None


@bp.post("/substitutes/<int:substitution_id>/end")
@login_required
def end(substitution_id):
    try:
        subs.end(current_user, substitution_id)
    except WrongState as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(gettext("The substitution has ended."), "success")
    back = request.form.get("back")
    return redirect(url_for(".admin") if back == "admin" else url_for(".mine"), 303)

"""People administration: the org tree, people with their roles and supervisor links.

Everything is checked by people.services (scope: an org_admin works under the units
they administer); the views turn forms into service calls and commit once.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.people import ROLE_LABELS, PersonForm, UnitForm
from workflow_app import limits
from workflow_app.auth import credentials
from workflow_app.confirmation import ask_first
from workflow_app.cycles.setup_views import admin_units
from workflow_app.errors import Invalid, NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.people import services
from workflow_app.people.models import OrgUnit, RoleGrant, User
from workflow_app.people.roles import ORG_ADMIN, SUPERVISOR
from workflow_app.people.scope import administers, scope_paths
from workflow_app.people.search import (
    SEARCH_LIMIT,
    clean_query,
    find_people,
    find_units,
    matching,
)
from workflow_app.security.inputs import to_int
from workflow_app.sso import admin as sso_admin
from workflow_app.sso.policy import protocol as sso_protocol
from workflow_app.validation import require_text

bp = Blueprint("people_admin", __name__)
MEMBERS_SHOWN = 500
FIELD_MESSAGES.update({
    "supervisor_loop": _l("This would make a loop: the person is above this supervisor."),
    "own_roles": _l("You cannot change your own roles; ask another administrator."),
    "work_app_id": _l("A user id has only letters, digits and _ - @ . (at most 64)."),
})


def can_administer_people(user):
    return bool(scope_paths(user, ORG_ADMIN))


def _managed_unit(unit_id):
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound()
    if not administers(current_user, unit):
        raise NotAllowed()
    return unit


def _managed_user(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if not administers(current_user, user.org_unit):
        raise NotAllowed()
    return user


def supervisor_choices(extra=None):
    """Holders of the supervisor role under the admin's units (and the current one)."""
    ids = {u.id for u in admin_units(current_user)}
    people = db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == SUPERVISOR, User.active, User.org_unit_id.in_(ids))
        .distinct().order_by(User.username).limit(2000)).all()
    if extra is not None and extra not in people:
        people.append(extra)
    return [(u.id, f"{u.display_name} ({u.username})") for u in people]


def _page(unit, status=200, **forms):
    units = admin_units(current_user)
    members = db.session.scalars(select(User).where(User.org_unit_id == unit.id)
                                 .order_by(User.username).limit(MEMBERS_SHOWN)).all()
    forms.setdefault("unit_form", UnitForm(data={"name": unit.name, "category": unit.category}))
    forms.setdefault("child_form", UnitForm(prefix="child"))
    forms.setdefault("person_form", PersonForm(prefix="new", supervisors=supervisor_choices()))
    top = min((u.path.count("/") for u in units), default=0)
    q = clean_query(request.args.get("q"))
    return render_template("people/admin.html", unit=unit, members=members,
                           tree=[(u, u.path.count("/") - top) for u in units],
                           role_labels=ROLE_LABELS, q=q, found_units=find_units(current_user, q),
                           found_people=find_people(current_user, q),
                           search_limit=SEARCH_LIMIT, **forms), status


@bp.get("/admin/people")
@login_required
def index():
    if not can_administer_people(current_user):
        raise NotAllowed()
    wanted = to_int(request.args.get("unit"))
    unit = _managed_unit(wanted) if wanted else admin_units(current_user)[0]
    return _page(unit)


def _done(unit, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".index", unit=unit.id), 303)


@bp.post("/admin/people/units/<int:unit_id>")
@login_required
def change_unit(unit_id):
    unit, form = _managed_unit(unit_id), UnitForm()
    try:
        services.update_unit(current_user, unit, form.name.data, form.category.data)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _page(_managed_unit(unit_id), 422, unit_form=form)
    return _done(unit, gettext("%(name)s saved.", name=unit.name))


@bp.post("/admin/people/units/<int:unit_id>/children")
@login_required
def add_unit(unit_id):
    parent, form = _managed_unit(unit_id), UnitForm(prefix="child")
    try:
        child = services.create_org_unit(form.name.data, parent, form.category.data,
                                         actor=current_user)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _page(_managed_unit(unit_id), 422, child_form=form)
    return _done(child, gettext("%(name)s added.", name=child.name))


@bp.post("/admin/people/units/<int:unit_id>/people")
@login_required
def add_person(unit_id):
    unit = _managed_unit(unit_id)
    form = PersonForm(prefix="new", supervisors=supervisor_choices())
    try:
        person = services.create_user(
            current_user, username=form.username.data or "", password=form.password.data or "",
            display_name=form.display_name.data, org_unit=unit, roles=form.roles.data or [],
            email=form.email.data, phone=form.phone.data,
            supervisor=_supervisor(form.supervisor_id()))
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _page(_managed_unit(unit_id), 422, person_form=form)
    return _done(unit, gettext("%(name)s added.", name=person.display_name))


def _supervisor(user_id):
    return _managed_user(user_id) if user_id else None


@bp.route("/admin/people/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def person(user_id):
    user = _managed_user(user_id)
    form = _person_form(user)
    if request.method == "POST":
        try:
            services.update_user(current_user, user, display_name=form.display_name.data,
                                 email=form.email.data, phone=form.phone.data,
                                 roles=form.roles.data or [], active=form.active.data,
                                 supervisor=_supervisor(form.supervisor_id()),
                                 **form.work_app_ids())
        except Invalid as exc:
            db.session.rollback()
            form.apply_errors(exc.fields)
            return _person_page(_managed_user(user_id), form, 422)
        return _done(user.org_unit, gettext("%(name)s saved.", name=user.display_name))
    return _person_page(user, form)


def _person_form(user, **kwargs):
    """The form filled from `user`; formdata=None after another action's POST (its body
    holds no person fields)."""
    own_roles = sorted({g.role for g in user.grants if g.org_unit_id == user.org_unit_id})
    # ?q= narrows the supervisor list by name (the current supervisor stays in it).
    q = clean_query(request.args.get("q")) if request.method == "GET" else ""
    supervisors = matching(supervisor_choices(user.supervisor), q, keep=[user.supervisor_id])
    return PersonForm(new=False, supervisors=supervisors, data={
        "display_name": user.display_name, "email": user.email, "phone": user.phone,
        "roles": own_roles, "active": user.active,
        "supervisor": str(user.supervisor_id or ""),
        "dingtalk_user_id": user.dingtalk_user_id, "wecom_user_id": user.wecom_user_id},
        **kwargs)


def _person_page(user, form, status=200, **extra):
    other = [g for g in user.grants if g.org_unit_id != user.org_unit_id]
    return render_template(
        "people/person.html", person=user, form=form, other_grants=other,
        role_labels=ROLE_LABELS, login=credentials.login_status(user),
        q=clean_query(request.args.get("q")) if request.method == "GET" else "",
        can_reset=credentials.can_reset_password(current_user, user),
        can_unlock=credentials.can_unlock_login(current_user, user),
        sso=sso_admin.sso_identity(user), sso_on=bool(sso_protocol()),
        can_unlink_sso=sso_admin.can_unlink_sso(current_user, user), **extra), status


@bp.post("/admin/people/users/<int:user_id>/reset-password")
@login_required
def reset_password(user_id):
    """A temporary password, shown once on this page and never stored in clear."""
    user = _managed_user(user_id)
    temporary = credentials.reset_password(current_user, user)
    db.session.commit()
    body, status = _person_page(user, _person_form(user, formdata=None),
                                temporary_password=temporary)
    return body, status, {"Cache-Control": "no-store"}


@bp.post("/admin/people/users/<int:user_id>/unlock")
@login_required
def unlock_login(user_id):
    user = _managed_user(user_id)
    credentials.unlock_login(current_user, user)
    db.session.commit()
    flash(gettext("The login of %(name)s is unlocked.", name=user.display_name), "success")
    return redirect(url_for(".person", user_id=user.id), 303)


@bp.post("/admin/people/users/<int:user_id>/unlink-sso")
@login_required
def unlink_sso(user_id):
    """Asks first (the person's sessions end, the next SSO login links anew); a reason
    is required, as for the other corrections an org_admin audits."""
    user = _managed_user(user_id)
    if not sso_admin.can_unlink_sso(current_user, user):
        raise NotAllowed()
    back = url_for(".person", user_id=user.id, _anchor="sso")
    if not user.sso_subject:  # e.g. the form sent twice
        flash(str(sso_admin.NOT_LINKED), "error")
        return redirect(back, 303)
    try:
        reason = require_text("reason", request.form.get("reason"), limits.REASON)
        page = ask_first(gettext("Unlink unified identity"), _unlink_effects(user), back)
        if page is not None:
            return page
        sso_admin.unlink_sso_identity(user, current_user, reason, request.remote_addr or "")
    except Invalid as exc:
        code = exc.fields.get("reason", "required")
        return _person_page(user, _person_form(user, formdata=None), 422,
                            sso_error=FIELD_MESSAGES[code])
    db.session.commit()
    flash(gettext("The unified identity of %(name)s is unlinked.", name=user.display_name),
          "success")
    return redirect(back, 303)


def _unlink_effects(user):
    effects = [gettext("%(name)s is no longer linked to the identity %(subject)s.",
                       name=user.display_name, subject=user.sso_subject),
               gettext("The next single sign-on login links the identity that then matches "
                       "the account."),
               gettext("The person's open sessions and API tokens end now.")]
    if sso_protocol() and str(current_app.config.get("SSO_PASSWORD_LOGIN")) == "0":
        effects.append(gettext("Until then the person may log in with a password again."))
    return effects

"""The department's 公示 notice settings page (/admin/notice-settings): the org_admin
of a top-level unit fills in the issuing body, 监督电话 and where objections go once;
every 公示 of the department's cycles (page, print view, PDF, XLSX) prints them."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from forms.notice import NoticeSettingsForm
from workflow_app.clock import utcnow
from workflow_app.errors import NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.scope import administers
from workflow_app.scoring.notice import department_of, save_settings, settings_for
from workflow_app.scoring.views import bp


def can_edit_notice(user, unit):
    """The org_admin of the department (a top-level unit) edits its settings."""
    return unit is not None and unit.parent_id is None and administers(user, unit)


@bp.app_template_global()
def can_edit_notice_of(user, cycle):
    """Whether `user` edits the settings the 公示 of `cycle` prints (for the page's link)."""
    return bool(cycle.org_units) and can_edit_notice(user, department_of(cycle.org_units[0]))


def managed_departments(user):
    departments = {department_of(u).id: department_of(u) for u in user.role_units(ORG_ADMIN)}
    return sorted((d for d in departments.values() if can_edit_notice(user, d)),
                  key=lambda d: d.name)


@bp.get("/admin/notice-settings")
@login_required
def notice_settings_index():
    departments = managed_departments(current_user)
    if not departments:
        raise NotAllowed()
    if len(departments) == 1:
        return redirect(url_for(".notice_settings", unit_id=departments[0].id))
    return render_template("results/notice_settings.html", departments=departments, form=None)


def _department(unit_id):
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound()
    if not can_edit_notice(current_user, unit):
        raise NotAllowed()
    return unit


@bp.route("/admin/notice-settings/<int:unit_id>", methods=["GET", "POST"])
@login_required
def notice_settings(unit_id):
    unit = _department(unit_id)
    form = NoticeSettingsForm(obj=settings_for(unit))
    if form.validate_on_submit():
        save_settings(unit, current_user, form.values(), utcnow())
        db.session.commit()
        flash(gettext("Saved: every publication of %(unit)s prints these lines.",
                      unit=unit.name), "success")
        return redirect(url_for(".notice_settings", unit_id=unit.id), 303)
    status = 422 if form.errors else 200
    return render_template("results/notice_settings.html", unit=unit, form=form,
                           departments=managed_departments(current_user)), status

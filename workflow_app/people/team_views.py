"""班子 pages and API: an org_admin keeps each unit's leadership team; the team's grade
per cycle (computed at grading time) is shown on /cycles/<id>/teams and in the API.

Services (people/teams.py) check scope; the views turn forms into calls and commit once.
"""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.people import TeamForm, TeamMemberForm, TeamPositionForm
from workflow_app.api import bp as api_bp
from workflow_app.api import current_api_user
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.setup_views import admin_units
from workflow_app.errors import Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.people import teams as svc
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.scope import administers, scope_paths
from workflow_app.people.search import clean_query, matching
from workflow_app.scoring.grading import merged_config
from workflow_app.scoring.results import can_see_results, flag_label, readable_cycle
from workflow_app.scoring.rules import DEFAULT_ANNUAL
from workflow_app.scoring.teams import (
    joint_liability_config,
    team_grades,
    team_result_json,
    team_results,
)
from workflow_app.security.inputs import to_int

bp = Blueprint("teams", __name__)
MAX_TEAMS_SHOWN = 500
FIELD_MESSAGES.update({
    "outside_unit": _l("Only people of the team's unit or the units below it can be members."),
    "already_member": _l("This person is already a member of the team."),
})


def _require_admin():
    if not scope_paths(current_user, ORG_ADMIN):
        raise NotAllowed()


def _managed_team(team_id):
    team = db.session.get(svc.Team, team_id)
    if team is None:
        raise NotFound()
    if not administers(current_user, team.org_unit):
        raise NotAllowed()
    return team


def _label(user):
    return f"{user.display_name} ({user.username}, {user.org_unit.name})"


def _chosen(field):
    return to_int(field.data)


def _cycles_in_scope():
    """Cycles whose results the admin reads, newest first (links to their team results)."""
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.id.desc()).limit(200)).all()
    return [c for c in cycles if can_see_results(current_user, c)][:20]


def _team_matches(team, q):
    names = [team.name, team.org_unit.name] + [
        f"{m.user.display_name} {m.user.username}" for m in team.members]
    return any(q.lower() in n.lower() for n in names)


def _index_page(form, status=200):
    q = clean_query(request.args.get("q"))
    teams = [t for t in svc.teams_in_scope(current_user) if not q or _team_matches(t, q)]
    return render_template("people/teams.html", form=form, teams=teams[:MAX_TEAMS_SHOWN], q=q,
                           cycles=_cycles_in_scope()), status


@bp.route("/admin/teams", methods=["GET", "POST"])
@login_required
def index():
    _require_admin()
    units = [(u.id, u.name) for u in admin_units(current_user)]
    if request.method == "GET":  # the search narrows the unit picker too
        units = matching(units, clean_query(request.args.get("q")))
    form = TeamForm(units=units)
    if request.method == "GET":
        return _index_page(form)
    unit_id = _chosen(form.org_unit)
    try:
        team = svc.create_team(current_user, db.session.get(OrgUnit, unit_id) if unit_id else None,
                               form.name.data)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _index_page(form, 422)
    db.session.commit()
    flash(gettext("The team is created; now add its members."), "success")
    return redirect(url_for(".team", team_id=team.id), 303)


def _team_page(team, rename=None, member=None, status=200):
    rename = rename or TeamForm(new=False, data={"name": team.name})
    people = [(u.id, _label(u)) for u in svc.candidates(team)]
    q = clean_query(request.args.get("q")) if request.method == "GET" else ""
    member = member or TeamMemberForm(people=matching(people, q))
    return render_template("people/teams_detail.html", team=team, rename=rename, member=member,
                           q=q,
                           position_form=TeamPositionForm()), status


@bp.get("/admin/teams/<int:team_id>")
@login_required
def team(team_id):
    return _team_page(_managed_team(team_id))


@bp.post("/admin/teams/<int:team_id>/name")
@login_required
def rename(team_id):
    team = _managed_team(team_id)
    form = TeamForm(new=False)
    try:
        svc.rename_team(current_user, team, form.name.data)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _team_page(_managed_team(team_id), rename=form, status=422)
    db.session.commit()
    flash(gettext("Saved."), "success")
    return redirect(url_for(".team", team_id=team.id), 303)


@bp.post("/admin/teams/<int:team_id>/delete")
@login_required
def delete(team_id):
    try:
        svc.delete_team(current_user, _managed_team(team_id))
    except WrongState as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".team", team_id=team_id), 303)
    db.session.commit()
    flash(gettext("The team is deleted."), "success")
    return redirect(url_for(".index"), 303)


@bp.post("/admin/teams/<int:team_id>/members")
@login_required
def add_member(team_id):
    team = _managed_team(team_id)
    form = TeamMemberForm(people=[(u.id, _label(u)) for u in svc.candidates(team)])
    user_id = _chosen(form.user)
    try:
        svc.add_member(current_user, team, db.session.get(User, user_id) if user_id else None,
                       form.position.data)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _team_page(_managed_team(team_id), member=form, status=422)
    db.session.commit()
    flash(gettext("The member is added."), "success")
    return redirect(url_for(".team", team_id=team.id), 303)


@bp.post("/admin/teams/<int:team_id>/members/<int:member_id>")
@login_required
def member(team_id, member_id):
    """Change a member's position, or remove the member (`remove` button)."""
    team = _managed_team(team_id)
    target = svc.get_member(team, member_id)
    if "remove" in request.form:
        svc.remove_member(current_user, target)
        message = gettext("The member is removed.")
    else:
        try:
            svc.set_position(current_user, target, TeamPositionForm().position.data)
        except Invalid:
            db.session.rollback()
            flash(gettext("The position is required."), "error")
            return redirect(url_for(".team", team_id=team_id), 303)
        message = gettext("Saved.")
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".team", team_id=team_id), 303)


def rules_shown(cycle):
    """The team and missing-quarter rules in force for the cycle, to show beside results."""
    config = merged_config(cycle.grading, cycle.kind)
    annual = {**DEFAULT_ANNUAL, **{k: config[k] for k in ("missing_quarters",) if k in config},
              **(config.get("annual") or {})}
    return {"joint": joint_liability_config(config), "grades": team_grades(config, cycle.kind),
            "missing_quarters": annual["missing_quarters"] if cycle.kind == "annual" else None}


@bp.get("/cycles/<int:cycle_id>/teams")
@login_required
def results(cycle_id):
    cycle = readable_cycle(cycle_id, current_user)
    rows = team_results(cycle)
    names = dict(db.session.execute(select(User.id, User.display_name).where(
        User.id.in_({m["user_id"] for r in rows for m in (r.members or [])} or {0}))).all())
    return render_template("results/teams.html", cycle=cycle, rows=rows, names=names,
                           rules=rules_shown(cycle), flag_label=flag_label)


@api_bp.get("/cycles/<int:cycle_id>/teams")
def api_team_results(cycle_id):
    cycle = readable_cycle(cycle_id, current_api_user())
    return jsonify([team_result_json(r) for r in team_results(cycle)])

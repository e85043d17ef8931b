"""业绩晾晒 pages: the 星级榜 of a unit and period (/showcase/<unit>/<period>), recording
stars and 减星 on it, and its 周通报 (printable page, XLSX, PDF).

The services check who records; the views check who sees, turn forms into calls and
commit once. Anyone not allowed to see a board gets 403, whatever the page.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from forms.showcase import DeductionForm, StarsForm, WithdrawForm
from workflow_app.clock import utcnow
from workflow_app.errors import Conflict, Invalid, NotAllowed
from workflow_app.exports.download import download, file_name
from workflow_app.extensions import db
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.people.models import OrgUnit
from workflow_app.people.scope import scope_paths
from workflow_app.showcase import services as svc
from workflow_app.showcase.access import SUPERIOR_ROLES, can_record_stars, can_see_board
from workflow_app.showcase.board import standings
from workflow_app.showcase.bulletin import build_bulletin, bulletin_pdf, bulletin_xlsx, signed
from workflow_app.showcase.rules import (
    DEDUCTION_KINDS,
    DIMENSIONS,
    default_week,
    max_stars,
    neighbours,
    parse_week,
    period_of,
    visibility,
    weeks_of,
)
from workflow_app.workcalendar import today_local

bp = Blueprint("showcase", __name__)
MAX_UNITS_LISTED = 300
FIELD_MESSAGES.update({
    "not_in_unit": _l("Choose a person of this unit or one of its departments."),
    "not_a_date": _l("Please enter a date (YYYY-MM-DD)."),  # as people/calendar.py
    "outside_period": _l("The date must fall inside the board's period."),
})


def _today():
    return today_local(utcnow())


def _visible_board(unit_id, code):
    """(unit, period) of a board the current user may see: 404 unknown, 403 not allowed."""
    unit = svc.get_unit(unit_id)
    if not can_see_board(current_user, unit):
        raise NotAllowed()
    return unit, svc.get_period(code)


def _units_listed(user):
    """The user's own unit and those above it (when members see boards), then every unit
    in the scope of the user's grants that lets them see boards, by tree order."""
    own = [int(i) for i in user.org_unit.path.strip("/").split("/") if i] \
        if visibility() == "members" else []
    paths = scope_paths(user, *SUPERIOR_ROLES, "org_admin", "auditor")
    clauses = [OrgUnit.id.in_(own)] + [OrgUnit.path.like(p + "%") for p in paths]
    return db.session.scalars(select(OrgUnit).where(or_(*clauses))
                              .order_by(OrgUnit.path).limit(MAX_UNITS_LISTED)).all()


@bp.get("/showcase")
@login_required
def index():
    units = [u for u in _units_listed(current_user) if can_see_board(current_user, u)]
    period = period_of(_today())
    if len(units) == 1:
        return redirect(url_for(".board", unit_id=units[0].id, period=period.code))
    return render_template("showcase/index.html", units=units, period=period)


def _subjects(standing):
    people = [(f"person:{r.id}", r.name) for r in standing.persons]
    units = [(f"department:{r.id}", gettext("%(name)s (department)", name=r.name))
             for r in standing.departments]
    return people + units


def _star_form(standing):
    return StarsForm(prefix="stars", subjects=_subjects(standing), stars=range(max_stars() + 1))


def _deduction_form(standing):
    return DeductionForm(prefix="deduct", subjects=_subjects(standing),
                         stars=range(1, max_stars() + 1))


def _forms(standing, stars_form=None, deduction_form=None):
    return {"stars_form": stars_form or _star_form(standing),
            "deduction_form": deduction_form or _deduction_form(standing)}


def _board_page(unit, period, status=200, **forms):
    standing = standings(unit, period)
    recorder = can_record_stars(current_user, unit)
    previous, following = neighbours(period)
    context = _forms(standing, **forms) if recorder else {}
    return render_template(
        "showcase/board.html", unit=unit, period=period, s=standing, recorder=recorder,
        previous=previous, following=following, weeks=weeks_of(period),
        week=default_week(period, _today()), dimensions=DIMENSIONS, kinds=DEDUCTION_KINDS,
        signed=signed, withdraw_form=WithdrawForm(prefix="withdraw"), **context), status


@bp.get("/showcase/<int:unit_id>/<period>")
@login_required
def board(unit_id, period):
    return _board_page(*_visible_board(unit_id, period))


def _recorded_board(unit_id, code):
    """(unit, period) of a board the current user records on: the permission first."""
    unit = svc.get_unit(unit_id)
    if not can_record_stars(current_user, unit):
        raise NotAllowed()
    return unit, svc.get_period(code)


def _back(unit, period):
    return redirect(url_for(".board", unit_id=unit.id, period=period.code) + "#stars", 303)


def _saved(unit, period, form, name, done, change):
    """Run `change`; refused: the board again with the form's errors (422), what was
    chosen kept; someone else's change at the same moment: a message, nothing lost."""
    try:
        change()
    except Invalid as exc:
        return _refused(unit, period, form, exc, name)
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _back(unit, period)
    db.session.commit()
    flash(done, "success")
    return _back(unit, period)


def _refused(unit, period, form, exc, name):
    db.session.rollback()
    form.apply_errors(exc.fields)
    return _board_page(unit, period, status=422, **{name: form})


@bp.post("/showcase/<int:unit_id>/<period>/stars")
@login_required
def record_stars(unit_id, period):
    unit, period = _recorded_board(unit_id, period)
    form = _star_form(standings(unit, period))  # its choices, should it come back refused
    return _saved(unit, period, form, "stars_form", gettext("The stars are recorded."),
                  lambda: svc.set_stars(current_user, unit, period, form.subject_ref(),
                                        form.dimension.data, form.stars.data,
                                        note=form.note.data, on=form.on.data))


@bp.post("/showcase/<int:unit_id>/<period>/deductions")
@login_required
def deduct(unit_id, period):
    unit, period = _recorded_board(unit_id, period)
    form = _deduction_form(standings(unit, period))
    return _saved(unit, period, form, "deduction_form",
                  gettext("The stars are taken away; the reason is shown on the board."),
                  lambda: svc.deduct_stars(current_user, unit, period, form.subject_ref(),
                                           form.dimension.data, form.stars.data,
                                           form.kind.data, form.reason.data, on=form.on.data))


@bp.post("/showcase/deductions/<int:deduction_id>/withdraw")
@login_required
def withdraw(deduction_id):
    deduction = svc.get_deduction(deduction_id)
    board = db.session.get(svc.ShowcaseBoard, deduction.entry.board_id)
    unit, period = _recorded_board(board.org_unit_id, board.period)
    try:
        svc.withdraw_deduction(current_user, deduction, WithdrawForm(prefix="withdraw")
                               .reason.data)
    except Invalid:
        db.session.rollback()
        flash(gettext("Please give the reason for withdrawing."), "error")
        return _back(unit, period)
    db.session.commit()
    flash(gettext("The star deduction is withdrawn."), "success")
    return _back(unit, period)


def _bulletin(unit_id, code):
    unit, period = _visible_board(unit_id, code)
    week = parse_week(request.args.get("week"), period) if request.args.get("week") \
        else default_week(period, _today())
    if week is None:
        raise Invalid(fields={"week": "unknown"})
    return unit, period, build_bulletin(unit, period, week)


@bp.get("/showcase/<int:unit_id>/<period>/bulletin")
@login_required
def bulletin(unit_id, period):
    unit, period, found = _bulletin(unit_id, period)
    return render_template("showcase/bulletin.html", unit=unit, period=period, b=found,
                           weeks=weeks_of(period), dimensions=DIMENSIONS, signed=signed)


def _file(unit, period, found, ext):
    return file_name(unit.name, gettext("Weekly bulletin"), found.week.code, ext=ext)


@bp.get("/showcase/<int:unit_id>/<period>/bulletin.xlsx")
@login_required
def bulletin_as_xlsx(unit_id, period):
    unit, period, found = _bulletin(unit_id, period)
    return download(bulletin_xlsx(found), _file(unit, period, found, "xlsx"))


@bp.get("/showcase/<int:unit_id>/<period>/bulletin.pdf")
@login_required
def bulletin_as_pdf(unit_id, period):
    unit, period, found = _bulletin(unit_id, period)
    return download(bulletin_pdf(found), _file(unit, period, found, "pdf"))

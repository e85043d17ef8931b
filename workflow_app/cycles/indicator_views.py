"""Indicator sheet pages: the sheets per unit category, editing one with its rows, copying
it; a cycle's frozen copy; bonus and penalty entries on an assessment."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.cycles import AdjustmentForm, CopySheetForm, IndicatorSheetForm
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import get_assessment
from workflow_app.cycles import indicators as ind
from workflow_app.cycles.indicator_adjustments import (
    LOCKED_STATES,
    adjustments_of,
    can_read_adjustments,
    can_record_adjustment,
    capped_items,
    record_adjustment,
    withdraw_adjustment,
)
from workflow_app.cycles.models import Cycle
from workflow_app.errors import Invalid, NotAllowed, NotFound, StaleVersion
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.scope import reads_all_of
from workflow_app.scoring.results import FLAG_LABELS

bp = Blueprint("indicators", __name__)
FLAG_LABELS.update({"bonus_capped": _l("Bonus capped"), "penalty_capped": _l("Penalty capped")})
GENERAL = _l("General (every other category)")
MAX_LISTED = 500


def _require_editor():
    if not ind.can_edit_sheets(current_user):
        raise NotAllowed()


def _categories(extra=()):
    """[(value, label)]: the general sheet, then every unit category in use."""
    names = set(db.session.scalars(select(OrgUnit.category).distinct())) | set(extra)
    return [("", GENERAL), *((c, c) for c in sorted(n for n in names if n))]


def category_label(category):
    return category or GENERAL


@bp.app_template_filter("indicator_category")
def _category_filter(category):
    return category_label(category)


# --- sheets ------------------------------------------------------------------------------

@bp.get("/admin/indicators")
@login_required
def index():
    _require_editor()
    return _index_page()


def _index_page(copy_forms=None, status=200):
    sheets = ind.all_sheets()
    taken = {s.category for s in sheets}
    free = [(v, label) for v, label in _categories() if v not in taken]
    forms = copy_forms or {}
    for s in sheets:
        forms.setdefault(s.id, CopySheetForm(formdata=None, categories=free,
                                             prefix=f"copy{s.id}"))
    return render_template("cycles/indicators.html", sheets=sheets, copy_forms=forms,
                           free=free, kind_labels=ind.KIND_LABELS,
                           cycles=_cycles_with_copies()), status


def _cycles_with_copies(limit=20):
    """The latest cycles holding a copy of the sheets, to reach their bonus / penalty pages."""
    has_copy = select(ind.CycleIndicatorSheet.cycle_id).distinct()
    return db.session.scalars(select(Cycle).where(Cycle.id.in_(has_copy))
                              .order_by(Cycle.opens_at.desc(), Cycle.id.desc())
                              .limit(limit)).all()


@bp.route("/admin/indicators/new", methods=["GET", "POST"])
@login_required
def new():
    _require_editor()
    return _edit(None)


@bp.route("/admin/indicators/<int:sheet_id>", methods=["GET", "POST"])
@login_required
def edit(sheet_id):
    return _edit(ind.get_sheet(sheet_id, current_user))


def _edit(sheet):
    extra = [sheet.category] if sheet else []
    if request.method == "GET":
        initial = ind.sheet_data(sheet) if sheet else _new_sheet_data()
        form = IndicatorSheetForm(formdata=None, categories=_categories(extra), initial=initial)
        return _edit_page(form, sheet)
    form = IndicatorSheetForm(categories=_categories(extra))
    action = request.form.get("action", "save")
    if action.startswith(("add_row", "remove_row")):
        form.change_rows(action)  # without script the server adds and removes rows
        return _edit_page(form, sheet)
    form.drop_empty_rows()
    try:
        saved = ind.save_sheet(current_user, sheet, form.payload(),
                               loaded=request.form.get("loaded", ""))
    except StaleVersion as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _edit_page(form, sheet, 409, keep_loaded=False)
    except Invalid as exc:
        db.session.rollback()
        # The weights' sum belongs to no single field: its message says what the sum is.
        form.apply_errors({k: v for k, v in exc.fields.items() if k != "weights"})
        if "weights" in exc.fields:
            form.form_errors.append(exc.message)
        return _edit_page(form, sheet, 422)
    db.session.commit()
    flash(gettext("Indicator sheet saved: %(name)s.", name=saved.name), "success")
    return redirect(url_for(".index", _anchor=f"sheet-{saved.id}"), 303)


def _new_sheet_data():
    """The defaults (see indicators.DEFAULT_SHEET) for the first category without a sheet."""
    taken = {s.category for s in ind.all_sheets()}
    free = [v for v, _label in _categories() if v not in taken]
    category = free[0] if free else ""
    name = gettext("Indicator sheet: %(category)s", category=category_label(category))
    return {**ind.DEFAULT_SHEET, "category": category, "name": name}


def _edit_page(form, sheet, status=200, keep_loaded=True):
    """`loaded` stays what the editor first opened across row changes and refusals, so a
    save in between is noticed; after a 409 it is the current one (save again = overwrite)."""
    loaded = request.form.get("loaded") if keep_loaded and request.method == "POST" else None
    return render_template("cycles/indicators_edit.html", form=form, sheet=sheet,
                           kind_labels=ind.KIND_LABELS,
                           loaded=ind.edit_token(sheet) if loaded is None else loaded), status


@bp.post("/admin/indicators/<int:sheet_id>/copy")
@login_required
def copy(sheet_id):
    sheet = ind.get_sheet(sheet_id, current_user)
    taken = {s.category for s in ind.all_sheets()}
    free = [(v, label) for v, label in _categories() if v not in taken]
    form = CopySheetForm(categories=free, prefix=f"copy{sheet_id}")
    try:
        made = ind.copy_sheet(current_user, sheet, form.category.data or "", form.name.data)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _index_page({sheet_id: form}, 422)
    db.session.commit()
    flash(gettext("Copied to %(category)s.", category=category_label(made.category)),
          "success")
    return redirect(url_for(".edit", sheet_id=made.id), 303)


# --- a cycle's copy and its entries ---------------------------------------------------

def _readable_cycle(cycle_id):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    if not cycle.org_units or not all(reads_all_of(current_user, u) for u in cycle.org_units):
        raise NotAllowed()
    return cycle


@bp.get("/admin/cycles/<int:cycle_id>/indicators")
@login_required
def cycle_copy(cycle_id):
    cycle = _readable_cycle(cycle_id)
    entries = db.session.execute(
        select(ind.AssessmentAdjustment, User.display_name)
        .join(Assessment, Assessment.id == ind.AssessmentAdjustment.assessment_id)
        .join(User, User.id == Assessment.cadre_id)
        .where(Assessment.cycle_id == cycle.id)
        .order_by(ind.AssessmentAdjustment.id.desc()).limit(MAX_LISTED)).all()
    assessments = db.session.execute(
        select(Assessment.id, User.display_name, OrgUnit.name)
        .join(User, User.id == Assessment.cadre_id)
        .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
        .where(Assessment.cycle_id == cycle.id)
        .order_by(OrgUnit.name, User.display_name).limit(MAX_LISTED)).all()
    return render_template("cycles/indicators_cycle.html", cycle=cycle,
                           copies=ind.cycle_sheets(cycle.id), entries=entries,
                           assessments=assessments, kind_labels=ind.KIND_LABELS)


@bp.route("/assessments/<int:assessment_id>/adjustments", methods=["GET", "POST"])
@login_required
def adjustments(assessment_id):
    a = get_assessment(assessment_id, current_user)
    allowed = can_record_adjustment if request.method == "POST" else can_read_adjustments
    if not allowed(current_user, a):
        raise NotAllowed()
    items = [(str(i.id), _item_label(i)) for i in capped_items(a)]
    if request.method == "GET":
        return _adjustments_page(a, AdjustmentForm(formdata=None, items=items))
    form = AdjustmentForm(items=items)
    try:
        entry = record_adjustment(a, current_user, item_id=form.item_id.data,
                                  points=form.points.data, reason=form.reason.data)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _adjustments_page(a, form, 422)
    db.session.commit()
    flash(gettext("Recorded: %(item)s, %(points)s points.", item=entry.item.name,
                  points=_points_text(entry.points)), "success")
    return redirect(url_for(".adjustments", assessment_id=a.id), 303)


@bp.post("/assessments/<int:assessment_id>/adjustments/<int:entry_id>/withdraw")
@login_required
def withdraw(assessment_id, entry_id):
    a = get_assessment(assessment_id, current_user)
    try:
        withdraw_adjustment(a, current_user, entry_id, reason=request.form.get("reason"))
    except Invalid:
        db.session.rollback()
        flash(gettext("Please give the reason for withdrawing the entry."), "error")
        return redirect(url_for(".adjustments", assessment_id=a.id, _anchor="entries"), 303)
    db.session.commit()
    flash(gettext("The entry was withdrawn."), "success")
    return redirect(url_for(".adjustments", assessment_id=a.id), 303)


def _item_label(item):
    return gettext("%(kind)s · %(name)s (at most %(cap)s points)",
                   kind=ind.KIND_LABELS[item.kind], name=item.name, cap=_points_text(item.cap))


def _points_text(value):
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _adjustments_page(a, form, status=200):
    return render_template("cycles/indicators_adjustments.html", a=a, form=form,
                           entries=adjustments_of(a.id),
                           locked=a.state in LOCKED_STATES,
                           read_only=not can_record_adjustment(current_user, a),
                           items=capped_items(a), kind_labels=ind.KIND_LABELS,
                           points_text=_points_text), status

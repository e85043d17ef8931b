"""Pages: a sheet's task ownership and the units with their own weights; one item's
ownership; one unit's weights; a cycle's 市县同责连带考核 (the counties' rates, the mean, the
lead unit's points). Services: cycles/ownership.py, cycles/unit_weights.py,
scoring/linkage.py."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from forms.linkage import CompletionsForm, OwnershipForm, UnitWeightsForm
from workflow_app.cycles import indicators as ind
from workflow_app.cycles import ownership as own
from workflow_app.cycles import unit_weights as uw
from workflow_app.cycles.models import Cycle
from workflow_app.errors import Invalid, NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.messages import field_message
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.scoring import linkage as lk

bp = Blueprint("linkage", __name__)


def _sheet(sheet_id):
    return ind.get_sheet(sheet_id, current_user)  # 403 unless a top-level org_admin


def _scope_units():
    """Units under the admin's top-level units: whom ownership may name."""
    paths = [g.org_unit.path for g in current_user.grants
             if g.role == ORG_ADMIN and g.org_unit.parent_id is None]
    if not paths:
        return []
    return db.session.scalars(select(OrgUnit).where(or_(
        *[OrgUnit.path.like(p + "%") for p in paths])).order_by(OrgUnit.path)).all()


def _sheet_units(sheet):
    """Units whose category uses this sheet (the general sheet: those without their own)."""
    taken = [s.category for s in ind.all_sheets() if s.category]
    units = _scope_units()
    if sheet.category:
        return [u for u in units if u.category == sheet.category]
    return [u for u in units if u.category not in taken]


@bp.get("/admin/indicators/<int:sheet_id>/tasks")
@login_required
def sheet_tasks(sheet_id):
    sheet = _sheet(sheet_id)
    items = [i for i in sheet.items if i.kind in ind.WEIGHTED]
    units, cadres = own.names_of(items)
    return render_template("cycles/linkage_sheet.html", sheet=sheet,
                           rows=[own.task_row(i, units, cadres) for i in items],
                           differ=uw.units_that_differ(sheet), units=_sheet_units(sheet))


@bp.route("/admin/indicators/<int:sheet_id>/items/<int:item_id>/ownership",
          methods=["GET", "POST"])
@login_required
def item_ownership(sheet_id, item_id):
    sheet = _sheet(sheet_id)
    item = own.sheet_item(sheet, item_id)
    units = [(u.id, u.name) for u in _scope_units()]
    if request.method == "GET":
        form = OwnershipForm(formdata=None, units=units, data=_initial(item))
        return _ownership_page(sheet, item, form)
    form = OwnershipForm(units=units)
    try:
        own.set_ownership(current_user, sheet, item, _ownership_data(form))
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _ownership_page(sheet, item, form, 422)
    db.session.commit()
    flash(gettext("Task ownership saved: %(name)s.", name=item.name), "success")
    return redirect(url_for(".sheet_tasks", sheet_id=sheet.id), 303)


def _initial(item):
    cadre = db.session.get(User, item.lead_cadre_id) if item.lead_cadre_id else None
    weight = item.linkage_weight
    return {"lead_unit_id": str(item.lead_unit_id or ""),
            "lead_cadre": cadre.username if cadre else "",
            "responsible_unit_ids": [str(u) for u in item.responsible_unit_ids or []],
            "linkage_weight": "" if weight is None else f"{weight:g}",
            "linkage_average": item.linkage_average, "linkage_mode": item.linkage_mode}


def _ownership_data(form):
    name = (form.lead_cadre.data or "").strip()
    cadre_id = None
    if name:
        cadre_id = db.session.scalar(select(User.id).where(User.username == name)) or 0
    return {"lead_unit_id": form.lead_unit_id.data, "lead_cadre_id": cadre_id,
            "responsible_unit_ids": form.responsible_unit_ids.data or [],
            "linkage_weight": form.linkage_weight.data,
            "linkage_average": form.linkage_average.data, "linkage_mode": form.linkage_mode.data}


def _ownership_page(sheet, item, form, status=200):
    return render_template("cycles/linkage_item.html", sheet=sheet, item=item,
                           form=form), status


@bp.route("/admin/indicators/<int:sheet_id>/units/<int:unit_id>/weights",
          methods=["GET", "POST"])
@login_required
def unit_weights(sheet_id, unit_id):
    sheet = _sheet(sheet_id)
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound()
    if not uw.can_adjust_weights(current_user, unit):
        raise NotAllowed()
    uw.sheet_for_unit(sheet, unit)
    if request.method == "GET":
        return _weights_page(sheet, unit, UnitWeightsForm(formdata=None), None)
    form = UnitWeightsForm()
    typed = {str(i.id): request.form.get(f"w-{i.id}", "") for i in sheet.items
             if i.kind in ind.WEIGHTED}
    # An emptied box is the sheet's weight again.
    wanted = {} if request.form.get("action") == "clear" else {
        k: v for k, v in typed.items() if v.strip()}
    try:
        uw.set_unit_weights(current_user, sheet, unit, wanted, form.reason.data)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors({k: v for k, v in exc.fields.items() if k == "reason"})
        if exc.message and "weights" in exc.fields:
            form.form_errors.append(exc.message)
        bad = {k.split(".", 1)[1]: code for k, code in exc.fields.items()
               if k.startswith("weights.")}
        names = {str(i.id): i.name for i in sheet.items}
        form.form_errors += [f"{names.get(k, k)}: {field_message(c)}" for k, c in bad.items()]
        return _weights_page(sheet, unit, form, typed, bad, 422)
    db.session.commit()
    flash(gettext("Weights saved for %(unit)s.", unit=unit.name), "success")
    return redirect(url_for(".sheet_tasks", sheet_id=sheet.id, _anchor="units"), 303)


def _weights_page(sheet, unit, form, typed, bad=(), status=200):
    current = uw.weights_for(sheet, unit.id)
    shown = typed or {str(k): f"{v:g}" for k, v in current.items()}
    return render_template("cycles/linkage_weights.html", sheet=sheet, unit=unit, form=form,
                           items=[i for i in sheet.items if i.kind in ind.WEIGHTED],
                           shown=shown, bad=set(bad)), status


# --- a cycle's 连带考核 ---------------------------------------------------------------------

def _cycle(cycle_id):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    if not lk.can_read_linkage(current_user, cycle):
        raise NotAllowed()
    return cycle


@bp.get("/admin/cycles/<int:cycle_id>/linkage")
@login_required
def cycle_linkage(cycle_id):
    return _linkage_page(_cycle(cycle_id))


@bp.post("/admin/cycles/<int:cycle_id>/linkage")
@login_required
def record_rates(cycle_id):
    cycle = _cycle(cycle_id)
    if not lk.can_record_completions(current_user, cycle):
        raise NotAllowed()
    form = CompletionsForm()
    rows = [{"unit_id": key[5:], "rate": value} for key, value in request.form.items()
            if key.startswith("rate-")]
    try:
        item = lk.record_completions(cycle, current_user, form.item_id.data, rows,
                                     form.note.data)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors({k: v for k, v in exc.fields.items() if k in ("note", "item_id")})
        bad = {k.split(".")[1] for k in exc.fields if k.startswith("completions.")}
        typed = {r["unit_id"]: r["rate"] for r in rows}
        return _linkage_page(cycle, form, typed, {rows[int(n)]["unit_id"] for n in bad}, 422)
    db.session.commit()
    flash(gettext("Completion rates saved: %(name)s.", name=item.name), "success")
    return redirect(url_for(".cycle_linkage", cycle_id=cycle.id, _anchor=f"item-{item.id}"),
                    303)


def _linkage_page(cycle, form=None, typed=None, bad=(), status=200):
    summaries = lk.summarize(cycle)
    leads = {u.id: u.name for u in db.session.scalars(select(OrgUnit).where(
        OrgUnit.id.in_({s.item.lead_unit_id for s in summaries})))} if summaries else {}
    return render_template("cycles/linkage_cycle.html", cycle=cycle, summaries=summaries,
                           leads=leads, form=form or CompletionsForm(formdata=None),
                           posted_item=form.item_id.data if form else None,
                           typed=typed or {}, bad=set(bad), rate_cap=lk.rate_cap(cycle),
                           can_record=lk.can_record_completions(current_user, cycle)
                           and cycle.status not in lk.LOCKED), status

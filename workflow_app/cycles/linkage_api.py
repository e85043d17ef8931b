"""API: task ownership of a sheet's indicators, units' own weights, and a cycle's
市县同责连带考核 (the counties' completion rates, their mean, the lead unit's points)."""

from flask import jsonify

from workflow_app.api import bp, current_api_user, validated
from workflow_app.api.schemas.linkage import (
    CompletionsRequest,
    OwnershipRequest,
    UnitWeightsRequest,
)
from workflow_app.cycles import ownership as own
from workflow_app.cycles import unit_weights as uw
from workflow_app.cycles.indicators import WEIGHTED, get_sheet
from workflow_app.cycles.models import Cycle
from workflow_app.errors import NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.scoring import linkage as lk


def _task(item):
    units, cadres = own.names_of([item])
    return {**own.task_row(item, units, cadres), "linkage_average": item.linkage_average,
            "linkage_mode": item.linkage_mode}


@bp.get("/indicator-sheets/<int:sheet_id>/tasks")
def list_sheet_tasks(sheet_id):
    sheet = get_sheet(sheet_id, current_api_user())
    return jsonify([_task(i) for i in sheet.items if i.kind in WEIGHTED])


@bp.put("/indicator-sheets/<int:sheet_id>/tasks/<int:item_id>")
def put_sheet_task(sheet_id, item_id):
    user = current_api_user()
    sheet = get_sheet(sheet_id, user)
    body = validated(OwnershipRequest)
    item = own.set_ownership(user, sheet, own.sheet_item(sheet, item_id), body.model_dump())
    db.session.commit()
    return jsonify(_task(item))


def _unit_weights(sheet, unit):
    rows = {r.item_id: r for r in uw.rows_of(sheet, unit.id)}
    weights = uw.weights_for(sheet, unit.id)
    reason = next(iter(rows.values())).reason if rows else None
    return {"unit_id": unit.id, "unit": unit.name, "reason": reason, "differs": bool(rows),
            "items": [{"item_id": i.id, "name": i.name, "sheet_weight": float(i.weight),
                       "weight": float(weights[i.id])} for i in sheet.items
                      if i.kind in WEIGHTED]}


@bp.get("/indicator-sheets/<int:sheet_id>/unit-weights")
def list_unit_weights(sheet_id):
    sheet = get_sheet(sheet_id, current_api_user())
    return jsonify([_unit_weights(sheet, d["unit"]) for d in uw.units_that_differ(sheet)])


@bp.put("/indicator-sheets/<int:sheet_id>/unit-weights/<int:unit_id>")
def put_unit_weights(sheet_id, unit_id):
    user = current_api_user()
    sheet = get_sheet(sheet_id, user)
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound()
    body = validated(UnitWeightsRequest)
    uw.set_unit_weights(user, sheet, unit, body.weights, body.reason)
    db.session.commit()
    return jsonify(_unit_weights(sheet, unit))


def _linked(cycle, linked):
    item = linked.item
    return {"item_id": item.id, "name": item.name, "lead_unit_id": item.lead_unit_id,
            "linkage_weight": float(item.linkage_weight), "linkage_average": item.linkage_average,
            "linkage_mode": item.linkage_mode, "rate_cap": float(lk.rate_cap(cycle)),
            "counties": [{"unit_id": c.unit.id, "unit": c.unit.name, "weight": float(c.weight),
                          "rate": None if c.rate is None else float(c.rate)}
                         for c in linked.counties],
            "mean": None if linked.mean is None else float(linked.mean),
            "points": None if linked.points is None else float(linked.points)}


def _cycle(cycle_id, user):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    if not lk.can_read_linkage(user, cycle):
        raise NotAllowed()
    return cycle


@bp.get("/cycles/<int:cycle_id>/linkage")
def cycle_linkage_api(cycle_id):
    cycle = _cycle(cycle_id, current_api_user())
    return jsonify([_linked(cycle, s) for s in lk.summarize(cycle)])


@bp.put("/cycles/<int:cycle_id>/linkage")
def put_cycle_linkage(cycle_id):
    user = current_api_user()
    cycle = _cycle(cycle_id, user)
    if not lk.can_record_completions(user, cycle):
        raise NotAllowed()  # before the body: the permission refuses, not a field
    body = validated(CompletionsRequest)
    item = lk.record_completions(cycle, user, body.item_id,
                                 [r.model_dump() for r in body.completions], body.note)
    db.session.commit()
    linked = next(s for s in lk.summarize(cycle) if s.item.id == item.id)
    return jsonify(_linked(cycle, linked))

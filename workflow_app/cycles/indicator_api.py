"""API: indicator sheets, a cycle's copy of them, and bonus and penalty entries (加分 / 扣分)
on an assessment."""

from flask import jsonify

from workflow_app.api import bp, current_api_user, validated
from workflow_app.api.schemas.cycles import (
    AdjustmentRequest,
    IndicatorSheetRequest,
    WithdrawRequest,
)
from workflow_app.assessments.services import get_assessment
from workflow_app.cycles.indicator_adjustments import (
    adjustments_of,
    record_adjustment,
    withdraw_adjustment,
)
from workflow_app.cycles.indicators import (
    all_sheets,
    can_edit_sheets,
    cycle_sheets,
    get_sheet,
    save_sheet,
)
from workflow_app.cycles.models import Cycle
from workflow_app.errors import NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.people.scope import reads_all_of


def _entry(e):
    return {"id": e.id, "assessment_id": e.assessment_id, "item_id": e.item_id,
            "item": e.item.name, "kind": e.item.kind, "points": float(e.points),
            "reason": e.reason, "recorded_by": e.recorded_by_id,
            "created_at": e.created_at.isoformat()}


@bp.post("/assessments/<int:assessment_id>/adjustments")
def create_adjustment(assessment_id):
    user = current_api_user()
    body = validated(AdjustmentRequest)
    assessment = get_assessment(assessment_id, user)
    entry = record_adjustment(assessment, user, item_id=body.item_id, points=body.points,
                              reason=body.reason)
    db.session.commit()
    return jsonify(_entry(entry)), 201


@bp.post("/assessments/<int:assessment_id>/adjustments/<int:entry_id>/withdraw")
def withdraw_adjustment_api(assessment_id, entry_id):
    user = current_api_user()
    body = validated(WithdrawRequest)
    assessment = get_assessment(assessment_id, user)
    withdraw_adjustment(assessment, user, entry_id, reason=body.reason)
    db.session.commit()
    return jsonify({"id": entry_id, "withdrawn": True})


@bp.get("/assessments/<int:assessment_id>/adjustments")
def list_adjustments(assessment_id):
    user = current_api_user()
    assessment = get_assessment(assessment_id, user)
    return jsonify([_entry(e) for e in adjustments_of(assessment.id)])


def _number(value):
    return None if value is None else float(value)


@bp.get("/cycles/<int:cycle_id>/indicators")
def cycle_indicators(cycle_id):
    user = current_api_user()
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    if not cycle.org_units or not all(reads_all_of(user, u) for u in cycle.org_units):
        raise NotAllowed()
    return jsonify([{"category": category, "name": sheet.name,
                     "bonus_cap": float(sheet.bonus_cap),
                     "penalty_cap": float(sheet.penalty_cap),
                     "items": [{"id": i.id, "kind": i.kind, "name": i.name,
                                "standard": i.standard, "weight": float(i.weight),
                                "cap": _number(i.cap)} for i in items]}
                    for category, (sheet, items) in cycle_sheets(cycle.id).items()])


# --- the sheets themselves (org_admin of a top-level unit) ------------------------------

def _sheet(s):
    return {"id": s.id, "category": s.category, "name": s.name,
            "bonus_cap": float(s.bonus_cap), "penalty_cap": float(s.penalty_cap),
            "items": [{"kind": i.kind, "name": i.name, "standard": i.standard,
                       "weight": float(i.weight), "cap": _number(i.cap)} for i in s.items]}


@bp.get("/indicator-sheets")
def list_sheets():
    if not can_edit_sheets(current_api_user()):
        raise NotAllowed()
    return jsonify([_sheet(s) for s in all_sheets()])


@bp.post("/indicator-sheets")
def create_sheet():
    user = current_api_user()
    if not can_edit_sheets(user):
        raise NotAllowed()
    made = save_sheet(user, None, validated(IndicatorSheetRequest).given())
    db.session.commit()
    return jsonify(_sheet(made)), 201


@bp.put("/indicator-sheets/<int:sheet_id>")
def update_sheet(sheet_id):
    user = current_api_user()
    sheet = get_sheet(sheet_id, user)
    saved = save_sheet(user, sheet, validated(IndicatorSheetRequest).given())
    db.session.commit()
    return jsonify(_sheet(saved))

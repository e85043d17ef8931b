"""业绩晾晒 in the JSON API: read a board, record stars, record a 减星.

Who records is checked before the body is read: a cadre or an auditor is refused (403)
whatever they send.
"""

from flask import jsonify

from workflow_app.api import bp, current_api_user, validated
from workflow_app.api.schemas.showcase import DeductionRequest, StarsRequest
from workflow_app.errors import NotAllowed
from workflow_app.extensions import db
from workflow_app.showcase import services as svc
from workflow_app.showcase.access import can_record_stars, can_see_board
from workflow_app.showcase.board import standings
from workflow_app.showcase.rules import DIMENSIONS


def _cell(cell):
    return {"earned": cell.earned, "deducted": cell.deducted, "shown": cell.shown}


def entry_json(entry):
    kind, subject_id = entry.subject
    return {"subject_type": kind, "subject_id": subject_id, "dimension": entry.dimension,
            **_cell(entry)}


def deduction_json(d, with_entry=False):
    kind, subject_id = d.entry.subject
    body = {"id": d.id, "subject_type": kind, "subject_id": subject_id,
            "dimension": d.entry.dimension, "stars": d.stars, "kind": d.kind,
            "reason": d.reason, "on": d.on_date.isoformat(), "withdrawn": d.withdrawn_at
            is not None}
    return body | ({"entry": entry_json(d.entry)} if with_entry else {})


def _row_json(row):
    return {"subject_type": row.kind, "subject_id": row.id, "name": row.name,
            "rank": row.rank, "total": row.total,
            "stars": {d: _cell(c) for d, c in row.cells.items()}}


def board_json(s, user):
    return {"unit_id": s.unit.id, "unit_name": s.unit.name, "period": s.period.code,
            "period_label": s.period.label, "max_stars": s.max_stars,
            "dimensions": {k: str(v) for k, v in DIMENSIONS.items()},
            "can_record": can_record_stars(user, s.unit),
            "persons": [_row_json(r) for r in s.persons],
            "departments": [_row_json(r) for r in s.departments],
            "deductions": [deduction_json(d) for d in s.deductions]}


@bp.get("/org-units/<int:unit_id>/showcase/<period>")
def get_showcase_board(unit_id, period):
    user, unit = current_api_user(), svc.get_unit(unit_id)
    if not can_see_board(user, unit):
        raise NotAllowed()
    return jsonify(board_json(standings(unit, svc.get_period(period)), user))


def _recorder_board(unit_id, period):
    user, unit = current_api_user(), svc.get_unit(unit_id)
    if not can_record_stars(user, unit):
        raise NotAllowed()
    return user, unit, svc.get_period(period)


@bp.put("/org-units/<int:unit_id>/showcase/<period>/stars")
def put_showcase_stars(unit_id, period):
    user, unit, period = _recorder_board(unit_id, period)
    body = validated(StarsRequest)
    entry = svc.set_stars(user, unit, period, (body.subject_type, body.subject_id),
                          body.dimension, body.stars, note=body.note or "", on=body.on)
    db.session.commit()
    return jsonify(entry_json(entry))


@bp.post("/org-units/<int:unit_id>/showcase/<period>/deductions")
def post_showcase_deduction(unit_id, period):
    user, unit, period = _recorder_board(unit_id, period)
    body = validated(DeductionRequest)
    deduction = svc.deduct_stars(user, unit, period, (body.subject_type, body.subject_id),
                                 body.dimension, body.stars, body.kind, body.reason,
                                 on=body.on)
    db.session.commit()
    return jsonify(deduction_json(deduction, with_entry=True)), 201

"""API: the bottom-ranked of a graded cycle, and opening, recording and closing their
follow-ups with rectification measures (org_admin of the subject's unit; auditors read)."""

from flask import jsonify, request

from workflow_app.api import bp, current_api_user, validated
from workflow_app.api.schemas.followups import (
    CloseRequest,
    FollowUpRequest,
    FollowUpUpdate,
    MeasureDoneRequest,
    MeasureRequest,
)
from workflow_app.cycles.models import Cycle
from workflow_app.errors import Invalid, NotFound
from workflow_app.extensions import db
from workflow_app.followups import services as svc
from workflow_app.followups.candidates import candidates_json, open_for_cycle
from workflow_app.people.models import User
from workflow_app.scoring.results import readable_cycle
from workflow_app.security.inputs import to_int


def _cycle(cycle_id):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    return cycle


@bp.get("/cycles/<int:cycle_id>/follow-up-candidates")
def follow_up_candidates(cycle_id):
    user = current_api_user()
    cycle = readable_cycle(cycle_id, user)
    return jsonify(candidates_json(cycle, svc.follow_ups_in_scope(user, cycle.id)))


@bp.get("/follow-ups")
def list_follow_ups():
    cycle_id = request.args.get("cycle_id")
    wanted = to_int(cycle_id) if cycle_id else None
    if cycle_id and wanted is None:
        raise Invalid(fields={"cycle_id": "not_a_number"})
    rows = svc.follow_ups_in_scope(current_api_user(), wanted)
    return jsonify([svc.follow_up_json(f) for f in rows])


@bp.post("/cycles/<int:cycle_id>/follow-ups")
def open_follow_up_api(cycle_id):
    user = current_api_user()
    body = validated(FollowUpRequest)
    follow_up, created = open_for_cycle(
        _cycle(cycle_id), user, user_id=body.user_id, org_unit_id=body.org_unit_id,
        kind=body.kind, reason=body.reason, note=body.note, held_on=body.held_on,
        problems=body.problems)
    db.session.commit()
    return jsonify(svc.follow_up_json(follow_up)), 201 if created else 200


@bp.get("/follow-ups/<int:follow_up_id>")
def show_follow_up(follow_up_id):
    return jsonify(svc.follow_up_json(svc.get_follow_up(follow_up_id, current_api_user())))


@bp.put("/follow-ups/<int:follow_up_id>")
def update_follow_up_api(follow_up_id):
    user = current_api_user()
    body = validated(FollowUpUpdate)
    follow_up = svc.get_follow_up(follow_up_id, user)
    changes = body.given()
    version = changes.pop("version", None)
    svc.update_follow_up(follow_up, user, version=version, **changes)
    db.session.commit()
    return jsonify(svc.follow_up_json(follow_up))


@bp.post("/follow-ups/<int:follow_up_id>/close")
def close_follow_up_api(follow_up_id):
    user = current_api_user()
    body = validated(CloseRequest)
    follow_up = svc.get_follow_up(follow_up_id, user)
    svc.close_follow_up(follow_up, user, outcome=body.outcome, version=body.version)
    db.session.commit()
    return jsonify(svc.follow_up_json(follow_up))


@bp.post("/follow-ups/<int:follow_up_id>/measures")
def add_measure_api(follow_up_id):
    user = current_api_user()
    body = validated(MeasureRequest)
    follow_up = svc.get_follow_up(follow_up_id, user)
    measure = svc.add_measure(follow_up, user, text=body.text, due_on=body.due_on,
                              owner=db.session.get(User, body.owner_id))
    db.session.commit()
    return jsonify(svc.measure_json(measure)), 201


@bp.post("/follow-ups/<int:follow_up_id>/measures/<int:measure_id>/done")
def complete_measure_api(follow_up_id, measure_id):
    user = current_api_user()
    body = validated(MeasureDoneRequest)
    follow_up = svc.get_follow_up(follow_up_id, user)
    measure = svc.complete_measure(svc.get_measure(follow_up, measure_id), user, note=body.note)
    db.session.commit()
    return jsonify(svc.measure_json(measure))

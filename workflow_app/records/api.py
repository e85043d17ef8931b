"""API: a cadre's record (实绩档案), the same data as the page."""

from flask import jsonify

from workflow_app.api import bp, current_api_user
from workflow_app.records.record import build_record, record_cadre, record_json


@bp.get("/people/<int:user_id>/record")
def person_record(user_id):
    user = current_api_user()
    return jsonify(record_json(build_record(record_cadre(user_id, user), user)))

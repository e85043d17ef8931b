"""API: indicator actuals from a source office (数据同源), imported as JSON rows."""

from flask import jsonify

from workflow_app.api import bp, current_api_user, validated
from workflow_app.api.schemas.actuals import ActualsImportRequest
from workflow_app.cycles.actuals import import_actuals, in_scope, require_importer
from workflow_app.cycles.models import Cycle
from workflow_app.errors import NotFound
from workflow_app.extensions import db

MAX_LISTED = 20000  # one import's worth of rows


def _cycle(cycle_id, user):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    require_importer(user, cycle)
    return cycle


@bp.post("/cycles/<int:cycle_id>/actuals")
def import_actuals_api(cycle_id):
    user = current_api_user()
    cycle = _cycle(cycle_id, user)
    body = validated(ActualsImportRequest)
    rows = [{"line": n, **row.model_dump(), "source": row.source or body.source}
            for n, row in enumerate(body.rows, start=1)]
    batch = import_actuals(cycle, user, rows, via="api", file_name=body.file_name or "")
    db.session.commit()
    return jsonify({"id": batch.id, "cycle_id": cycle.id, "via": batch.via,
                    "rows": batch.row_count, "created": batch.created_count,
                    "replaced": batch.replaced_count,
                    "imported_at": batch.imported_at.isoformat()}), 201


@bp.get("/cycles/<int:cycle_id>/actuals")
def list_actuals(cycle_id):
    """The cycle's figures for cadres under the caller's own units."""
    user = current_api_user()
    cycle = _cycle(cycle_id, user)
    found = sorted(in_scope(cycle.id, user, MAX_LISTED), key=lambda r: r[0].id)
    return jsonify([_actual(a, username) for a, _name, username, _unit in found])


def _actual(a, username):
    return {"id": a.id, "assessment_id": a.assessment_id, "account": username,
            "item_id": a.cycle_item_id, "item": a.item.name, "value": float(a.value),
            "target": None if a.target is None else float(a.target), "source": a.source,
            "import_id": a.import_id, "imported_at": a.imported_at.isoformat()}

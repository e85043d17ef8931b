"""API: cycles, opening, grading, publishing, results."""

from flask import jsonify, request
from sqlalchemy import select

from workflow_app.api import bp, current_api_user, validated
from workflow_app.api.schemas.cycles import CycleRequest
from workflow_app.assessments.models import Assessment
from workflow_app.clock import as_utc
from workflow_app.cycles.models import KINDS, Cycle
from workflow_app.cycles.progress import state_counts, unit_counts
from workflow_app.cycles.services import can_manage_cycle, create_cycle, open_cycle
from workflow_app.cycles.urging import remind_drafters
from workflow_app.errors import Invalid, NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.people.scope import reads_all_of
from workflow_app.scoring.grading import merged_config
from workflow_app.scoring.services import grade_cycle, publish_cycle
from workflow_app.security.inputs import query_int


def cycle_json(c):
    def t(v):
        return as_utc(v).isoformat() if v else None
    return {"id": c.id, "name": c.name, "kind": c.kind, "year": c.year, "quarter": c.quarter,
            "month": c.month, "half": c.half,
            "workflow": c.workflow_key, "workflow_version": c.workflow_version,
            "status": c.status, "org_unit_ids": [u.id for u in c.org_units],
            "opens_at": t(c.opens_at), "submit_deadline": t(c.submit_deadline),
            "committee_stage": c.committee_stage, "publicity_days": c.publicity_days,
            "appeal_days": c.appeal_days, "grading": c.grading,
            "publication_ends_at": t(c.publication_ends_at)}


def _units(ids):
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids))).all()
    if len(units) != len(set(ids)):
        raise Invalid(fields={"org_unit_ids": "not_found"})
    return units


def managed_cycle(cycle_id):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    if not can_manage_cycle(current_api_user(), cycle):
        raise NotAllowed()
    return cycle


@bp.post("/cycles")
def create_cycle_api():
    body = validated(CycleRequest)
    cycle = create_cycle(current_api_user(), body.given(), _units(body.org_unit_ids))
    db.session.commit()
    return jsonify(cycle_json(cycle)), 201


def readable_cycle(cycle_id):
    """A cycle whose every unit the caller reads (org_admin or auditor over it)."""
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    if not all(reads_all_of(current_api_user(), u) for u in cycle.org_units):
        raise NotAllowed()
    return cycle


@bp.get("/cycles")
def list_cycles():
    """The cycles the caller reads (every unit in its scope), newest period first;
    `?kind=monthly&year=2026` narrows them. Cycles are a few per period: the scope is
    checked per cycle, then the page is cut."""
    query = select(Cycle).order_by(Cycle.year.desc(), Cycle.opens_at.desc(), Cycle.id.desc())
    kind = request.args.get("kind")
    if kind:
        if kind not in KINDS:
            raise Invalid(fields={"kind": "unknown"})
        query = query.where(Cycle.kind == kind)
    year = query_int("year", None, 2000, 2100)
    if year is not None:
        query = query.where(Cycle.year == year)
    user = current_api_user()
    readable = [c for c in db.session.scalars(query)
                if all(reads_all_of(user, u) for u in c.org_units)]
    offset = query_int("offset", 0, 0, 10**9)
    return jsonify([cycle_json(c) for c in readable[offset:offset + query_int(
        "limit", 100, 1, 500)]])


@bp.get("/cycles/<int:cycle_id>")
def show_cycle(cycle_id):
    return jsonify(cycle_json(readable_cycle(cycle_id)))


@bp.post("/cycles/<int:cycle_id>/open")
def open_cycle_api(cycle_id):
    cycle = managed_cycle(cycle_id)
    created = open_cycle(cycle, current_api_user())
    db.session.commit()
    return jsonify({**cycle_json(cycle), "created": len(created)})


@bp.post("/cycles/<int:cycle_id>/grade")
def grade_cycle_api(cycle_id):
    cycle = managed_cycle(cycle_id)
    summary = grade_cycle(cycle, current_api_user())
    db.session.commit()
    return jsonify(summary)


@bp.post("/cycles/<int:cycle_id>/publish")
def publish_cycle_api(cycle_id):
    cycle = managed_cycle(cycle_id)
    published = publish_cycle(cycle, current_api_user())
    db.session.commit()
    return jsonify({**cycle_json(cycle), "published": len(published)})


@bp.get("/cycles/<int:cycle_id>/results")
def cycle_results(cycle_id):
    cycle = readable_cycle(cycle_id)
    tiers = merged_config(cycle.grading, cycle.kind).get("pay_tiers") or {}
    rows = db.session.scalars(select(Assessment).where(
        Assessment.cycle_id == cycle_id, Assessment.grade.is_not(None))
        .order_by(Assessment.rank, Assessment.id)).all()
    return jsonify([{"assessment_id": a.id, "cadre_id": a.cadre_id,
                     "score": float(a.score) if a.score is not None else None,
                     "grade": a.grade, "rank": a.rank, "flags": a.flags, "state": a.state,
                     "pay_pct": tiers.get(a.grade)}
                    for a in rows])


@bp.get("/cycles/<int:cycle_id>/progress")
def cycle_progress_api(cycle_id):
    cycle = readable_cycle(cycle_id)
    counts = state_counts(cycle)
    return jsonify({"total": sum(counts.values()), "by_state": counts,
                    "by_unit": unit_counts(cycle)})


@bp.post("/cycles/<int:cycle_id>/remind")
def cycle_remind_api(cycle_id):
    cycle = managed_cycle(cycle_id)
    queued = remind_drafters(cycle, current_api_user())
    db.session.commit()
    return jsonify({"queued": queued})

"""JSON shapes of assessments, shared by the API and the web views."""

from workflow_app.assessments import committee
from workflow_app.assessments.guards import OBJECTION_EVENTS, objection_closed
from workflow_app.assessments.models import Review
from workflow_app.assessments.permissions import (
    allowed_events,
    relations,
    sees_details,
    withholds_result,
)
from workflow_app.assessments.services import current_report
from workflow_app.audit.services import history
from workflow_app.clock import as_utc, utcnow
from workflow_app.extensions import db
from workflow_app.scoring.disputes_privacy import visible_history
from workflows import engine_for


def _num(value):
    return float(value) if value is not None else None


def _time(value):
    return as_utc(value).isoformat() if value is not None else None


def summary_json(a, user):
    return _summary(a, a.cadre.display_name, user)


def summary_row_json(row, user):
    """The same shape from a plain row (`queries.task_rows`): no ORM object behind it."""
    return _summary(row, row.cadre_name, user)


def _summary(a, cadre_name, user):
    hidden = withholds_result(user, a)
    return {"id": a.id, "cycle_id": a.cycle_id, "cadre_id": a.cadre_id,
            "cadre_name": cadre_name, "org_unit_id": a.org_unit_id,
            "state": a.state, "version": a.version,
            "score": None if hidden else _num(a.score), "grade": None if hidden else a.grade,
            "state_since": _time(a.state_since)}


def detail_json(a, user):
    rels = relations(user, a)
    out = summary_json(a, user)
    hidden = withholds_result(user, a)
    out.update({"allowed_events": offered_events(a, allowed_events(user, a, rels)),
                "rank": None if hidden else a.rank,
                "flags": [] if hidden else list(a.flags or []),
                "report": None, "scores": [], "history": []})
    if sees_details(user, a, rels):
        report = current_report(a)
        out["report"] = {"revision": report.revision, "content": report.content,
                         "draft_version": report.draft_version,
                         "submitted_at": _time(report.submitted_at)}
        out["scores"] = [_review_json(r) for r in _reviews(a)]
        out["history"] = [_entry_json(e) for e in _history(a, user)]
        out["committee"] = _committee_json(a) if committee.is_committee_stage(a) else None
    return out


def offered_events(a, events):
    """What a client may offer as a button: a dispute or appeal whose period has passed is
    not (it would only be refused after the form is filled in)."""
    if not set(events) & set(OBJECTION_EVENTS):
        return events
    engine = engine_for(a.cycle.workflow_key, a.cycle.workflow_version)
    report, now = current_report(a), utcnow()
    return [e for e in events
            if e not in OBJECTION_EVENTS or objection_closed(a, e, report, now, engine) is None]


def _committee_json(a):
    """The current round's tally, as the assessment page shows it."""
    t = committee.tally(a)
    return {"rule": t["rule"], "eligible": t["eligible"], "quorum": t["quorum"],
            "needed": t["needed"], "agree": t["approvals"], "disagree": t["against"],
            "abstain": t["abstentions"], "not_voted": len(t["waiting"]),
            "votes": [{"member_id": v.member_id, "vote": v.decision, "score": _num(v.score),
                       "comment": v.comment, "at": _time(v.created_at)} for v in t["votes"]]}


def _history(a, user):
    """The history, without the objector of a dispute for those who may not know them."""
    return visible_history(history("assessment", a.id), user, a)


def _reviews(a):
    return db.session.scalars(db.select(Review).where(Review.assessment_id == a.id)
                              .order_by(Review.id)).all()


def _review_json(r):
    return {"stage": r.stage, "reviewer_id": r.reviewer_id, "decision": r.decision,
            "score": _num(r.score), "comment": r.comment, "at": _time(r.created_at)}


def _entry_json(e):
    return {"seq": e.seq, "at": _time(e.at), "actor_id": e.actor_id, "actor_role": e.actor_role,
            "event": e.action, "from": e.from_state, "to": e.to_state, "comment": e.comment,
            "data": e.data}

"""What each event does besides moving the state: reviews, report revisions,
objections; the next person is told after the commit (assessments.fanout)."""

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from workflow_app.assessments import fanout
from workflow_app.assessments.models import Objection, Review, SelfReport
from workflow_app.extensions import db

ROWS_KEY = "batched_rows"


def apply(assessment, event, source, actor, params, report, now):
    handler = HANDLERS.get(event)
    if handler:
        handler(assessment, source, actor, params, report, now)
    notify_next(assessment, event, actor, params, now)


def _submit(assessment, source, actor, params, report, now):
    report.submitted_at = now


def _review(decision):
    def handler(assessment, source, actor, params, report, now):
        # A committee stage closed by its rule names the member whose vote closed it.
        reviewer_id = params.get("reviewer_id") or actor.id
        add_row(Review, assessment_id=assessment.id, stage=source, reviewer_id=reviewer_id,
                decision=decision, score=params.get("score"),
                comment=params.get("comment") or "", report_revision=report.revision,
                created_at=now)
        if decision == "send_back":
            # The submitted version stays as it was; the cadre edits a fresh copy.
            fresh = SelfReport(assessment_id=assessment.id, revision=report.revision + 1,
                               content=dict(report.content), updated_at=now)
            db.session.add(fresh)
            set_committed_value(assessment, "current_report", fresh)
    return handler


def add_row(model, **values):
    """Add a row; in batch mode (services.batched) gather it for one executemany INSERT."""
    gathered = db.session.info.get(ROWS_KEY)
    if gathered is not None:
        gathered.setdefault(model.__table__, []).append(values)
    else:
        db.session.add(model(**values))


def _raise_objection(kind):
    def handler(assessment, source, actor, params, report, now):
        db.session.add(Objection(
            assessment_id=assessment.id, kind=kind, raised_by_id=actor.id,
            reason=params["reason"], created_at=now, result_snapshot=result_snapshot(assessment)))
    return handler


def _resolve_objection(status):
    def handler(assessment, source, actor, params, report, now):
        objection = open_objection(assessment)
        if objection is not None:
            objection.status = status
            objection.resolution = params.get("reason") or params.get("comment") or ""
            objection.resolved_by_id = actor.id
            objection.resolved_at = now
        if status in ("upheld", "granted"):
            # Re-review: the result is recomputed after the new decision.
            assessment.score = assessment.grade = assessment.rank = None
            assessment.flags = []
    return handler


def result_snapshot(assessment):
    return {"score": str(assessment.score) if assessment.score is not None else None,
            "grade": assessment.grade, "rank": assessment.rank,
            "flags": list(assessment.flags or [])}


def open_objection(assessment):
    return db.session.scalar(
        select(Objection).where(Objection.assessment_id == assessment.id,
                                Objection.status == "open")
        .order_by(Objection.id.desc()).limit(1))


HANDLERS = {
    "submit": _submit,
    "approve": _review("approve"),
    "send_back": _review("send_back"),
    "dispute": _raise_objection("dispute"),
    "appeal": _raise_objection("appeal"),
    "uphold": _resolve_objection("upheld"),
    "dismiss": _resolve_objection("dismissed"),
    "grant": _resolve_objection("granted"),
    "deny": _resolve_objection("denied"),
}


def notify_next(assessment, event, actor, params, now):
    """Nothing to write: the move's audit entry is the outbox event, and the version it
    moved past `told_version` says it is still to be told (assessments.fanout, after the
    commit, in bulk). Only mark that this transaction left something to tell."""
    fanout.mark_written(db.session)

"""What each event does besides moving the state: reviews, report revisions,
objections and the notifications that tell the next person."""

from sqlalchemy import select

from workflow_app.assessments import committee
from workflow_app.assessments.models import Objection, Review, SelfReport
from workflow_app.extensions import db
from workflow_app.notifications.services import queue_many
from workflow_app.people.roles import COMMITTEE, ORG_ADMIN, SECRETARY
from workflow_app.people.services import holders_of
from workflows import get_workflow

STAGE_ROLES = {"committee": COMMITTEE, "secretary": SECRETARY}
NOTES_KEY = "batched_notifications"
ROWS_KEY = "batched_rows"


def apply(assessment, event, source, actor, params, report, now):
    handler = HANDLERS.get(event)
    if handler:
        handler(assessment, source, actor, params, report, now)
    notify_next(assessment, event, actor, params)


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
            db.session.add(SelfReport(assessment_id=assessment.id, revision=report.revision + 1,
                                      content=dict(report.content), updated_at=now))
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


def stage_people(assessment, state):
    """Who acts on `assessment` in `state` (for notifications and task lists)."""
    wf = get_workflow(assessment.cycle.workflow_key, assessment.cycle.workflow_version)
    relation = wf.stage_actor.get(state)
    if relation == "supervisor":
        sup = assessment.cadre.supervisor
        return [sup] if sup is not None else []
    if relation == "committee":
        # Members who stepped out (回避) or already decided this round wait for nobody.
        # A round that began with the latest entry has no votes yet: every vote is an entry.
        fresh = assessment.stage_seq == assessment.version
        voted = set() if fresh else {v.member_id for v in committee.round_votes(assessment)}
        return [u for u in committee.eligible_members(assessment) if u.id not in voted]
    if relation in STAGE_ROLES:
        return [u for u in holders_of(STAGE_ROLES[relation], assessment.org_unit)
                if u.id != assessment.cadre_id]
    return []


def notify_next(assessment, event, actor, params):
    cycle, cadre = assessment.cycle, assessment.cadre
    base = {"cycle": cycle.name, "cadre": cadre.display_name,
            "actor": actor.display_name if actor else "", "comment": params.get("comment") or "",
            "reason": params.get("reason") or "", "grade": assessment.grade or "",
            "event": event, "until": ""}
    key = f"a{assessment.id}:v{assessment.version}"
    link = f"/assessments/{assessment.id}"
    items = [(user, kind, base, f"{key}:{kind}", link, None)
             for user, kind in _recipients(assessment, event)]
    gathered = db.session.info.get(NOTES_KEY)
    if gathered is not None:
        gathered += items  # batch mode: written with the others (services.write_batch)
    else:
        queue_many(items, load=False)  # one INSERT for all recipients


def _recipients(assessment, event):
    state, cadre = assessment.state, assessment.cadre
    if event in ("submit", "approve", "uphold", "grant") and state != "approved":
        return [(u, "review_waiting") for u in stage_people(assessment, state)]
    if event == "approve":
        return [(cadre, "approved")]
    if event == "send_back":
        return [(cadre, "sent_back")]
    if event in ("dispute", "appeal"):
        return [(u, "objection_raised") for u in holders_of(ORG_ADMIN, assessment.org_unit)]
    if event in ("dismiss", "deny"):
        return [(cadre, "objection_resolved")]
    if event == "finalize":
        return [(cadre, "finalized")]
    return []

"""Objections to a result: 异议 during 公示 (dispute) and 申诉 after 备案 (appeal).

Raising and resolving are the workflow events of DESIGN §3 (fired through
assessments.services.fire_event, so permission, guards, audit and notifications
are the engine's); this module adds the evidence files, the per-cycle list the
organisation department works from, and finalising a whole cycle at the end of 公示.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from workflow_app.assessments import attachments
from workflow_app.assessments.effects import open_objection
from workflow_app.assessments.guards import objection_closed
from workflow_app.assessments.models import Assessment, Objection
from workflow_app.assessments.permissions import can_fire
from workflow_app.assessments.services import fire_event
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.services import can_manage_cycle
from workflow_app.errors import Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.scoring.disputes_models import ObjectionEvidence
from workflow_app.scoring.disputes_privacy import sees_objector
from workflows import engine_for

RAISE_EVENTS = ("dispute", "appeal")
RESOLVE_EVENTS = {"dispute": ("uphold", "dismiss"), "appeal": ("grant", "deny")}
MAX_EVIDENCE = 5
TOO_MANY = _l("At most 5 evidence files per objection.")


def can_raise_dispute(user, assessment, now=None):
    """May `user` object to this result now: one of the workflow's actors of `dispute`
    (the cadre, anyone in the unit), on a published result, while 公示 runs."""
    if not can_fire(user, assessment, "dispute"):
        return False
    now = as_utc(now) if now else utcnow()
    engine = engine_for(assessment.cycle.workflow_key, assessment.cycle.workflow_version)
    return objection_closed(assessment, "dispute", None, now, engine) is None


def raise_objection(assessment, actor, event, *, reason, files=(), version=None, now=None,
                    client_addr=""):
    """Fire `dispute` or `appeal` and keep the evidence files with the objection.

    `files` is a list of (filename, bytes). Every file is checked before any is
    written, so a refused file leaves nothing behind on disk or in the database.
    """
    if event not in RAISE_EVENTS:
        raise NotFound(code="unknown_event")
    now = as_utc(now) if now else utcnow()
    fire_event(assessment, event, actor, reason=reason, version=version, now=now,
               client_addr=client_addr)
    files = [(name, data) for name, data in files if name or data]
    if len(files) > MAX_EVIDENCE:
        raise Invalid(TOO_MANY, fields={"files": "too_many"})
    for name, data in files:
        attachments.check(name, data)
    attachments.check_quota(assessment, actor, [len(data) for _name, data in files], now)
    db.session.flush()
    objection = open_objection(assessment)
    for name, data in files:
        item = attachments.store(assessment, actor, name, data, now)
        db.session.add(ObjectionEvidence(objection_id=objection.id, attachment_id=item.id))
    return objection


def resolve_objection(assessment, actor, event, *, reason=None, comment=None, version=None,
                      now=None, client_addr=""):
    """uphold / dismiss a dispute, grant / deny an appeal (org_admin, by the workflow)."""
    if event not in {e for pair in RESOLVE_EVENTS.values() for e in pair}:
        raise NotFound(code="unknown_event")
    return fire_event(assessment, event, actor, reason=reason, comment=comment,
                      version=version, now=now, client_addr=client_addr)


def evidence_of(objection_ids):
    """{objection id: [Attachment, …]} for the given objections."""
    found = {oid: [] for oid in objection_ids}
    if not objection_ids:
        return found
    rows = db.session.scalars(select(ObjectionEvidence).where(
        ObjectionEvidence.objection_id.in_(objection_ids)).order_by(ObjectionEvidence.id))
    for link in rows:
        found[link.objection_id].append(link.attachment)
    return found


def objections_of(assessment):
    return db.session.scalars(select(Objection).where(
        Objection.assessment_id == assessment.id).order_by(Objection.id)).all()


def cycle_objections(cycle, actor):
    """Every objection of the cycle, open ones first, for the organisation department."""
    if not can_manage_cycle(actor, cycle):
        raise NotAllowed()
    rows = db.session.execute(
        select(Objection, Assessment).join(Assessment, Assessment.id == Objection.assessment_id)
        .where(Assessment.cycle_id == cycle.id)
        .order_by((Objection.status != "open"), Objection.created_at, Objection.id)).all()
    return [(o, a) for o, a in rows]


def evidence_file(objection_id, attachment_id, user):
    """The file, for the objector, the org_admin and the auditor; "not found" for anyone
    else (the cadre objected to included), so a guessed URL says nothing either."""
    objection = db.session.get(Objection, objection_id)
    link = db.session.scalar(select(ObjectionEvidence).where(
        ObjectionEvidence.objection_id == objection_id,
        ObjectionEvidence.attachment_id == attachment_id))
    if objection is None or link is None:
        raise NotFound()
    assessment = db.session.get(Assessment, objection.assessment_id)
    if not sees_objector(user, assessment, objection.raised_by_id):
        raise NotFound()
    return link.attachment


def finalize_cycle(cycle, actor, now=None):
    """备案 for every published result once 公示 has ended (what the scheduler does).

    Results with an open objection stay where they are until it is resolved.
    Returns (finalized, still waiting on an objection).
    """
    if not can_manage_cycle(actor, cycle):
        raise NotAllowed()
    now = as_utc(now) if now else utcnow()
    ends = as_utc(cycle.publication_ends_at)
    if ends is None or now < ends:
        raise WrongState(_l("The publication period has not ended yet."),
                         code="publication_ended")
    due = db.session.scalars(select(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.state == "published")
        .order_by(Assessment.id)).all()
    for a in due:
        fire_event(a, "finalize", actor, now=now)
    waiting = db.session.scalar(select(func.count()).select_from(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.state == "disputed"))
    record("cycle", cycle.id, "finalize", actor=actor, at=now,
           data={"finalized": len(due), "waiting": waiting})
    return len(due), waiting

"""Recording 负面清单 items: auditors and org_admins over the cadre's unit only."""

from sqlalchemy import select

from workflow_app import limits
from workflow_app.assessments.permissions import relations
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.scoring.models import KINDS, NegativeItem
from workflow_app.validation import optional_text, parse_score, require_text

RECORDERS = {"auditor", "org_admin"}


def can_record_negative(user, assessment):
    return bool(relations(user, assessment) & RECORDERS)


def record_negative_item(assessment, actor, *, kind, points=None, reason, evidence="",
                         serious=False, now=None):
    if not can_record_negative(actor, assessment):
        raise NotAllowed()
    if kind not in KINDS:
        raise Invalid(fields={"kind": "unknown"})
    reason = require_text("reason", reason, limits.REASON)
    points = parse_score(points, "points") if kind == "deduct" else None
    if kind == "deduct" and not points:
        raise Invalid(fields={"points": "required"})
    item = NegativeItem(assessment_id=assessment.id, kind=kind, points=points or 0,
                        reason=reason, evidence=optional_text("evidence", evidence, limits.NOTE),
                        serious=bool(serious) or kind == "veto", recorded_by_id=actor.id,
                        created_at=as_utc(now) if now else utcnow())
    db.session.add(item)
    db.session.flush()
    record("negative_item", item.id, "record", actor=actor, at=item.created_at,
           comment=reason, data={"assessment_id": assessment.id, "kind": kind,
                                 "points": str(item.points), "serious": item.serious})
    return item


def items_by_assessment(assessment_ids):
    rows = db.session.scalars(select(NegativeItem)
                              .where(NegativeItem.assessment_id.in_(assessment_ids)))
    out = {}
    for item in rows:
        out.setdefault(item.assessment_id, []).append(
            {"kind": item.kind, "points": item.points, "serious": item.serious})
    return out

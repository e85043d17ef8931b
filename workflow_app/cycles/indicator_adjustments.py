"""Bonus and penalty entries (加分 / 扣分) on an assessment, and what they add to its score.

An org_admin over the cadre's unit records an entry against one of the
bonus or penalty items of the cycle's copied sheet for the cadre's unit category,
with points (0 < points ≤ the item's cap) and a reason; the entry is audited.

Grading adds bonus − penalty with two caps, in this order:
1. per item: the entries of one item together count at most the item's cap
   (two commendations of 2 points under a 3-point item count 3);
2. per sheet: the capped items together count at most the sheet's bonus cap
   (and penalty cap).
Each cut is flagged (`bonus_capped`, `penalty_capped`) so the committee sees it.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from workflow_app import limits
from workflow_app.assessments.permissions import relations
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.indicators import (
    CAPPED,
    AssessmentAdjustment,
    CycleIndicatorItem,
    cycle_sheets,
    sheet_category_for,
)
from workflow_app.errors import Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.validation import parse_score, require_text

# Entries move a score, so only the organisation department records them; the auditor
# reads them (DESIGN.md §1: the auditor changes nothing apart from negative-list items).
RECORDERS = {"org_admin"}
READERS = {"auditor", "org_admin"}
# Once a result is shown to the unit or filed, its score changes only through the
# dispute / appeal re-review (which moves the assessment out of these states).
LOCKED_STATES = ("published", "final")


def can_record_adjustment(user, assessment):
    return bool(relations(user, assessment) & RECORDERS)


def can_read_adjustments(user, assessment):
    return bool(relations(user, assessment) & READERS)


def capped_items(assessment):
    """The cycle's bonus and penalty items that apply to the assessment's unit."""
    copies = cycle_sheets(assessment.cycle_id)
    category = sheet_category_for(copies, assessment.org_unit.category)
    if category is None:
        return []
    return [i for i in copies[category][1] if i.kind in CAPPED]


def record_adjustment(assessment, actor, *, item_id, points, reason, now=None):
    if not can_record_adjustment(actor, assessment):
        raise NotAllowed()
    if assessment.state in LOCKED_STATES:
        raise WrongState()
    errors = {}
    item = _item(assessment, item_id, errors)
    amount = _points(points, item, errors)
    try:
        reason = require_text("reason", reason, limits.REASON)
    except Invalid as exc:
        errors.update(exc.fields)
    if errors:
        raise Invalid(fields=errors)
    entry = AssessmentAdjustment(assessment_id=assessment.id, item_id=item.id, points=amount,
                                 reason=reason, recorded_by_id=actor.id,
                                 created_at=as_utc(now) if now else utcnow())
    db.session.add(entry)
    db.session.flush()
    record("assessment_adjustment", entry.id, "record", actor=actor, at=entry.created_at,
           comment=reason, data={"assessment_id": assessment.id, "item": item.name,
                                 "kind": item.kind, "points": str(amount)})
    return entry


def _item(assessment, item_id, errors):
    wanted = str(item_id).strip() if isinstance(item_id, int | str) else ""
    item = next((i for i in capped_items(assessment) if str(i.id) == wanted), None)
    if item is None:
        errors["item_id"] = "required" if not wanted else "not_capped_item"
    return item


def _points(value, item, errors):
    try:
        amount = parse_score(value, "points")
    except Invalid as exc:
        errors.update(exc.fields)
        return None
    if amount is None or amount <= 0:
        errors["points"] = "required" if amount is None else "out_of_range"
    elif item is not None and amount > item.cap:
        errors["points"] = "over_item_cap"
    return amount


def withdraw_adjustment(assessment, actor, entry_id, *, reason, now=None):
    """Take back an entry recorded by mistake: the row goes, the audit keeps both the entry
    and the reason it was withdrawn."""
    if not can_record_adjustment(actor, assessment):
        raise NotAllowed()
    if assessment.state in LOCKED_STATES:
        raise WrongState()
    entry = db.session.get(AssessmentAdjustment, entry_id)
    if entry is None or entry.assessment_id != assessment.id:
        raise NotFound()
    reason = require_text("reason", reason, limits.REASON)
    record("assessment_adjustment", entry.id, "withdraw", actor=actor,
           at=as_utc(now) if now else utcnow(), comment=reason,
           data={"assessment_id": assessment.id, "item": entry.item.name,
                 "kind": entry.item.kind, "points": str(entry.points),
                 "recorded_reason": entry.reason})
    db.session.delete(entry)
    db.session.flush()


def adjustments_of(assessment_id):
    return db.session.scalars(select(AssessmentAdjustment)
                              .where(AssessmentAdjustment.assessment_id == assessment_id)
                              .order_by(AssessmentAdjustment.id)).all()


# --- what grading adds -------------------------------------------------------------------

@dataclass
class AdjustmentPart:
    """bonus and penalty after the per-item caps, and the sheet-level caps to apply."""

    bonus: Decimal = Decimal(0)
    penalty: Decimal = Decimal(0)
    bonus_cap: Decimal | None = None
    penalty_cap: Decimal | None = None
    flags: list = field(default_factory=list)


def adjustment_parts(cycle, assessment_ids):
    """{assessment_id: AdjustmentPart} for the assessments that have entries."""
    if not assessment_ids:
        return {}
    rows = db.session.execute(
        select(AssessmentAdjustment.assessment_id, AssessmentAdjustment.points,
               CycleIndicatorItem.id, CycleIndicatorItem.kind, CycleIndicatorItem.cap,
               CycleIndicatorItem.category)
        .join(CycleIndicatorItem, CycleIndicatorItem.id == AssessmentAdjustment.item_id)
        .where(AssessmentAdjustment.assessment_id.in_(assessment_ids))).all()
    sums, caps, categories = {}, {}, {}
    for aid, points, item_id, kind, cap, category in rows:
        key = (aid, item_id, kind)
        sums[key] = sums.get(key, Decimal(0)) + Decimal(points)
        caps[key], categories[aid] = Decimal(cap), category
    sheets = {c: s for c, (s, _items) in cycle_sheets(cycle.id).items()}
    parts = {}
    for (aid, _item_id, kind), total in sums.items():
        part = parts.setdefault(aid, _new_part(sheets.get(categories[aid])))
        counted = min(total, caps[(aid, _item_id, kind)])
        if counted < total:
            part.flags.append(f"{kind}_capped")
        setattr(part, kind, getattr(part, kind) + counted)
    for part in parts.values():
        _sheet_caps(part)
    return parts


def _new_part(sheet):
    if sheet is None:
        return AdjustmentPart()
    return AdjustmentPart(bonus_cap=Decimal(sheet.bonus_cap),
                          penalty_cap=Decimal(sheet.penalty_cap))


def _sheet_caps(part):
    for kind in CAPPED:
        cap = getattr(part, f"{kind}_cap")
        if cap is not None and getattr(part, kind) > cap:
            part.flags.append(f"{kind}_capped")
    part.flags = sorted(set(part.flags))

"""市县同责连带考核: the counties' completion of an indicator feeds its lead unit's score.

秦皇岛 (seed 003): "探索实施市县同责连带考核，县区指标完成情况直接与指标牵头市直单位考核
评价挂钩". An item of a county sheet with a lead unit (牵头单位) and a linkage weight L
(cycles/ownership.py) is linked. Per cycle, the org_admin records each county's completion
rate of it (0–999.99 %, LinkageCompletion). Then, for the lead unit's assessments:

    rate counted  = min(rate, cap)            cap: grading["linkage_rate_cap"], default 100
    mean          = plain mean of the counted rates of the counties recorded, or, when the
                    item says "weighted", Σ rate × w / Σ w with w = the item's weight for
                    that county (its own weight where adjusted, cycles/unit_weights.py)
    points        = mean × L / 100
    "replace":      score = score × (100 − L) / 100 + points  (the review score stands for
                    the rest of the sheet, the counties' completion for the L points)
    "add":          score = score + points

Counties: units of the cycle whose sheet is the item's (the lead unit excepted). The lead
unit may sit in another cycle of the same period (a 市直 cycle beside a 县区 cycle).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Numeric, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.indicators import CycleIndicatorItem, cycle_sheets
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.services import can_manage_cycle
from workflow_app.cycles.unit_weights import cycle_unit_weights
from workflow_app.errors import Invalid, NotAllowed, WrongState
from workflow_app.extensions import db
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.models_base import pk, timestamp
from workflow_app.people.models import OrgUnit
from workflow_app.people.scope import reads_all_of
from workflow_app.scoring.rules import q
from workflow_app.validation import optional_text, parse_score

DEFAULT_RATE_CAP = Decimal(100)
MAX_RATE = 999.99
LOCKED = ("published", "archived")
FIELD_MESSAGES.update({
    "not_linked_item": _l("Please choose an indicator of this cycle that has a lead unit and "
                          "a linkage weight."),
    "not_a_county": _l("This unit is not one of the units this indicator applies to in the "
                       "cycle."),
})


class LinkageCompletion(db.Model):
    """One county's completion rate (%) of a linked indicator in one cycle."""

    __tablename__ = "linkage_completion"
    id: Mapped[int] = pk()
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("cycle_indicator_item.id",
                                                    ondelete="CASCADE"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    rate: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = timestamp()

    __table_args__ = (UniqueConstraint("item_id", "org_unit_id"),
                      CheckConstraint("rate >= 0 AND rate <= 999.99", name="rate_range"))


@dataclass
class County:
    unit: OrgUnit
    rate: Decimal | None
    weight: Decimal


@dataclass
class LinkedItem:
    item: CycleIndicatorItem
    counties: list = field(default_factory=list)
    mean: Decimal | None = None
    points: Decimal | None = None

    @property
    def recorded(self):
        return sum(1 for c in self.counties if c.rate is not None)


# --- who ---------------------------------------------------------------------------------

def can_record_completions(user, cycle):
    return can_manage_cycle(user, cycle)


def can_read_linkage(user, cycle):
    return bool(cycle.org_units) and all(reads_all_of(user, u) for u in cycle.org_units)


# --- the counties and their rates ------------------------------------------------------

def linked_items(cycle_id):
    return db.session.scalars(select(CycleIndicatorItem).where(
        CycleIndicatorItem.cycle_id == cycle_id, CycleIndicatorItem.linkage_weight.is_not(None))
        .order_by(CycleIndicatorItem.category, CycleIndicatorItem.position)).all()


def counties_of(cycle, item, categories):
    """Units of the cycle's subtrees whose sheet is the item's, the lead unit excepted."""
    prefixes = or_(*[OrgUnit.path.like(u.path + "%") for u in cycle.org_units])
    query = select(OrgUnit).where(prefixes, OrgUnit.id != item.lead_unit_id)
    if item.category:
        query = query.where(OrgUnit.category == item.category)
    else:  # the general sheet: units whose category has no sheet of its own
        query = query.where(OrgUnit.category.not_in([c for c in categories if c]))
    return db.session.scalars(query.order_by(OrgUnit.id)).all()


def summarize(cycle, items=None):
    """[LinkedItem] of a cycle: every county with its rate and weight, the mean, the points."""
    items = linked_items(cycle.id) if items is None else items
    if not items:
        return []
    categories = list(cycle_sheets(cycle.id))
    rates = {(r.item_id, r.org_unit_id): r.rate for r in db.session.scalars(
        select(LinkageCompletion).where(LinkageCompletion.cycle_id == cycle.id))}
    own = cycle_unit_weights(cycle.id)
    cap = rate_cap(cycle)
    out = []
    for item in items:
        counties = [County(u, rates.get((item.id, u.id)), own.get((u.id, item.id), item.weight))
                    for u in counties_of(cycle, item, categories)]
        out.append(_computed(LinkedItem(item, counties), cap))
    return out


def rate_cap(cycle):
    value = (cycle.grading or {}).get("linkage_rate_cap")
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= MAX_RATE
    return Decimal(str(value)) if ok else DEFAULT_RATE_CAP


def _computed(linked, cap):
    done = [c for c in linked.counties if c.rate is not None]
    if linked.item.linkage_average == "weighted":
        total = sum((Decimal(c.weight) for c in done), Decimal(0))
        if total > 0:
            linked.mean = q(sum(min(c.rate, cap) * Decimal(c.weight) for c in done) / total)
    elif done:
        linked.mean = q(sum(min(c.rate, cap) for c in done) / len(done))
    if linked.mean is not None:
        linked.points = q(linked.mean * Decimal(linked.item.linkage_weight) / 100)
    return linked


# --- recording ---------------------------------------------------------------------------

def record_completions(cycle, actor, item_id, rows, note=None, now=None):
    """Set counties' rates of one linked item: rows [{unit_id, rate}], rate None clears."""
    if not can_record_completions(actor, cycle):
        raise NotAllowed()
    if cycle.status in LOCKED:
        raise WrongState()
    item = next((i for i in linked_items(cycle.id) if str(i.id) == str(item_id).strip()), None)
    if item is None:
        raise Invalid(fields={"item_id": "not_linked_item"})
    counties = {u.id: u for u in counties_of(cycle, item, list(cycle_sheets(cycle.id)))}
    errors, wanted = {}, {}
    for n, row in enumerate(rows if isinstance(rows, list) else []):
        _row(n, row, counties, wanted, errors)
    if not isinstance(rows, list):
        errors["completions"] = "not_a_list"
    note = _note(note, errors)
    if errors:
        raise Invalid(fields=errors)
    changed = _store(cycle, item, wanted, actor, as_utc(now) if now else utcnow())
    record("linkage_completion", item.id, "record", actor=actor, comment=note or None,
           data={"cycle_id": cycle.id, "item": item.name,
                 "rates": {counties[u].name: _text(r) for u, r in changed.items()}})
    return item


def _row(n, row, counties, wanted, errors):
    if not isinstance(row, dict):
        errors[f"completions.{n}"] = "not_an_object"
        return
    unit_id = str(row.get("unit_id", "")).strip()
    unit = next((u for uid, u in counties.items() if str(uid) == unit_id), None)
    if unit is None:
        errors[f"completions.{n}.unit_id"] = "not_a_county"
        return
    try:
        wanted[unit.id] = parse_score(row.get("rate"), f"completions.{n}.rate", high=MAX_RATE)
    except Invalid as exc:
        errors.update(exc.fields)


def _note(note, errors):
    try:
        return optional_text("note", note)
    except Invalid as exc:
        errors.update(exc.fields)
        return ""


def _store(cycle, item, wanted, actor, now):
    existing = {r.org_unit_id: r for r in db.session.scalars(select(LinkageCompletion).where(
        LinkageCompletion.item_id == item.id))}
    changed = {}
    for unit_id, rate in wanted.items():
        row = existing.get(unit_id)
        if rate is None:
            if row is not None:
                db.session.delete(row)
                changed[unit_id] = None
            continue
        if row is None:
            row = LinkageCompletion(cycle_id=cycle.id, item_id=item.id, org_unit_id=unit_id)
            db.session.add(row)
        if row.rate != rate:
            changed[unit_id] = rate
        row.rate, row.recorded_by_id, row.recorded_at = rate, actor.id, now
    db.session.flush()
    return changed


def _text(value):
    return None if value is None else str(value)


# --- what grading adds ---------------------------------------------------------------------

@dataclass
class LinkagePart:
    replaced: Decimal = Decimal(0)   # share of the score the counties' completion replaces
    points: Decimal = Decimal(0)
    flags: list = field(default_factory=list)


def period_cycle_ids(cycle):
    """Ids of the cycles of the same period (kind, year and quarter, month or half): where
    lead units' items may sit. A subquery: grading sends one statement for linkage."""
    return select(Cycle.id).where(
        Cycle.kind == cycle.kind, Cycle.year == cycle.year,
        Cycle.quarter.is_not_distinct_from(cycle.quarter),
        Cycle.month.is_not_distinct_from(cycle.month),
        Cycle.half.is_not_distinct_from(cycle.half))


def lead_summaries(cycle):
    """{lead unit id: [LinkedItem]} over the period's cycles (usually none: one query)."""
    found = db.session.scalars(select(CycleIndicatorItem).where(
        CycleIndicatorItem.cycle_id.in_(period_cycle_ids(cycle)),
        CycleIndicatorItem.linkage_weight.is_not(None))).all()
    out = {}
    for source in {i.cycle_id for i in found}:
        other = db.session.get(Cycle, source)
        for linked in summarize(other, [i for i in found if i.cycle_id == source]):
            out.setdefault(linked.item.lead_unit_id, []).append(linked)
    return out


def linkage_parts(cycle):
    """{lead unit id: LinkagePart} for grading `cycle`."""
    parts = {}
    for unit_id, linked in lead_summaries(cycle).items():
        part = parts[unit_id] = LinkagePart()
        for one in linked:
            if one.points is None:
                part.flags.append("linkage_missing")
                continue
            if one.item.linkage_mode == "replace":
                part.replaced += Decimal(one.item.linkage_weight)
            part.points += one.points
            part.flags.append("linkage")
        part.flags = sorted(set(part.flags))
    return parts


def apply_linkage(item, part):
    """Fold the part into a graded item's score (see the module's rule)."""
    if part is None or item.score is None:
        return
    if part.points or part.replaced:
        kept = Decimal(item.score) * (100 - min(part.replaced, Decimal(100))) / 100
        item.score = q(max(kept + part.points, Decimal(0)))
    item.flags += part.flags

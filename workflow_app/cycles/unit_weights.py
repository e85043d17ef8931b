"""Weights adjusted for one unit of a category (差异化调整指标权重).

秦皇岛 (seed 003): "根据各县区发展实际差异化调整12项指标权重 … 立足北戴河区独特功能定位，
调低该区…等4项指标，调高…等5项指标". A sheet is shared by every unit of its category;
an org_admin of a top-level unit over the unit may give that one unit other weights for
some of the sheet's common and individual indicators, with a reason (audited). Rules:
- a row is kept only where the unit's weight differs from the sheet's;
- the unit's weights (the sheet's, with its rows) add up to exactly 100, checked when
  they are set and again whenever the sheet itself is saved;
- a cycle copies them at opening (CycleUnitWeight), so the unit's report and grading
  (the weighted mean of the 连带考核, scoring/linkage.py) use the weights of that day.
"""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app import limits
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import Invalid, NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.models_base import pk, timestamp
from workflow_app.people.models import OrgUnit
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.validation import parse_score, require_text

limits.TEXT_COLUMNS[("unit_weight_adjustment", "reason")] = limits.REASON
FIELD_MESSAGES.update({
    "unit_weights_sum": _l("This unit's weights must still add up to exactly 100."),
    "not_weighted_item": _l("Please choose one of this sheet's common or individual "
                            "indicators."),
})
WEIGHTED = ("common", "individual")


class UnitWeightAdjustment(db.Model):
    """One unit's own weight for one item of a sheet, where it differs from the sheet's."""

    __tablename__ = "unit_weight_adjustment"
    id: Mapped[int] = pk()
    sheet_id: Mapped[int] = mapped_column(ForeignKey("indicator_sheet.id", ondelete="CASCADE"),
                                          index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("indicator_item.id", ondelete="CASCADE"))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    reason: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at = timestamp()

    unit = relationship("OrgUnit", lazy="joined")

    __table_args__ = (UniqueConstraint("org_unit_id", "item_id"),
                      CheckConstraint("weight >= 0 AND weight <= 100", name="weight_range"))


class CycleUnitWeight(db.Model):
    """The unit's own weight of an item of the cycle's copy, frozen at opening."""

    __tablename__ = "cycle_unit_weight"
    id: Mapped[int] = pk()
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("cycle_indicator_item.id",
                                                    ondelete="CASCADE"))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))

    __table_args__ = (UniqueConstraint("org_unit_id", "item_id"),
                      CheckConstraint("weight >= 0 AND weight <= 100", name="weight_range"))


# --- who ---------------------------------------------------------------------------------

def can_adjust_weights(user, unit):
    """An org_admin of a top-level unit whose subtree holds `unit` (the city decides)."""
    return unit is not None and any(
        g.role == ORG_ADMIN and g.org_unit.parent_id is None
        and unit.path.startswith(g.org_unit.path) for g in user.grants)


def sheet_for_unit(sheet, unit):
    """404 unless `sheet` is the one the unit's category uses (its own, else the general)."""
    from workflow_app.cycles.indicators import IndicatorSheet

    own = db.session.scalar(select(IndicatorSheet.id)
                            .where(IndicatorSheet.category == unit.category))
    if sheet.id != own and not (own is None and sheet.category == ""):
        raise NotFound()


# --- reading -----------------------------------------------------------------------------

def rows_of(sheet, unit_id=None):
    query = select(UnitWeightAdjustment).where(UnitWeightAdjustment.sheet_id == sheet.id)
    if unit_id is not None:
        query = query.where(UnitWeightAdjustment.org_unit_id == unit_id)
    return db.session.scalars(query.order_by(UnitWeightAdjustment.org_unit_id,
                                             UnitWeightAdjustment.item_id)).all()


def weights_for(sheet, unit_id):
    """{item id: weight} of the sheet's indicators as they count for one unit."""
    own = {r.item_id: r.weight for r in rows_of(sheet, unit_id)}
    return {i.id: own.get(i.id, i.weight) for i in sheet.items if i.kind in WEIGHTED}


def units_that_differ(sheet):
    """[{unit, reason, items: [(item, sheet weight, unit weight)]}] for the sheet page."""
    items = {i.id: i for i in sheet.items}
    out = {}
    for r in rows_of(sheet):
        entry = out.setdefault(r.org_unit_id, {"unit": r.unit, "reason": r.reason, "items": []})
        item = items.get(r.item_id)
        if item is not None:
            entry["items"].append((item, item.weight, r.weight))
    return sorted(out.values(), key=lambda e: e["unit"].name)


# --- writing -----------------------------------------------------------------------------

def set_unit_weights(actor, sheet, unit, weights, reason, now=None):
    """Give `unit` its own weights ({item id: weight}; items left out keep the sheet's).
    Weights equal to the sheet's are no adjustment; {} puts the unit back on the sheet."""
    if not can_adjust_weights(actor, unit):
        raise NotAllowed()
    sheet_for_unit(sheet, unit)
    errors = {}
    wanted = _parsed(sheet, weights, errors)
    try:
        reason = require_text("reason", reason, limits.REASON)
    except Invalid as exc:
        errors.update(exc.fields)
    total = sum(wanted.get(i.id, i.weight) for i in sheet.items if i.kind in WEIGHTED)
    if not errors and total != 100:
        raise Invalid(_sum_message(total), fields={"weights": "unit_weights_sum"})
    if errors:
        raise Invalid(fields=errors)
    return _store(actor, sheet, unit, wanted, reason, as_utc(now) if now else utcnow())


def _parsed(sheet, weights, errors):
    items = {str(i.id): i for i in sheet.items}
    if not isinstance(weights, dict):
        errors["weights"] = "not_an_object"
        return {}
    wanted = {}
    for key, value in weights.items():
        item = items.get(str(key))
        if item is None or item.kind not in WEIGHTED:
            errors[f"weights.{key}"] = "not_weighted_item"
            continue
        try:
            weight = parse_score(value, f"weights.{key}")
        except Invalid as exc:
            errors.update(exc.fields)
            continue
        if weight is None:
            errors[f"weights.{key}"] = "required"
        elif weight != item.weight:
            wanted[item.id] = weight
    return wanted


def _sum_message(total):
    return _l("With these weights this unit's indicators add up to %(total)s; they must "
              "add up to exactly 100.", total=_plain(total))


def _plain(number):
    text = f"{Decimal(number):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _store(actor, sheet, unit, wanted, reason, now):
    before = {r.item_id: r for r in rows_of(sheet, unit.id)}
    for item_id, row in before.items():
        if item_id not in wanted:
            db.session.delete(row)
    for item_id, weight in wanted.items():
        row = before.get(item_id) or UnitWeightAdjustment(
            sheet_id=sheet.id, org_unit_id=unit.id, item_id=item_id)
        row.weight, row.reason, row.updated_by_id, row.updated_at = weight, reason, actor.id, now
        db.session.add(row)
    db.session.flush()
    names = {i.id: i.name for i in sheet.items}
    record("unit_weights", unit.id, "set" if wanted else "clear", actor=actor, at=now,
           comment=reason, data={"sheet_id": sheet.id, "unit": unit.name,
                                 "before": {names[k]: str(r.weight) for k, r in before.items()
                                            if k in names},
                                 "after": {names[k]: str(w) for k, w in wanted.items()}})
    return wanted


def check_unit_sums(sheet):
    """Called when the sheet is saved: a change of its weights must leave every unit that
    has its own weights at 100 (else 422 naming the units: adjust or clear them first)."""
    if not sheet.id:
        return
    off = []
    for unit_id in sorted({r.org_unit_id for r in rows_of(sheet)}):
        total = sum(weights_for(sheet, unit_id).values())
        if total != 100:
            off.append((db.session.get(OrgUnit, unit_id).name, _plain(total)))
    if off:
        listed = "; ".join(f"{name} {total}" for name, total in off)
        raise Invalid(_l("Units with their own weights would no longer add up to 100 (%(units)s):"
                         " change their weights on the sheet's units page first.", units=listed),
                      fields={"weights": "unit_weights_sum"})


# --- the cycle's copy --------------------------------------------------------------------

def copy_unit_weights(cycle, copied):
    """At opening: every unit's own weights, onto the cycle's items ({sheet item id: copy})."""
    rows = db.session.scalars(select(UnitWeightAdjustment).where(
        UnitWeightAdjustment.item_id.in_(list(copied)))).all() if copied else []
    db.session.add_all([CycleUnitWeight(cycle_id=cycle.id, org_unit_id=r.org_unit_id,
                                        item_id=copied[r.item_id].id, weight=r.weight)
                        for r in rows])
    db.session.flush()


def cycle_unit_weights(cycle_id, unit_ids=None):
    """{(unit id, cycle item id): weight} of the units' own weights in a cycle."""
    query = select(CycleUnitWeight).where(CycleUnitWeight.cycle_id == cycle_id)
    if unit_ids is not None:
        query = query.where(CycleUnitWeight.org_unit_id.in_(list(unit_ids)))
    return {(r.org_unit_id, r.item_id): r.weight for r in db.session.scalars(query)}


def unit_items(cycle_id, unit):
    """[(cycle item, weight for this unit)] of the common and individual indicators that
    apply to `unit` in the cycle: what its report and grading use (hook for actuals)."""
    from workflow_app.cycles.indicators import cycle_sheets, sheet_category_for

    copies = cycle_sheets(cycle_id)
    category = sheet_category_for(copies, unit.category)
    if category is None:
        return []
    own = cycle_unit_weights(cycle_id, [unit.id])
    return [(i, own.get((unit.id, i.id), i.weight)) for i in copies[category][1]
            if i.kind in WEIGHTED]

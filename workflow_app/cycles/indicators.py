"""Indicator sheets (考核指标): 共性指标 + 个性指标 + 加减分项, one sheet per unit category.

The sources (双辽 "三张考卷", 微山 "共性+个性+加减分", 秦皇岛 经济发展类 / 执法服务类
类内排名) build a sheet per category of unit: weighted common and individual
indicators that add up to 100 points, plus bonus and penalty items, each with a
cap, and a cap on the whole bonus and the whole penalty. A sheet whose category
is empty ("") is the general sheet, used by units whose category has none.

When a cycle opens, every sheet is copied into the cycle (CycleIndicatorSheet,
CycleIndicatorItem), so editing a sheet later never changes a running cycle.
Bonus and penalty entries (AssessmentAdjustment) point at the cycle's copy.
"""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.ownership_columns import OwnershipColumns, ownership_checks, ownership_of
from workflow_app.errors import Invalid, NotAllowed, NotFound, StaleVersion
from workflow_app.extensions import db
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.models_base import created_at, in_check, pk, timestamp
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.validation import parse_score

KINDS = ("common", "individual", "bonus", "penalty")
WEIGHTED = ("common", "individual")
CAPPED = ("bonus", "penalty")
KIND_LABELS = {"common": _l("Common indicator"), "individual": _l("Individual indicator"),
               "bonus": _l("Bonus item"), "penalty": _l("Penalty item")}
MAX_ITEMS = 40
TOTAL_WEIGHT = Decimal(100)


def item_checks():
    """Fresh constraint objects for each table (a constraint belongs to one table)."""
    return (
        CheckConstraint(in_check("kind", KINDS), name="known_kind"),
        CheckConstraint("weight >= 0 AND weight <= 100", name="weight_range"),
        CheckConstraint("cap IS NULL OR (cap >= 0 AND cap <= 100)", name="cap_range"),
        # Bonus and penalty items score up to their cap; only indicators carry a weight.
        CheckConstraint("kind IN ('common', 'individual') OR (weight = 0 AND cap IS NOT NULL)",
                        name="capped_items_have_cap"),
        *ownership_checks(),  # 牵头单位 / 总负责 / 连带考核 (cycles/ownership_columns.py)
    )


def sheet_checks():
    return (CheckConstraint("bonus_cap >= 0 AND bonus_cap <= 100 AND penalty_cap >= 0 "
                            "AND penalty_cap <= 100", name="caps_range"),)


FIELD_MESSAGES.update({
    "weights_sum": _l("The weights of the common and individual indicators must add up to "
                      "exactly 100."),
    "category_taken": _l("This unit category already has an indicator sheet."),
    "not_capped_item": _l("Please choose one of the cycle's bonus or penalty items."),
    "over_item_cap": _l("More than this item's cap allows."),
})


def _num(default=0, nullable=False):
    return mapped_column(Numeric(6, 2), default=default, nullable=nullable)


class SheetColumns:
    """What a sheet holds besides its items, as edited and in a cycle's copy alike."""

    name: Mapped[str] = mapped_column(String(200))
    bonus_cap: Mapped[Decimal] = _num(5)
    penalty_cap: Mapped[Decimal] = _num(10)


class IndicatorSheet(SheetColumns, db.Model):
    __tablename__ = "indicator_sheet"
    id: Mapped[int] = pk()
    category: Mapped[str] = mapped_column(String(60), unique=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at = timestamp()
    created_at = created_at()

    items = relationship("IndicatorItem", order_by="IndicatorItem.position", lazy="selectin",
                         cascade="all, delete-orphan")

    __table_args__ = sheet_checks()


class ItemColumns(OwnershipColumns):
    """What an item holds, on a sheet and in a cycle's copy alike."""

    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    standard: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[Decimal] = _num(0)
    cap: Mapped[Decimal | None] = _num(None, nullable=True)


class IndicatorItem(ItemColumns, db.Model):
    __tablename__ = "indicator_item"
    id: Mapped[int] = pk()
    sheet_id: Mapped[int] = mapped_column(ForeignKey("indicator_sheet.id", ondelete="CASCADE"),
                                          index=True)

    __table_args__ = item_checks()


class CycleIndicatorSheet(SheetColumns, db.Model):
    """A sheet as it was when the cycle opened: its name and the two sheet-level caps."""

    __tablename__ = "cycle_indicator_sheet"
    id: Mapped[int] = pk()
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"),
                                          index=True)
    category: Mapped[str] = mapped_column(String(60))
    source_sheet_id: Mapped[int | None] = mapped_column(Integer)
    copied_at = created_at()

    __table_args__ = (*sheet_checks(), UniqueConstraint("cycle_id", "category"))


class CycleIndicatorItem(ItemColumns, db.Model):
    __tablename__ = "cycle_indicator_item"
    id: Mapped[int] = pk()
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"),
                                          index=True)
    category: Mapped[str] = mapped_column(String(60))

    __table_args__ = item_checks()


class AssessmentAdjustment(db.Model):
    """A bonus or penalty entry (加分 / 扣分) on one assessment against a cycle item."""

    __tablename__ = "assessment_adjustment"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"),
                                               index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("cycle_indicator_item.id"), index=True)
    points: Mapped[Decimal] = _num(0)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at = created_at()

    item = relationship("CycleIndicatorItem", lazy="joined")
    recorded_by = relationship("User", lazy="joined")

    __table_args__ = (CheckConstraint("points > 0 AND points <= 100", name="points_range"),)


# --- defaults ----------------------------------------------------------------------------

# 双辽: 高质量发展绩效, 党的建设成效 and 满意度评价 are the "three papers"; the
# development paper differs by category (个性), the other two are common (共性).
# 汶上: extra points (附加分值) for outstanding work in a few named areas; 刚性扣分项
# for failings. The sources give no figures: these are starting values to edit.
DEFAULT_SHEET = {
    "name": "", "bonus_cap": Decimal(5), "penalty_cap": Decimal(10),
    "items": [
        {"kind": "common", "name": "党的建设成效", "weight": Decimal(30),
         "standard": "党建工作责任制落实、基层组织建设、党风廉政建设"},
        {"kind": "common", "name": "满意度评价", "weight": Decimal(20),
         "standard": "服务对象和群众满意度测评"},
        {"kind": "individual", "name": "高质量发展绩效", "weight": Decimal(50),
         "standard": "年度重点工作任务和本类别主要指标完成情况"},
        {"kind": "bonus", "name": "表彰奖励", "cap": Decimal(3),
         "standard": "受到县级以上表彰或通报表扬"},
        {"kind": "bonus", "name": "经验做法推广", "cap": Decimal(2),
         "standard": "经验做法被上级采纳、推广或宣传"},
        {"kind": "penalty", "name": "工作失误", "cap": Decimal(5),
         "standard": "重点任务未按期完成或被上级通报批评"},
        {"kind": "penalty", "name": "群众投诉查实", "cap": Decimal(5),
         "standard": "群众投诉经核实属实"},
    ],
}


# --- who may do what ---------------------------------------------------------------------

def can_edit_sheets(user):
    """Sheets are shared by every unit of a category: only admins of a top-level unit."""
    return any(g.role == ORG_ADMIN and g.org_unit.parent_id is None for g in user.grants)


def _require_editor(user):
    if not can_edit_sheets(user):
        raise NotAllowed()


# --- sheets ------------------------------------------------------------------------------

def all_sheets():
    return db.session.scalars(select(IndicatorSheet).order_by(IndicatorSheet.category)).all()


def get_sheet(sheet_id, user):
    _require_editor(user)
    sheet = db.session.get(IndicatorSheet, sheet_id)
    if sheet is None:
        raise NotFound()
    return sheet


def sheet_data(sheet):
    """A sheet as service-style data (to edit it, or to copy it)."""
    return {"category": sheet.category, "name": sheet.name, "bonus_cap": sheet.bonus_cap,
            "penalty_cap": sheet.penalty_cap,
            "items": [{"kind": i.kind, "name": i.name, "standard": i.standard,
                       "weight": i.weight if i.kind in WEIGHTED else None,
                       "cap": i.cap} for i in sheet.items]}


STALE_SHEET = _l("Someone else saved this sheet after you opened it. What you typed is "
                 "below: open the sheet in another tab to compare, then save again.")


def edit_token(sheet):
    """What the edit form carries back: a save over someone else's newer save is refused."""
    return as_utc(sheet.updated_at).isoformat() if sheet and sheet.updated_at else ""


def save_sheet(actor, sheet, data, now=None, loaded=None):
    """Create (sheet None) or replace a sheet and its items from `data`; 422 with every
    field's problem at once; 409 when `loaded` (an edit_token) is no longer current."""
    _require_editor(actor)
    if sheet is not None and loaded is not None and loaded != edit_token(sheet):
        raise StaleVersion(STALE_SHEET)
    values, items = validate_sheet(data, exclude_id=sheet.id if sheet else None)
    created = sheet is None
    if created:
        sheet = IndicatorSheet()
        db.session.add(sheet)
    for name, value in values.items():
        setattr(sheet, name, value)
    sheet.items = _kept_items(sheet, items)
    sheet.updated_by_id, sheet.updated_at = actor.id, as_utc(now) if now else utcnow()
    db.session.flush()
    from workflow_app.cycles.unit_weights import check_unit_sums

    check_unit_sums(sheet)  # a unit's adjusted weights must still add up to 100
    record("indicator_sheet", sheet.id, "create" if created else "update", actor=actor,
           at=sheet.updated_at, data={"category": sheet.category, "items": len(items),
                                      "bonus_cap": str(sheet.bonus_cap),
                                      "penalty_cap": str(sheet.penalty_cap)})
    return sheet


def _kept_items(sheet, rows):
    """Rows as items; a row with the kind and name of an existing item keeps that item (its
    id, so its task ownership and the units' adjusted weights stay with it)."""
    old = {}
    for item in sheet.items:
        old.setdefault((item.kind, item.name), []).append(item)
    kept = []
    for n, row in enumerate(rows):
        same = old.get((row["kind"], row["name"]))
        item = same.pop(0) if same else IndicatorItem()
        for name, value in {"position": n, **row}.items():
            setattr(item, name, value)
        kept.append(item)
    return kept


def copy_sheet(actor, sheet, category, name=None, now=None):
    """A new sheet for another category with the same items (then adjusted there)."""
    data = sheet_data(sheet)
    data.update(category=category, name=name or sheet.name)
    return save_sheet(actor, None, data, now=now)


def validate_sheet(data, exclude_id=None):
    errors = {}
    category = _text(data.get("category"), "category", 60, errors, required=False)
    values = {"category": category, "name": _text(data.get("name"), "name", 200, errors),
              "bonus_cap": _number(data.get("bonus_cap"), "bonus_cap", errors),
              "penalty_cap": _number(data.get("penalty_cap"), "penalty_cap", errors)}
    if "category" not in errors and _category_taken(category, exclude_id):
        errors["category"] = "category_taken"
    raw = data.get("items")
    if not isinstance(raw, list):
        raw, errors["items"] = [], "not_a_list"
    elif len(raw) > MAX_ITEMS:
        raw, errors["items"] = [], "too_many"
    items = [_item(n, row, errors) for n, row in enumerate(raw)]
    total = sum((i["weight"] for i in items if i.get("kind") in WEIGHTED
                 and i.get("weight") is not None), Decimal(0))
    if total != TOTAL_WEIGHT and not any(k.endswith(".weight") for k in errors):
        errors["weights"] = "weights_sum"
    if errors:
        message = _weights_message(total) if "weights" in errors else None
        raise Invalid(message, fields=errors)
    return values, items


def _weights_message(total):
    return _l("The weights of the common and individual indicators add up to %(total)s; "
              "they must add up to exactly 100.", total=_plain(total))


def _plain(number):
    text = f"{Decimal(number):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _item(n, row, errors):
    if not isinstance(row, dict):
        errors[f"items.{n}"] = "not_an_object"
        return {}
    kind = row.get("kind")
    if kind not in KINDS:
        errors[f"items.{n}.kind"] = "unknown"
    item = {"kind": kind, "name": _text(row.get("name"), f"items.{n}.name", 200, errors),
            "standard": _text(row.get("standard"), f"items.{n}.standard", 2000, errors,
                              required=False), "weight": Decimal(0), "cap": None}
    if kind in WEIGHTED:
        item["weight"] = _number(row.get("weight"), f"items.{n}.weight", errors)
    elif kind in CAPPED:
        item["cap"] = _number(row.get("cap"), f"items.{n}.cap", errors)
    return item


def _text(value, name, limit, errors, required=True):
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = "not_text"
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = "required"
    elif len(value) > limit:
        errors[name] = "too_long"
    return value


def _number(value, name, errors):
    """A number of points 0–100 (two decimals); required."""
    try:
        number = parse_score(value, name)
    except Invalid as exc:
        errors.update(exc.fields)
        return None
    if number is None:
        errors[name] = "required"
    return number


def _category_taken(category, exclude_id):
    query = select(IndicatorSheet.id).where(IndicatorSheet.category == category)
    if exclude_id is not None:
        query = query.where(IndicatorSheet.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


# --- the cycle's copy --------------------------------------------------------------------

def copy_sheets_into_cycle(cycle):
    """Called once when a cycle opens: freeze every sheet as the cycle's own copy."""
    if db.session.scalar(select(CycleIndicatorSheet.id)
                         .where(CycleIndicatorSheet.cycle_id == cycle.id).limit(1)):
        return 0
    sheets, copied = all_sheets(), {}
    for sheet in sheets:
        db.session.add(CycleIndicatorSheet(
            cycle_id=cycle.id, category=sheet.category, name=sheet.name,
            bonus_cap=sheet.bonus_cap, penalty_cap=sheet.penalty_cap,
            source_sheet_id=sheet.id))
        copied.update({i.id: CycleIndicatorItem(
            cycle_id=cycle.id, category=sheet.category, position=i.position, kind=i.kind,
            name=i.name, standard=i.standard, weight=i.weight, cap=i.cap, **ownership_of(i))
            for i in sheet.items})
    db.session.add_all(copied.values())
    db.session.flush()
    from workflow_app.cycles.unit_weights import copy_unit_weights

    copy_unit_weights(cycle, copied)  # 北戴河's own weights, frozen with the rest
    return len(sheets)


def cycle_sheets(cycle_id):
    """{category: (CycleIndicatorSheet, [CycleIndicatorItem])} of a cycle's copy."""
    sheets = db.session.scalars(select(CycleIndicatorSheet)
                                .where(CycleIndicatorSheet.cycle_id == cycle_id)
                                .order_by(CycleIndicatorSheet.category)).all()
    items = db.session.scalars(select(CycleIndicatorItem)
                               .where(CycleIndicatorItem.cycle_id == cycle_id)
                               .order_by(CycleIndicatorItem.category,
                                         CycleIndicatorItem.position)).all()
    out = {s.category: (s, []) for s in sheets}
    for item in items:
        if item.category in out:
            out[item.category][1].append(item)
    return out


def sheet_category_for(copies, unit_category):
    """The category whose copy applies to a unit: its own, else the general sheet ("")."""
    if unit_category in copies:
        return unit_category
    return "" if "" in copies else None


def prefilled_indicators(assessment):
    """Report rows for the cadre's indicators from the cycle's copy (name and standard)."""
    copies = cycle_sheets(assessment.cycle_id)
    category = sheet_category_for(copies, assessment.org_unit.category)
    if category is None:
        return []
    from workflow_app.assessments.report import INDICATOR_FIELDS, MAX_INDICATORS

    return [{"name": i.name[:INDICATOR_FIELDS["name"]],
             "target": (i.standard or "")[:INDICATOR_FIELDS["target"]],
             "actual": "", "evidence_note": ""}
            for i in copies[category][1] if i.kind in WEIGHTED][:MAX_INDICATORS]

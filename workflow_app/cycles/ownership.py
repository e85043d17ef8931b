"""Task ownership (职责任务分工): 1 牵头单位, 1 市管干部 总负责, several 责任单位 per indicator.

秦皇岛 (seed 003): "每项任务目标都由市领导挂帅出征，明确1家牵头单位、1名市管干部总负责，
若干责任单位分别承担具体任务". Recorded on a sheet's common or individual item by an
org_admin of a top-level unit (sheets are shared; the city assigns); every named unit
and the cadre must lie in that admin's subtree (市管干部: managed by the city). The
cycle's copy takes the ownership at opening; the cadre's report and record show it.
"""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from workflow_app.assessments.models import Assessment
from workflow_app.audit.services import record
from workflow_app.cycles.indicators import WEIGHTED, CycleIndicatorItem, can_edit_sheets
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.ownership_columns import AVERAGES, MODES, OWNERSHIP_FIELDS
from workflow_app.errors import Invalid, NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.security.inputs import to_int
from workflow_app.validation import parse_score

MAX_RESPONSIBLE = 50
FIELD_MESSAGES.update({
    "linkage_needs_lead": _l("A linked indicator needs its lead unit (牵头单位)."),
    "lead_not_responsible": _l("The lead unit is not also one of the responsible units."),
})


def can_set_ownership(user):
    return can_edit_sheets(user)


def _top_paths(user):
    return [g.org_unit.path for g in user.grants
            if g.role == ORG_ADMIN and g.org_unit.parent_id is None]


def _in_scope(user, unit):
    return unit is not None and any(unit.path.startswith(p) for p in _top_paths(user))


def sheet_item(sheet, item_id):
    item = next((i for i in sheet.items if str(i.id) == str(item_id)), None)
    if item is None:
        raise NotFound()
    return item


def set_ownership(actor, sheet, item, data):
    """Replace the item's ownership and linkage settings from `data` (absent: none)."""
    if not can_set_ownership(actor):
        raise NotAllowed()
    if item.kind not in WEIGHTED:
        raise Invalid(fields={"item_id": "not_weighted_item"})
    values = _validated(actor, data)
    before = {k: _plain(getattr(item, k)) for k in OWNERSHIP_FIELDS}
    for name, value in values.items():
        setattr(item, name, value)
    db.session.flush()
    record("indicator_item", item.id, "ownership", actor=actor,
           data={"sheet_id": sheet.id, "item": item.name, "before": before,
                 "after": {k: _plain(v) for k, v in values.items()}})
    return item


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def _validated(actor, data):
    errors = {}
    lead = _unit(actor, data.get("lead_unit_id"), "lead_unit_id", errors)
    cadre = _cadre(actor, data.get("lead_cadre_id"), errors)
    responsible = _responsible(actor, data.get("responsible_unit_ids"), errors)
    if lead is not None and lead.id in responsible:
        errors["responsible_unit_ids"] = "lead_not_responsible"
    weight = _linkage_weight(data.get("linkage_weight"), errors)
    if weight is not None and lead is None and "lead_unit_id" not in errors:
        errors["linkage_weight"] = "linkage_needs_lead"
    average = data.get("linkage_average") or "mean"
    mode = data.get("linkage_mode") or "replace"
    for name, value, allowed in (("linkage_average", average, AVERAGES),
                                 ("linkage_mode", mode, MODES)):
        if value not in allowed:
            errors[name] = "unknown"
    if errors:
        raise Invalid(fields=errors)
    return {"lead_unit_id": lead.id if lead else None,
            "lead_cadre_id": cadre.id if cadre else None, "responsible_unit_ids": responsible,
            "linkage_weight": weight, "linkage_average": average, "linkage_mode": mode}


def _id(value):
    """None when not given; 0 when not an id (then "not found")."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return 0
    return to_int(str(value)) or 0


def _unit(actor, value, name, errors):
    wanted = _id(value)
    if wanted is None:
        return None
    unit = db.session.get(OrgUnit, wanted) if wanted else None
    if unit is None:
        errors[name] = "not_found"
    elif not _in_scope(actor, unit):
        raise NotAllowed()
    return unit


def _cadre(actor, value, errors):
    wanted = _id(value)
    if wanted is None:
        return None
    user = db.session.get(User, wanted) if wanted else None
    if user is None or not user.active:
        errors["lead_cadre_id"] = "not_found"
        return None
    if not _in_scope(actor, user.org_unit):
        raise NotAllowed()
    return user


def _responsible(actor, values, errors):
    if values in (None, ""):
        return []
    if not isinstance(values, list | tuple) or len(values) > MAX_RESPONSIBLE:
        errors["responsible_unit_ids"] = "not_a_list"
        return []
    units = [_unit(actor, v, "responsible_unit_ids", errors) for v in values]
    return list(dict.fromkeys(u.id for u in units if u is not None))


def _linkage_weight(value, errors):
    try:
        weight = parse_score(value, "linkage_weight")
    except Invalid as exc:
        errors.update(exc.fields)
        return None
    if weight is not None and weight <= 0:
        errors["linkage_weight"] = "out_of_range"
    return weight


# --- who owns what, for pages --------------------------------------------------------------

def names_of(items):
    """({unit id: name}, {user id: name}) for the units and cadres the items name."""
    unit_ids = {i.lead_unit_id for i in items if i.lead_unit_id}
    for i in items:
        unit_ids.update(i.responsible_unit_ids or [])
    cadre_ids = {i.lead_cadre_id for i in items if i.lead_cadre_id}
    units = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name)
                                    .where(OrgUnit.id.in_(unit_ids))).all()) if unit_ids else {}
    cadres = dict(db.session.execute(select(User.id, User.display_name)
                                     .where(User.id.in_(cadre_ids))).all()) if cadre_ids else {}
    return units, cadres


def task_row(item, units, cadres, roles=()):
    return {"item_id": item.id, "cycle_id": getattr(item, "cycle_id", None),
            "name": item.name, "category": item.category if hasattr(item, "category") else "",
            "weight": float(item.weight),
            "lead_unit_id": item.lead_unit_id, "lead_unit": units.get(item.lead_unit_id, ""),
            "lead_cadre_id": item.lead_cadre_id,
            "lead_cadre": cadres.get(item.lead_cadre_id, ""),
            "responsible_unit_ids": list(item.responsible_unit_ids or []),
            "responsible_units": [units.get(u, "") for u in item.responsible_unit_ids or []],
            "linkage_weight": None if item.linkage_weight is None else float(item.linkage_weight),
            "roles": list(roles)}


def _roles(item, unit_id, user_id):
    roles = []
    if item.lead_unit_id == unit_id:
        roles.append("lead_unit")
    if unit_id in (item.responsible_unit_ids or []):
        roles.append("responsible_unit")
    if user_id is not None and item.lead_cadre_id == user_id:
        roles.append("lead_cadre")
    return roles


def owned_items(cycle_id, unit_id, user_id=None):
    """[(cycle item, roles)] of a cycle's items the unit leads or shares, or the cadre leads.
    The copy is small (sheets × ≤ 40 items): filtered here, JSON lists need no SQL."""
    items = db.session.scalars(select(CycleIndicatorItem).where(
        CycleIndicatorItem.cycle_id == cycle_id, CycleIndicatorItem.kind.in_(WEIGHTED),
        or_(CycleIndicatorItem.lead_unit_id.is_not(None),
            CycleIndicatorItem.lead_cadre_id.is_not(None)))
        .order_by(CycleIndicatorItem.category, CycleIndicatorItem.position)).all()
    out = []
    for item in items:
        roles = _roles(item, unit_id, user_id)
        if roles:
            out.append((item, roles))
    return out


def tasks_of_assessment(a):
    """Rows for the assessment page: the tasks of the cadre's unit and of the cadre."""
    return tasks_for_unit(a.cycle_id, a.org_unit_id, a.cadre_id)


def owned_tasks_for(user_id, limit=8):
    """For the cadre's record (实绩档案): the tasks the cadre led as 总负责 or their unit led
    or shared, per cycle of the cadre's latest `limit` assessments, newest first."""
    rows = db.session.execute(
        select(Assessment.cycle_id, Assessment.org_unit_id)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Assessment.cadre_id == user_id)
        .order_by(Cycle.opens_at.desc(), Assessment.id.desc()).limit(limit)).all()
    return tasks_in_cycles(rows, user_id)


def tasks_in_cycles(cycle_units, user_id):
    """Task rows (with "cycle": its name) of [(cycle id, unit id)] in the order given,
    in three statements whatever the number of cycles."""
    ids = [c for c, _u in cycle_units]
    items = db.session.execute(select(CycleIndicatorItem, Cycle.name).join(
        Cycle, Cycle.id == CycleIndicatorItem.cycle_id).where(
        CycleIndicatorItem.cycle_id.in_(ids), CycleIndicatorItem.kind.in_(WEIGHTED),
        or_(CycleIndicatorItem.lead_unit_id.is_not(None),
            CycleIndicatorItem.lead_cadre_id.is_not(None)))
        .order_by(CycleIndicatorItem.category, CycleIndicatorItem.position)).all() if ids else []
    owned = [(item, name, roles) for cycle_id, unit_id in cycle_units
             for item, name in items if item.cycle_id == cycle_id
             for roles in [_roles(item, unit_id, user_id)] if roles]
    units, cadres = names_of([i for i, _n, _r in owned])
    return [{**task_row(i, units, cadres, roles), "cycle": name} for i, name, roles in owned]


def tasks_for_unit(cycle_id, unit_id, user_id=None):
    owned = owned_items(cycle_id, unit_id, user_id)
    units, cadres = names_of([i for i, _r in owned])
    return [task_row(i, units, cadres, roles) for i, roles in owned]

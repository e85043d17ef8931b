"""Checking a cycle's settings: one path for the JSON API and the admin form.

Each check adds `{field: code}` to `errors`; codes are explained to people by
workflow_app.messages (and cycles.messages for the codes added here). Nested
fields are named `stage_sla_days.<state>` so a form can show the error next to
the matching input.
"""

from datetime import datetime

from sqlalchemy import select

from workflow_app.clock import as_utc
from workflow_app.cycles import messages  # noqa: F401  (registers the field messages)
from workflow_app.cycles.models import COMMITTEE_RULES, KINDS, Cycle
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.scoring.grading import ANNUAL_GRADING, DEFAULT_GRADING
from workflow_app.scoring.monthly import monthly_feed_errors
from workflow_app.workcalendar import LOCAL_TZ
from workflows import get_workflow, latest_version, workflow_keys

INT_FIELDS = {"publicity_days": (0, 60, 5), "appeal_days": (0, 90, 15)}
SLA_RANGE = (0, 60)
# Which kinds of cycle each workflow is made for. The quarterly chain also serves a
# month (鱼台县 红黄蓝 月排名) and a half-year (秦皇岛 上半年专项考核).
WORKFLOW_KINDS = {"annual": ("annual",), "quarterly": ("quarterly", "monthly", "half_year"),
                  "community_quarterly": ("quarterly",), "community_monthly": ("monthly",)}
# The column naming each kind's period, with its range; other kinds leave it empty.
PERIODS = {"quarterly": ("quarter", 1, 4), "monthly": ("month", 1, 12),
           "half_year": ("half", 1, 2)}
# A month is light: no 公示 unless the cycle asks for days (汶上县 月度自评).
PUBLICITY_DEFAULT = {"monthly": 0}
NEW_STATUSES = ("draft", "scheduled")


def validate_cycle(data, units, errors, now):
    """The column values of a cycle from `data`; problems go into `errors`."""
    values = {"name": _name(data, errors), "kind": data.get("kind")}
    if values["kind"] not in KINDS:
        errors["kind"] = "unknown"
    values.update(_period(data, values["kind"], errors))
    values.update(_workflow(data, values["kind"], errors))
    values.update(_dates(data, errors, now))
    for name, (low, high, default) in INT_FIELDS.items():
        if name == "publicity_days":
            default = PUBLICITY_DEFAULT.get(values["kind"], default)
        values[name] = int_in(data.get(name, default), low, high, name, errors)
    values.update(_committee(data, units, errors))
    values["stage_sla_days"] = _slas(data.get("stage_sla_days"), values.get("workflow_key"),
                                     errors)
    values["grading"] = data.get("grading") or {}
    if not isinstance(values["grading"], dict):
        errors["grading"] = "not_an_object"
    else:  # 班子 joint liability and missing-quarter rules (scoring/teams.py)
        from workflow_app.scoring.teams import grading_rule_errors
        errors.update(grading_rule_errors(values["grading"], values["kind"]))
        from workflow_app.followups.candidates import grading_errors  # bottom N (末位)
        errors.update(grading_errors(values["grading"]))
        errors.update(monthly_feed_errors(values["grading"], values["kind"]))
        values["grading"] = _grades(values["grading"], values["kind"], errors)
    if not units:
        errors["org_unit_ids"] = "required"
    return values


def _grades(grading, kind, errors):
    """Grade thresholds (0–100, strictly decreasing) and quotas (a share 0–1), when given.

    The grade names are the kind's own (pay tiers and team rules refer to them)."""
    grades = grading.get("grades")
    if grades is None:
        return grading
    names = [g["grade"] for g in (ANNUAL_GRADING if kind == "annual" else DEFAULT_GRADING)
             ["grades"]]
    if (not isinstance(grades, list) or not all(isinstance(g, dict) for g in grades)
            or [g.get("grade") for g in grades] != names):
        errors["grading.grades"] = "wrong_grades"
        return grading
    above, checked = None, []
    for i, grade in enumerate(grades):
        low = _number(grade.get("min"), 0, 100, f"grading.grades.{i}.min", "threshold_range",
                      errors)
        if low is not None and above is not None and low >= above:
            errors[f"grading.grades.{i}.min"] = "not_decreasing"
        above = low if low is not None else above
        checked.append({**grade, "min": low})
        if "quota" in grade:
            checked[-1]["quota"] = _number(grade["quota"], 0, 1, f"grading.grades.{i}.quota",
                                           "quota_range", errors)
    return {**grading, "grades": checked}


def _number(value, low, high, name, code, errors):
    """A number from JSON or typed text within [low, high]; None (and a code) when not."""
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[name] = "required"
        return None
    try:
        if isinstance(value, bool):  # JSON true is not 1
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        errors[name] = "not_a_number"
        return None
    if not low <= number <= high:  # NaN fails too
        errors[name] = code
        return None
    return int(number) if number == int(number) else number


def _name(data, errors):
    name = data.get("name")
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        errors["name"] = "required"
    elif len(name) > 200:
        errors["name"] = "too_long"
    return name[:200]


def _period(data, kind, errors):
    """Year and the kind's own period column (quarter, month or half); the others empty."""
    out = {"year": int_in(data.get("year"), 2000, 2100, "year", errors)}
    own = PERIODS.get(kind, (None,))[0]
    for column, low, high in PERIODS.values():
        value = data.get(column)
        value = None if value == "" else value
        if column == own and value is None:
            errors[column] = "required"
        elif value is not None:
            value = int_in(value, low, high, column, errors)
            if column != own and kind in KINDS and column not in errors:
                errors[column] = "not_accepted"
        out[column] = value if column == own else None
    return out


def _workflow(data, kind, errors):
    key = data.get("workflow") or ("annual" if kind == "annual" else "quarterly")
    if key not in workflow_keys():
        errors["workflow"] = "unknown"
        return {}
    if kind in KINDS and kind not in WORKFLOW_KINDS.get(key, (kind,)):
        errors["workflow"] = "wrong_kind"
    return {"workflow_key": key, "workflow_version": latest_version(key)}


def _dates(data, errors, now):
    opens = parse_datetime(data.get("opens_at"), "opens_at", errors)
    deadline = parse_datetime(data.get("submit_deadline"), "submit_deadline", errors)
    if opens and deadline and deadline <= opens:
        errors["submit_deadline"] = "before_opening"
    elif deadline and now is not None and deadline <= now:
        errors["submit_deadline"] = "in_past"
    return {"opens_at": opens, "submit_deadline": deadline}


def parse_datetime(value, name, errors):
    """An aware UTC datetime from a datetime or ISO text; without a zone it is Beijing time."""
    if isinstance(value, datetime):
        return as_utc(value)
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = "not_a_datetime"
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)  # people type local (Beijing) time
    return as_utc(parsed)


def int_in(value, low, high, name, errors):
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[name] = "not_a_number"
        return None
    try:
        number = int(value)
    except ValueError:
        errors[name] = "not_a_number"
        return None
    if not low <= number <= high:
        errors[name] = "out_of_range"
    return number


def boolean(value, name, errors):
    if not isinstance(value, bool):
        errors[name] = "not_a_boolean"
    return bool(value)


def _committee(data, units, errors):
    rule = data.get("committee_rule", "any")
    if rule not in COMMITTEE_RULES:
        errors["committee_rule"] = "unknown"
    return {"committee_stage": boolean(data.get("committee_stage", True), "committee_stage",
                                       errors),
            "committee_scores": boolean(data.get("committee_scores", True),
                                        "committee_scores", errors),
            "committee_rule": rule,
            "committee_categories": _categories(data.get("committee_categories") or [],
                                                units, errors)}


def _categories(value, units, errors):
    """Unit categories the committee stage applies to: each must occur in the cycle's units."""
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        errors["committee_categories"] = "not_a_list"
        return []
    wanted = list(dict.fromkeys(c.strip() for c in value if c.strip()))
    if wanted and units and set(wanted) - categories_under(units):
        errors["committee_categories"] = "unknown_category"
    return wanted


def categories_under(units):
    """Every non-empty category of a unit in the subtrees of `units`."""
    under = db.or_(*[OrgUnit.path.like(u.path + "%") for u in units])
    return set(db.session.scalars(select(OrgUnit.category).where(under, OrgUnit.category != "")
                                  .distinct()))


def _slas(value, workflow_key, errors):
    """{review state: working days}; states must be review stages of the workflow."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors["stage_sla_days"] = "not_an_object"
        return {}
    stages = get_workflow(workflow_key).stage_actor if workflow_key else {}
    out = {}
    for state, days in value.items():
        name = f"stage_sla_days.{state}"
        if workflow_key and state not in stages:
            errors[name] = "not_a_stage"
        elif days not in (None, ""):
            out[state] = int_in(days, *SLA_RANGE, name, errors)
    return out


def overlapping_cycle(values, units, exclude_id=None):
    """Another cycle of the same kind and period over any of these units, above or below."""
    query = select(Cycle).where(Cycle.kind == values["kind"], Cycle.year == values["year"])
    for column in ("quarter", "month", "half"):
        attr, value = getattr(Cycle, column), values.get(column)
        query = query.where(attr.is_(None) if value is None else attr == value)
    if exclude_id is not None:
        query = query.where(Cycle.id != exclude_id)
    for other in db.session.scalars(query.order_by(Cycle.id)):
        if any(a.path.startswith(b.path) or b.path.startswith(a.path)
               for a in other.org_units for b in units):
            return other
    return None

"""How an audit entry reads: Chinese names for actions, subjects and data keys; the data
as before → after where the entry carries both, else as key: value; what it is about."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow_app.assessments import labels
from workflow_app.assessments.models import Assessment, Attachment
from workflow_app.cycles.indicators import AssessmentAdjustment
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.teams import Team
from workflow_app.scoring.models import NegativeItem
from workflow_app.surveys.models import SatisfactionSurvey

# Actions that are not workflow events (those are labels.EVENT_LABELS).
OTHER_ACTIONS = {
    "create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"),
    "rename": _l("Renamed"), "record": _l("Recorded"), "withdraw": _l("Withdrawn"),
    "upload": _l("File uploaded"), "purge": _l("File purged"),
    "schedule": _l("Scheduled"), "unschedule": _l("Back to draft"), "close": _l("Closed"),
    "archive": _l("Archived"), "grade": _l("Graded"), "remind": _l("Reminders sent"),
    "escalate": _l("Escalated (overdue)"), "assign": _l("Raters assigned"),
    "rate": _l("Rating given"), "issue_tokens": _l("Survey links issued"),
    "spot_check": _l("Telephone spot check"), "set": _l("Day set"), "remove": _l("Day removed"),
    "add_member": _l("Member added"), "set_position": _l("Position changed"),
    "remove_member": _l("Member removed"), "password_change": _l("Password changed"),
    "password_reset": _l("Password reset"), "login_unlock": _l("Login unlocked"),
    "notification_preferences": _l("Notification settings changed"),
    "resend": _l("Message resent"), "substitute": _l("Substitute appointed"),
    "substitute_end": _l("Substitution ended"), "override": _l("Grade overridden"),
    "verify_chains": _l("Audit log verified"),
    "move_deadline": _l("Due date moved off a day off"),
    # issues 14 and 15: follow-ups, 业绩晾晒, 数据同源, task ownership
    "open": _l("Opened"), "add_measure": _l("Rectification measure added"),
    "complete_measure": _l("Rectification measure done"), "set_stars": _l("Stars recorded"),
    "deduct_stars": _l("Stars taken away (减星)"), "withdraw_deduction": _l("减星 withdrawn"),
    "import_actuals": _l("Actuals imported (数据同源)"), "ownership": _l("Task ownership set"),
    "clear": _l("Cleared"),
}

SUBJECT_LABELS = {
    "assessment": _l("Assessment"), "raters": _l("360 rating round"),
    "survey": _l("Satisfaction survey"), "attachment": _l("Attachment"),
    "negative_item": _l("Negative list item"), "assessment_adjustment": _l("Bonus or penalty"),
    "cycle": _l("Cycle"), "user": _l("Person"), "org_unit": _l("Org unit"), "team": _l("Team"),
    "notification": _l("Message"), "indicator_sheet": _l("Indicator sheet"),
    "calendar_day": _l("Working-day calendar"), "follow_up": _l("Follow-up"),
    "showcase_board": _l("Star board (业绩晾晒)"), "unit_weights": _l("A unit's own weights"),
    "linkage_completion": _l("Completion rates (连带考核)"), "indicator_item": _l("Indicator"),
}

KEY_LABELS = {
    "name": _l("Name"), "category": _l("Category"), "grade": _l("Grade"), "score": _l("Score"),
    "member_score": _l("Member's score"), "reason": _l("Reason"), "status": _l("Status"),
    "points": _l("Points"), "kind": _l("Kind"), "item": _l("Item"), "items": _l("Items"),
    "assessments": _l("Assessments"), "queued": _l("Messages queued"),
    "published": _l("Published"), "finalized": _l("Filed"), "waiting": _l("Waiting"),
    "count": _l("Count"), "channel": _l("Channel"), "roles": _l("Roles"),
    "active": _l("Active"), "supervisor_id": _l("Supervisor"), "username": _l("Username"),
    "org_unit_id": _l("Org unit"), "day": _l("Day"), "is_workday": _l("Working day"),
    "note": _l("Note"), "position": _l("Position"), "user": _l("Person"),
    "substitute_id": _l("Substitute"), "starts_at": _l("From"), "ends_at": _l("Until"),
    "attempts": _l("Attempts"), "last_error": _l("Last error"), "size": _l("Size"),
    "assessment_id": _l("Assessment"), "bonus_cap": _l("Bonus cap"),
    "penalty_cap": _l("Penalty cap"), "chains": _l("Chains"), "entries": _l("Entries"),
    "breaks": _l("Breaks"), "failures_cleared": _l("Failed logins cleared"),
    "days": _l("Days"), "state": _l("State"), "recorded_reason": _l("Reason recorded"),
    "not_submitted": _l("Not submitted"), "preview": _l("Trial run"), "unit": _l("Org unit"),
    "to": _l("Sent to"), "raters": _l("Raters"),
    "deadline": _l("What is due"), "due": _l("Due"), "day_off": _l("Day off"),
    "told": _l("People notified"),
}
# Data keys holding ids, shown by name (names_for: one query per kind for a whole page).
USER_KEYS = ("user", "supervisor_id", "substitute_id", "to")
UNIT_KEYS = ("unit", "org_unit_id")
RATERS_HIDDEN = _l("(the rater list is not shown in the log)")


def action_label(code):
    return labels.EVENT_LABELS.get(code) or OTHER_ACTIONS.get(code) or code


def subject_label(code):
    return SUBJECT_LABELS.get(code, code)


def key_label(key):
    return KEY_LABELS.get(key, key)


def shown_data(entry):
    """The data as shown: a 360 round's rater list is left out (queries.hidden_clause)."""
    data = dict(entry.data or {})
    if entry.subject_type == "raters" and "raters" in data:
        data["raters"] = str(RATERS_HIDDEN)
    return data


@dataclass
class Change:
    key: str
    label: str
    before: object = None
    after: object = None
    paired: bool = False   # before → after; else `after` is the value


def names_for(entries):
    """{("user" | "unit", id): name} for the ids the entries' data name."""
    wanted = {"user": set(), "unit": set()}
    for e in entries:
        for kind, keys in (("user", USER_KEYS), ("unit", UNIT_KEYS)):
            for key in keys:
                value = (e.data or {}).get(key)
                values = value if isinstance(value, list) else [value]
                wanted[kind] |= {v for v in values if isinstance(v, int)}
    found = {}
    for kind, model, column in (("user", User, User.display_name),
                                ("unit", OrgUnit, OrgUnit.name)):
        if wanted[kind]:
            rows = db.session.execute(select(model.id, column).where(model.id.in_(wanted[kind])))
            found |= {(kind, r[0]): r[1] for r in rows}
    return found


def _named(key, value, names):
    kind = "user" if key in USER_KEYS else "unit" if key in UNIT_KEYS else None
    if kind is None or not names:
        return value
    if isinstance(value, list):
        return [names.get((kind, v), v) for v in value]
    return names.get((kind, value), value)


def changes(entry, names=None):
    """The data as rows: `before` dicts and from_x/to_x pairs as before → after; ids of
    people and units by name when `names` (names_for) has them."""
    data = {k: _named(k, v, names) for k, v in shown_data(entry).items()}
    before = data.pop("before", None) if isinstance(data.get("before"), dict) else {}
    rows = []
    for key in sorted({k[5:] for k in data if k.startswith("from_")}
                      & {k[3:] for k in data if k.startswith("to_")}):
        rows.append(Change(key, key_label(key), data.pop("from_" + key),
                           data.pop("to_" + key), True))
    for key, value in data.items():
        if key in before:
            rows.append(Change(key, key_label(key), before[key], value, True))
        else:
            rows.append(Change(key, key_label(key), after=value))
    return rows


def text_of(value):
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(text_of(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {text_of(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def changes_text(entry, names=None):
    """One line for the spreadsheet."""
    parts = []
    for c in changes(entry, names):
        value = (f"{text_of(c.before)} → {text_of(c.after)}" if c.paired
                 else text_of(c.after))
        parts.append(f"{c.label}: {value}")
    return "；".join(parts)


# --- what an entry is about ----------------------------------------------------------------

ASSESSMENT_OWNED = {"survey": SatisfactionSurvey, "attachment": Attachment,
                    "negative_item": NegativeItem, "assessment_adjustment": AssessmentAdjustment}


@dataclass
class Subject:
    kind: str
    id: int
    label: str
    assessment_id: int | None = None


def describe_subjects(entries):
    """{(type, id): Subject} for `entries`, in a fixed number of queries (one per type)."""
    wanted = {}
    for e in entries:
        wanted.setdefault(e.subject_type, set()).add(e.subject_id)
    owner = {("assessment", i): i for i in wanted.get("assessment", ())}
    owner |= {("raters", i): i for i in wanted.get("raters", ())}
    for kind, model in ASSESSMENT_OWNED.items():
        if wanted.get(kind):
            rows = db.session.execute(select(model.id, model.assessment_id)
                                      .where(model.id.in_(wanted[kind])))
            owner |= {(kind, r.id): r.assessment_id for r in rows}
    names = _assessment_names(set(owner.values()))
    found = {key: Subject(*key, names.get(a, ""), a) for key, a in owner.items()}
    for kind, (model, column) in NAMED.items():
        if wanted.get(kind):
            rows = db.session.execute(select(model.id, column).where(model.id.in_(wanted[kind])))
            found |= {(kind, r[0]): Subject(kind, r[0], r[1]) for r in rows}
    return found


NAMED = {"cycle": (Cycle, Cycle.name), "user": (User, User.display_name),
         "org_unit": (OrgUnit, OrgUnit.name), "team": (Team, Team.name)}


def _assessment_names(ids):
    """{assessment id: "cadre · cycle"}."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(Assessment.id, User.display_name, Cycle.name)
        .join(User, User.id == Assessment.cadre_id).join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Assessment.id.in_(ids)))
    return {r.id: f"{r.display_name} · {r.name}" for r in rows}

"""A cycle's status: draft → scheduled → open → closed → published → archived.

`open` is cycles.services.open_cycle (the scheduler at `opens_at`, or the admin
at once); `published` is scoring.services.publish_cycle. This module holds the
other moves, the closing job and copying a cycle to the next period.

Closing the window: drafting assessments stay `drafting` (nothing is thrown
away) and get the flag `not_submitted`; the `window_open` guard then refuses
their submit because the cycle is no longer open.
"""

import re
from calendar import monthrange
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from workflow_app.assessments.models import Assessment
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.progress import final_states, require_done
from workflow_app.cycles.services import can_manage_cycle
from workflow_app.errors import NotAllowed, WrongState
from workflow_app.extensions import db
from workflow_app.workcalendar import LOCAL_TZ

NOT_SUBMITTED = "not_submitted"


# Status moves made by an administrator, and the statuses they start from.
ACTION_SOURCES = {"schedule": ("draft",), "unschedule": ("scheduled",),
                  "open": ("draft", "scheduled"), "close": ("open",), "archive": ("published",)}
ACTION_LABELS = {"schedule": _l("Schedule"), "unschedule": _l("Back to draft"),
                 "open": _l("Open now"), "close": _l("Close the window"),
                 "archive": _l("Archive")}


def allowed_actions(user, cycle):
    """The status moves `user` may make on `cycle` now (for buttons; services re-check)."""
    if not can_manage_cycle(user, cycle):
        return []
    return [a for a, sources in ACTION_SOURCES.items() if cycle.status in sources]


def can_edit_cycle(user, cycle):
    return cycle.status in ("draft", "scheduled") and can_manage_cycle(user, cycle)


def _move(cycle, actor, source, dest, action, now=None, **data):
    if actor is not None and not can_manage_cycle(actor, cycle):
        raise NotAllowed()
    if cycle.status not in source:
        raise WrongState()
    cycle.status = dest
    record("cycle", cycle.id, action, actor=actor, at=now, data=data)
    return cycle


def schedule_cycle(cycle, actor):
    """draft → scheduled: the scheduler opens it at `opens_at`."""
    return _move(cycle, actor, ("draft",), "scheduled", "schedule")


def unschedule_cycle(cycle, actor):
    """scheduled → draft: kept from opening while it is changed."""
    return _move(cycle, actor, ("scheduled",), "draft", "unschedule")


def close_cycle(cycle, actor, now=None):
    """open → closed: no more submissions; unsubmitted assessments are flagged."""
    now = as_utc(now) if now else utcnow()
    late = db.session.scalars(select(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.state == "drafting")).all()
    _move(cycle, actor, ("open",), "closed", "close", now=now, not_submitted=len(late))
    cycle.closed_at = now
    rows = [{"id": a.id, "flags": [*(a.flags or []), NOT_SUBMITTED]} for a in late
            if NOT_SUBMITTED not in (a.flags or [])]
    if rows:
        db.session.execute(update(Assessment), rows)
    return len(late)


def archive_cycle(cycle, actor):
    """published → archived, once every result is final (备案)."""
    if cycle.status == "published":
        # The refusal names what is left, by state (drafts locked out by an early
        # publish as much as open objections), not a guess at the cause.
        require_done(cycle, final_states(cycle), _l(
            "Archiving needs every result filed first."))
    return _move(cycle, actor, ("published",), "archived", "archive")


def close_due_cycles(now):
    """Scheduler job: close every open cycle whose deadline (plus grace) has passed."""
    grace = timedelta(days=current_app.config.get("CYCLE_CLOSE_GRACE_DAYS", 0))
    due = db.session.scalars(select(Cycle).where(
        Cycle.status == "open", Cycle.submit_deadline <= now - grace)
        .order_by(Cycle.id)).all()
    for cycle in due:
        close_cycle(cycle, None, now=now)
    return len(due)


# --- copying a cycle to the next period ---------------------------------------------

CN_QUARTERS = "一二三四"


# The period column of each kind, its number of periods a year and months per period.
PERIOD_STEPS = {"quarterly": ("quarter", 4, 3), "monthly": ("month", 12, 1),
                "half_year": ("half", 2, 6)}


def next_period(cycle):
    """(year, {period column: value}, months to shift dates) of the period after `cycle`'s."""
    column, count, months = PERIOD_STEPS.get(cycle.kind, (None, 1, 12))
    current = getattr(cycle, column) if column else None
    if current is None:
        return cycle.year + 1, {}, 12
    if current == count:
        return cycle.year + 1, {column: 1}, months
    return cycle.year, {column: current + 1}, months


def settings_of(cycle):
    """A cycle's settings as service-style data (to edit it, or to copy it)."""
    return {
        "name": cycle.name, "kind": cycle.kind, "year": cycle.year, "quarter": cycle.quarter,
        "month": cycle.month, "half": cycle.half,
        "workflow": cycle.workflow_key, "org_unit_ids": [u.id for u in cycle.org_units],
        "opens_at": as_utc(cycle.opens_at), "submit_deadline": as_utc(cycle.submit_deadline),
        "committee_stage": cycle.committee_stage, "committee_scores": cycle.committee_scores,
        "committee_rule": cycle.committee_rule,
        "committee_categories": list(cycle.committee_categories or []),
        "stage_sla_days": dict(cycle.stage_sla_days or {}),
        "publicity_days": cycle.publicity_days, "appeal_days": cycle.appeal_days,
        "grading": dict(cycle.grading or {}),
    }


def copy_data(cycle):
    """The same cycle one period later: units and rules kept, dates shifted, renamed."""
    year, period, months = next_period(cycle)
    data = settings_of(cycle)
    data.update(period)
    data.update(name=renamed_period(cycle.name, cycle, year, period), year=year,
                opens_at=shift_months(cycle.opens_at, months),
                submit_deadline=shift_months(cycle.submit_deadline, months))
    return data


def shift_months(moment, months):
    """The same local wall-clock time `months` later (the day clamped to the month's end)."""
    local = as_utc(moment).astimezone(LOCAL_TZ)
    year, month = divmod(local.year * 12 + local.month - 1 + months, 12)
    day = min(local.day, monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def renamed(name, cycle, year, quarter):
    """"2026年第一季度平时考核" → "2026年第二季度平时考核"; other text is kept."""
    name = name.replace(str(cycle.year), str(year))
    if cycle.quarter and quarter:
        old, new = cycle.quarter, quarter
        name = re.sub(f"第[{CN_QUARTERS[old - 1]}{old}]季度",
                      lambda m: f"第{CN_QUARTERS[new - 1] if m[0][1] in CN_QUARTERS else new}季度",
                      name)
        name = re.sub(f"\\bQ{old}\\b", f"Q{new}", name)
    return name


def renamed_period(name, cycle, year, period):
    """The name for the next period of any kind: "2026年3月" → "2026年4月", "上半年" →
    "下半年", quarters as `renamed`. `period`: the next period's column and value."""
    name = renamed(name, cycle, year, period.get("quarter"))
    month, half = period.get("month"), period.get("half")
    if getattr(cycle, "month", None) and month:
        name = re.sub(f"(?<![0-9]){cycle.month}月", f"{month}月", name)
    if getattr(cycle, "half", None) and half:
        name = name.replace("上半年" if cycle.half == 1 else "下半年",
                            "上半年" if half == 1 else "下半年")
    return name

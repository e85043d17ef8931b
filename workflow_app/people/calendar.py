"""The working calendar's local adjustments (本地调整) and a year's view of the calendar.

Chinese public holidays and make-up working days (调休) come from chinesecalendar;
an administrator of the whole tree (org_admin on a top-level unit) may mark a
date as a working day or a day off for everyone, with a note. Every change is
audited; deadlines computed afterwards use it (workcalendar.is_workday).
"""

import calendar as month_calendar
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.models import CalendarDay
from workflow_app.errors import Invalid, NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.workcalendar import adjustments, forget_adjustments, national_workday

FIELD_MESSAGES.update({"not_a_date": _l("Please enter a date (YYYY-MM-DD).")})
KINDS = {"workday": True, "holiday": False}


def can_view_calendar(user):
    return any(g.role == ORG_ADMIN for g in user.grants)


def can_edit_calendar(user):
    """The calendar is the same for every unit: only admins of a top-level unit edit it."""
    return any(g.role == ORG_ADMIN and g.org_unit.parent_id is None for g in user.grants)


def parse_day(value, errors, name="day"):
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[name] = "not_a_date"
        return None


def set_day(actor, day_text, kind, note="", now=None):
    """Mark a date as a working day or a day off (replacing an earlier adjustment)."""
    if not can_edit_calendar(actor):
        raise NotAllowed()
    errors = {}
    day = parse_day(day_text, errors)
    if kind not in KINDS:
        errors["kind"] = "unknown"
    if errors:
        raise Invalid(fields=errors)
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    row.is_workday, row.note = KINDS[kind], (note or "").strip()[:200]
    row.updated_by_id, row.updated_at = actor.id, as_utc(now) if now else utcnow()
    db.session.add(row)
    record("calendar_day", day.toordinal(), "set", actor=actor, at=row.updated_at,
           data={"day": day.isoformat(), "is_workday": row.is_workday, "note": row.note})
    _changed()
    return row


def remove_day(actor, day_text, now=None):
    """Drop a local adjustment: the national calendar applies again."""
    if not can_edit_calendar(actor):
        raise NotAllowed()
    errors = {}
    day = parse_day(day_text, errors)
    row = db.session.get(CalendarDay, day) if day else None
    if row is None:
        raise NotFound()
    record("calendar_day", day.toordinal(), "remove", actor=actor,
           at=as_utc(now) if now else utcnow(), data={"day": day.isoformat()})
    db.session.delete(row)
    _changed()


def _changed():
    """Forget the cached adjustments now and again once the change is committed."""
    db.session.info["calendar_changed"] = True
    forget_adjustments()


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session):
    if session.info.pop("calendar_changed", False):
        forget_adjustments()


def year_adjustments(year):
    return db.session.scalars(select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)).all()


def year_grid(year, today=None, dues=None):
    """12 months of weeks (Monday first) of day cells, for the calendar page; `dues` maps
    a day to what is due then (cycles.due_dates), marked on its cell."""
    local, dues = adjustments(), dues or {}
    grid = month_calendar.Calendar(firstweekday=0)
    return [{"month": m, "weeks": [[_cell(d, m, local, today, dues) for d in week]
                                    for week in grid.monthdatescalendar(year, m)]}
            for m in range(1, 13)]


def _cell(day, month, local, today, dues):
    if day.month != month:
        return None
    national = national_workday(day)
    workday = local.get(day, national)
    weekend = day.weekday() >= 5
    kind = ("adjusted" if day in local else "makeup" if national and weekend
            else "holiday" if not national and not weekend else "")
    return {"day": day, "workday": workday, "kind": kind, "today": day == today,
            "dues": dues.get(day, [])}

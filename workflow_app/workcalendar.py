"""Working days on the Chinese calendar: public holidays and make-up working days (调休).

Holiday data comes from the `chinesecalendar` package, which covers the years the
State Council has announced; for a year it does not know yet, Monday–Friday are
working days, which is what offices plan with until the notice comes out.

Local adjustments (CalendarDay rows, edited by administrators: a county's own
day off, a notice the package does not know yet) override both. They are read
once per ADJUSTMENTS_TTL seconds per app (other processes see an edit within
that time; the editing process at once, through `forget_adjustments`).
"""

import time as monotonic_clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from flask import current_app, has_app_context

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
ADJUSTMENTS_TTL = 60
_CACHE = "kaohe_calendar_adjustments"


def national_workday(day):
    """The State Council's calendar (chinesecalendar), Monday–Friday beyond it."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_workday(day):
    adjusted = adjustments().get(day)
    return national_workday(day) if adjusted is None else adjusted


def adjustments():
    """{date: is_workday} of the local adjustments, cached per app for ADJUSTMENTS_TTL."""
    if not has_app_context():
        return {}
    cached = current_app.extensions.get(_CACHE)
    now = monotonic_clock.monotonic()
    if cached is None or now - cached[0] > ADJUSTMENTS_TTL:
        cached = (now, _load_adjustments())
        current_app.extensions[_CACHE] = cached
    return cached[1]


def _load_adjustments():
    """Read on a connection of its own, so the caller's transaction is never disturbed."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from workflow_app.cycles.models import CalendarDay
    from workflow_app.extensions import db

    query = select(CalendarDay.day, CalendarDay.is_workday)
    if db.engine.url.database in (None, "", ":memory:"):
        return dict(db.session.execute(query).all())  # one private connection anyway
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(query).all()
    except SQLAlchemyError:  # no schema yet (init-db, a bare test app): no adjustments
        return {}
    return {day: bool(workday) for day, workday in rows}


def forget_adjustments():
    """Drop this app's cached adjustments (after an edit is committed)."""
    if has_app_context():
        current_app.extensions.pop(_CACHE, None)


def next_working_day(day):
    """The first working day after `day` (a date)."""
    day += timedelta(days=1)
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def add_working_days(start, days):
    """The moment `days` full working days after `start` end (local midnight after).

    A publication opened on Friday afternoon with 5 working days runs through
    the next Friday, skipping the weekend and any holiday, and ends at 00:00 the
    day after its last working day.
    """
    local = start.astimezone(LOCAL_TZ).date() if isinstance(start, datetime) else start
    day, counted = local, 0
    while counted < days:
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    # Returned in UTC: SQLite stores no zone, so everything written must be UTC.
    return end.astimezone(UTC)


def working_days_between(start, end):
    """Whole working days after `start`'s date up to and including `end`'s date."""
    a = start.astimezone(LOCAL_TZ).date()
    b = end.astimezone(LOCAL_TZ).date()
    return sum(1 for n in range(1, (b - a).days + 1) if is_workday(a + timedelta(days=n)))


def today_local(now):
    return now.astimezone(LOCAL_TZ).date() if isinstance(now, datetime) else date.today()

"""The working calendar page: a year at a glance with its legend and the due dates of the
viewer's cycles, local adjustments and their editing, and the due dates a day off now
carries, each movable to the next working day with one click."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from forms.people import CalendarDayForm
from workflow_app.clock import utcnow
from workflow_app.cycles import due_dates
from workflow_app.cycles.views import run_and_report
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.people import calendar as cal
from workflow_app.security.inputs import to_int
from workflow_app.workcalendar import LOCAL_TZ, today_local

bp = Blueprint("calendar", __name__)
WARNING = "due-on-days-off"
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


def _year():
    year = to_int(request.args.get("year"), 2000, 2100)
    if year is not None:
        return year
    return utcnow().astimezone(LOCAL_TZ).year


def _page(form, year, status=200):
    now = utcnow()
    dues = due_dates.due_dates(current_user, now, date(year, 1, 1), date(year, 12, 31))
    by_day = {}
    for due in dues:
        by_day.setdefault(due.day, []).append(due)
    return render_template("people/calendar.html", form=form, year=year,
                           months=cal.year_grid(year, today_local(now), by_day),
                           rows=cal.year_adjustments(year), dues=dues,
                           conflicts=due_dates.conflicts(current_user, now),
                           items_label=due_dates.items_label,
                           editable=cal.can_edit_calendar(current_user),
                           weekday_names=WEEKDAYS), status


@bp.route("/admin/calendar", methods=["GET", "POST"])
@login_required
def index():
    if not cal.can_view_calendar(current_user):
        raise NotAllowed()
    form, year = CalendarDayForm(), _year()
    if request.method == "GET":
        return _page(form, year)
    try:
        row = cal.set_day(current_user, form.day.data, form.kind.data, form.note.data)
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _page(form, year, 422)
    db.session.commit()
    flash(gettext("%(day)s saved.", day=row.day.isoformat()), "success")
    hits = [d for d in due_dates.on_days_off(current_user) if d.day == row.day]
    if not hits:
        return redirect(url_for(".index", year=row.day.year), 303)
    flash(gettext("%(n)d due dates fall on %(day)s, now a day off: see the warning at the "
                  "top of the page.", n=len(hits), day=row.day.isoformat()), "info")
    return redirect(url_for(".index", year=row.day.year, _anchor=WARNING), 303)


@bp.post("/admin/calendar/<day>/remove")
@login_required
def remove(day):
    cal.remove_day(current_user, day)
    db.session.commit()
    flash(gettext("%(day)s follows the national calendar again.", day=day), "success")
    return redirect(url_for(".index", year=day[:4]), 303)


def _day(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


@bp.post("/admin/calendar/<day>/deadlines/move")
@login_required
def move_deadline(day):
    """One due date on a day off → the next working day (the cycle's admins only)."""
    moved_day = _day(day)
    if not cal.can_view_calendar(current_user):
        raise NotAllowed()
    cycle = due_dates.get_cycle_for_moving(to_int(request.form.get("cycle_id")), current_user)
    deadline = request.form.get("deadline", "")
    return run_and_report(
        lambda: [due_dates.move_deadline(cycle, current_user, deadline, moved_day)],
        _moved_message, back=url_for(".index", year=moved_day.year, _anchor=WARNING))


@bp.post("/admin/calendar/<day>/deadlines/move-all")
@login_required
def move_all_deadlines(day):
    """Every due date on that day in the cycles the admin manages (none of anyone else's)."""
    moved_day = _day(day)
    if not cal.can_view_calendar(current_user):
        raise NotAllowed()
    return run_and_report(lambda: due_dates.move_all(current_user, moved_day), _moved_message,
                          back=url_for(".index", year=moved_day.year, _anchor=WARNING))


def _moved_message(moved):
    """One sentence per date moved: which cycle, which date, from when to when, who was told."""
    lines = []
    for m in moved:
        values = {"cycle": m.due.cycle.name, "deadline": m.due.label, "old": m.due.shown,
                  "new": m.shown, "n": m.told}
        lines.append(gettext("%(cycle)s: %(deadline)s moved from %(old)s to %(new)s; "
                             "%(n)d people notified.", **values) if m.told else
                     gettext("%(cycle)s: %(deadline)s moved from %(old)s to %(new)s.",
                             **values))
    return " ".join(lines)

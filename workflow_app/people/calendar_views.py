"""The working calendar page: a year at a glance, local adjustments and their editing."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from forms.people import CalendarDayForm
from workflow_app.clock import utcnow
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.people import calendar as cal
from workflow_app.security.inputs import to_int
from workflow_app.workcalendar import LOCAL_TZ

bp = Blueprint("calendar", __name__)
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


def _year():
    year = to_int(request.args.get("year"), 2000, 2100)
    if year is not None:
        return year
    return utcnow().astimezone(LOCAL_TZ).year


def _page(form, year, status=200):
    return render_template("people/calendar.html", form=form, year=year,
                           months=cal.year_grid(year), rows=cal.year_adjustments(year),
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
    return redirect(url_for(".index", year=row.day.year), 303)


@bp.post("/admin/calendar/<day>/remove")
@login_required
def remove(day):
    cal.remove_day(current_user, day)
    db.session.commit()
    flash(gettext("%(day)s follows the national calendar again.", day=day), "success")
    return redirect(url_for(".index", year=day[:4]), 303)

"""The working calendar: national holidays and 调休 from chinesecalendar, local adjustments
edited by the admins of the whole tree, used by every deadline at once."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.test_scheduler import at_local, run, submit
from tests.web.conftest import Auth
from workflow_app import workcalendar
from workflow_app.audit.services import history
from workflow_app.cycles.models import CalendarDay
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.people.calendar import remove_day, set_day, year_grid
from workflow_app.workcalendar import LOCAL_TZ, add_working_days, is_workday


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.mark.parametrize(("day", "workday"), [
    (date(2026, 4, 6), False),   # 清明节 (Monday)
    (date(2026, 4, 7), True),
    (date(2026, 5, 9), True),    # a Saturday worked for the 劳动节 break (调休)
    (date(2026, 10, 1), False),  # 国庆节
    (date(2031, 6, 2), True),    # a year not announced yet: Monday–Friday
    (date(2031, 6, 7), False),
])
def test_national_calendar(day, workday):
    assert is_workday(day) is workday


def adjust(world, day, kind="holiday", note="本县防汛放假", actor="admin"):
    row = set_day(world.users[actor], day, kind, note)
    db.session.commit()
    return row


def test_a_local_day_off_moves_every_deadline(app, world):
    start = datetime(2026, 4, 7, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Beijing
    before = add_working_days(start, 2)  # Wed 8, Thu 9 → ends Friday 10 April 00:00
    assert before == datetime(2026, 4, 10, tzinfo=LOCAL_TZ)
    adjust(world, "2026-04-08")
    assert not is_workday(date(2026, 4, 8))
    assert add_working_days(start, 2) == datetime(2026, 4, 11, tzinfo=LOCAL_TZ)
    remove_day(world.admin, "2026-04-08")
    db.session.commit()
    assert add_working_days(start, 2) == before


def test_a_local_working_day_counts(app, world):
    adjust(world, "2026-04-06", kind="workday", note="本县清明节照常上班")
    assert is_workday(date(2026, 4, 6))
    [entry] = history("calendar_day", date(2026, 4, 6).toordinal())
    assert entry.actor_id == world.admin.id and entry.data["is_workday"] is True


def test_overdue_reminders_follow_the_local_calendar(world, create_cycle, runner):
    cycle = create_cycle()
    submit(cycle, world.a1)  # Wednesday 1 April; working days 2, 3, 7 April, then 8 April
    adjust(world, "2026-04-08")  # the county's own day off
    assert run(runner, at_local(8))["remind_overdue_reviews"] == "0"  # nobody works
    assert run(runner, at_local(9))["remind_overdue_reviews"] == "1"  # 2, 3, 7, 9 April


@pytest.mark.parametrize(("actor", "error"), [("town_admin", NotAllowed), ("a1", NotAllowed),
                                              ("audit", NotAllowed)])
def test_only_admins_of_the_whole_tree_edit(world, actor, error):
    with pytest.raises(error):
        set_day(world.users[actor], "2026-04-08", "holiday")
    assert db.session.scalars(select(CalendarDay)).all() == []


@pytest.mark.parametrize(("day", "kind", "field"), [("2026-13-01", "holiday", "day"),
                                                    ("", "holiday", "day"),
                                                    ("2026-04-08", "maybe", "kind")])
def test_bad_input_names_the_field(world, day, kind, field):
    with pytest.raises(Invalid) as caught:
        set_day(world.admin, day, kind)
    assert field in caught.value.fields


def test_other_processes_see_an_edit_within_the_ttl(app, world, db_url, clock, monkeypatch):
    from tests.conftest import _config
    from workflow_app import create_app

    other = create_app(_config(db_url, clock))
    ticks = [1000.0]
    monkeypatch.setattr(workcalendar.monotonic_clock, "monotonic", lambda: ticks[0])
    with other.app_context():
        assert is_workday(date(2026, 4, 8))  # read and cached
    adjust(world, "2026-04-08")
    with other.app_context():
        assert is_workday(date(2026, 4, 8))  # still cached
        ticks[0] += workcalendar.ADJUSTMENTS_TTL + 1
        assert not is_workday(date(2026, 4, 8))
        db.engine.dispose()


def test_year_grid_marks_holidays_makeup_days_and_adjustments(app, world):
    adjust(world, "2026-04-08")
    april = year_grid(2026)[3]
    cells = {c["day"]: c for week in april["weeks"] for c in week if c}
    assert cells[date(2026, 4, 6)]["kind"] == "holiday"
    assert cells[date(2026, 4, 8)]["kind"] == "adjusted" and not cells[date(2026, 4, 8)][
        "workday"]
    assert year_grid(2026)[4]["weeks"] and {c["kind"] for w in year_grid(2026)[4]["weeks"]
                                            for c in w if c and c["day"] == date(2026, 5, 9)
                                            } == {"makeup"}


def test_calendar_page(auth, world):
    admin = auth.user("admin")
    page = admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "2026" in page and 'name="day"' in page
    resp = admin.post("/admin/calendar?year=2026", {"day": "2026-04-08", "kind": "holiday",
                                                    "note": "本县调休"})
    assert resp.status_code == 303
    page = admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert 'id="day-2026-04-08"' in page and "本县调休" in page
    bad = admin.post("/admin/calendar", {"day": "四月八日", "kind": "holiday"})
    assert bad.status_code == 422 and "请输入日期（YYYY-MM-DD）。" in bad.get_data(as_text=True)
    assert admin.post("/admin/calendar/2026-04-08/remove").status_code == 303
    assert db.session.scalars(select(CalendarDay)).all() == []


def test_calendar_page_scope(auth, world):
    town = auth.user("town_admin")
    page = town.get("/admin/calendar").get_data(as_text=True)
    assert 'name="day"' not in page  # read only
    assert town.post("/admin/calendar", {"day": "2026-04-08", "kind": "holiday"}
                     ).status_code == 403
    assert auth.user("a1").get("/admin/calendar").status_code == 403

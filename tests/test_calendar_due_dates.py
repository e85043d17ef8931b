"""Due dates on the working calendar: a day just marked 休息日 that carries a submission
deadline, a stage's time limit or the end of 公示 is named on the calendar page, and each
date moves to the next working day with one click: audited, the people it was announced
to told, refused for another unit's admin and for a cycle that has closed meanwhile.

The clock says Wednesday 1 April 2026, 17:00 in Beijing; the cycle's deadline is 15 April
17:00 (a Wednesday); 清明 (4–6 April) is a holiday.
"""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from tests.test_grading import _approve
from tests.test_scheduler import assessment_of, submit
from tests.web import conftest as web_fixtures
from workflow_app.assessments.services import fire_event
from workflow_app.audit.services import history
from workflow_app.clock import as_utc
from workflow_app.cycles import due_dates as dd
from workflow_app.cycles.lifecycle import close_cycle
from workflow_app.cycles.models import Cycle
from workflow_app.errors import NotAllowed, WrongState
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.people.calendar import set_day, year_grid
from workflow_app.scoring.services import grade_cycle, publish_cycle
from workflow_app.workcalendar import LOCAL_TZ

DEADLINE_DAY = date(2026, 4, 15)
auth, fresh = web_fixtures.auth, web_fixtures.fresh


def day_off(world, day, actor="admin"):
    set_day(world.users[actor], day.isoformat(), "holiday", "本县防汛放假")
    db.session.commit()


def local(moment):
    return as_utc(moment).astimezone(LOCAL_TZ).replace(tzinfo=None)


def notes(kind):
    return db.session.scalars(select(Notification).where(Notification.kind == kind,
                                                         Notification.channel == "in_app")).all()


@pytest.mark.parametrize(("moment", "day"), [
    (datetime(2026, 4, 15, 17, 0, tzinfo=LOCAL_TZ), date(2026, 4, 15)),
    (datetime(2026, 4, 16, 0, 0, tzinfo=LOCAL_TZ), date(2026, 4, 15)),  # the end of the 15th
    (datetime(2026, 4, 16, 0, 1, tzinfo=LOCAL_TZ), date(2026, 4, 16)),
])
def test_the_day_of_a_due_moment(moment, day):
    assert dd.due_day(moment) == day


def test_a_day_off_on_the_deadline_is_named_and_moved(world, create_cycle):
    cycle = create_cycle()
    assert dd.on_days_off(world.admin) == []
    day_off(world, DEADLINE_DAY)
    [due] = dd.on_days_off(world.admin)
    assert (due.cycle.id, due.deadline, due.items) == (cycle.id, "submit", 5)
    moved = dd.move_deadline(cycle, world.admin, "submit", DEADLINE_DAY)
    db.session.commit()
    assert local(db.session.get(Cycle, cycle.id).submit_deadline) == datetime(2026, 4, 16, 17)
    assert moved.told == 5 and dd.on_days_off(world.admin) == []
    [entry] = [e for e in history("cycle", cycle.id) if e.action == "move_deadline"]
    assert entry.actor_id == world.admin.id and entry.data["deadline"] == "submit"
    assert entry.data["day_off"] == "2026-04-15" and entry.data["told"] == 5
    assert (entry.data["from_due"], entry.data["to_due"]) == ("2026-04-15T17:00:00+08:00",
                                                              "2026-04-16T17:00:00+08:00")
    told = notes("submit_deadline_moved")
    assert len(told) == 5 and "2026-04-16 17:00" in told[0].body and "2026-04-15" in told[0].body


def test_someone_sent_back_keeps_the_moved_deadline(world, create_cycle):
    cycle = create_cycle()
    a = submit(cycle, world.a1)
    fire_event(a, "send_back", world.sup_a, comment="请补充台账")
    db.session.commit()
    assert as_utc(a.due_at) == as_utc(cycle.submit_deadline)
    day_off(world, DEADLINE_DAY)
    dd.move_deadline(cycle, world.admin, "submit", DEADLINE_DAY)
    db.session.commit()
    db.session.expire_all()
    assert local(assessment_of(cycle, world.a1).due_at) == datetime(2026, 4, 16, 17)


def test_a_stage_time_limit_on_a_day_off_moves(world, create_cycle):
    cycle = create_cycle()
    a = submit(cycle, world.a1)  # supervisor review: 2, 3, 7 April → due at the end of the 7th
    assert local(a.due_at) == datetime(2026, 4, 8, 0, 0)
    day_off(world, date(2026, 4, 7))
    [due] = dd.on_days_off(world.admin)
    assert (due.deadline, due.items) == ("stage:supervisor_review", 1)
    assert dd.deadline_label(due.deadline) == "上级审核办理时限"
    dd.move_deadline(cycle, world.admin, due.deadline, date(2026, 4, 7))
    db.session.commit()
    db.session.expire_all()
    assert local(assessment_of(cycle, world.a1).due_at) == datetime(2026, 4, 9, 0, 0)
    assert notes("submit_deadline_moved") == []  # reviewers see it in their queue


def test_the_end_of_publication_moves_and_the_cadres_are_told(world, create_cycle):
    cycle = create_cycle(units=[world.units["a"]])
    for name, score in (("a1", 95), ("a2", 85), ("a3", 80)):
        _approve(world, name, score)
    grade_cycle(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    db.session.commit()
    assert local(cycle.publication_ends_at) == datetime(2026, 4, 10, 0, 0)  # 2,3,7,8,9
    day_off(world, date(2026, 4, 9))
    [due] = [d for d in dd.on_days_off(world.admin) if d.deadline == "publication"]
    assert due.items == 3
    dd.move_deadline(cycle, world.admin, "publication", date(2026, 4, 9))
    db.session.commit()
    assert local(db.session.get(Cycle, cycle.id).publication_ends_at) == datetime(2026, 4, 11)
    told = notes("publication_extended")
    assert len(told) == 3 and "2026-04-11 00:00" in told[0].body


def test_moving_all_of_a_day_moves_every_date_on_it(world, create_cycle):
    first = create_cycle(units=[world.units["a"]])
    second = create_cycle(units=[world.units["b"]], name="2026年第一季度平时考核（西街）")
    day_off(world, DEADLINE_DAY)
    moved = dd.move_all(world.admin, DEADLINE_DAY)
    db.session.commit()
    assert {m.due.cycle.id for m in moved} == {first.id, second.id}
    assert dd.on_days_off(world.admin) == []


@pytest.mark.parametrize("who", ["town_admin", "a1", "audit"])
def test_another_units_admin_and_others_may_not_move(world, create_cycle, who):
    cycle = create_cycle(units=[world.units["a"]])  # 东街社区; town_admin holds 西街社区
    day_off(world, DEADLINE_DAY)
    assert dd.on_days_off(world.users[who]) == []
    with pytest.raises(NotAllowed):
        dd.move_deadline(cycle, world.users[who], "submit", DEADLINE_DAY)
    with pytest.raises(WrongState):
        dd.move_all(world.users[who], DEADLINE_DAY)  # nothing of theirs on that day
    assert local(cycle.submit_deadline) == datetime(2026, 4, 15, 17)


def test_a_cycle_closed_meanwhile_is_refused_politely(world, create_cycle):
    cycle = create_cycle()
    day_off(world, DEADLINE_DAY)
    close_cycle(cycle, world.admin)
    db.session.commit()
    with pytest.raises(WrongState) as refused:
        dd.move_deadline(cycle, world.admin, "submit", DEADLINE_DAY)
    assert "已在此期间截止填报" in str(refused.value.message)
    assert local(cycle.submit_deadline) == datetime(2026, 4, 15, 17)


@pytest.mark.parametrize(("day", "deadline", "answer"), [
    (DEADLINE_DAY, "submit", "是工作日"),           # nobody marked it a day off
    (date(2026, 4, 16), "submit", "已没有"),       # a day off, but nothing due then
])
def test_nothing_to_move(world, create_cycle, day, deadline, answer):
    cycle = create_cycle()
    if day != DEADLINE_DAY:
        day_off(world, day)
    with pytest.raises(WrongState) as refused:
        dd.move_deadline(cycle, world.admin, deadline, day)
    assert answer in str(refused.value.message)


def test_the_calendar_grid_marks_today_and_due_dates(world, create_cycle):
    create_cycle()
    dues = {d.day: [d] for d in dd.due_dates(world.admin)}
    april = year_grid(2026, date(2026, 4, 1), dues)[3]
    cells = {c["day"]: c for week in april["weeks"] for c in week if c}
    assert cells[date(2026, 4, 1)]["today"] and not cells[date(2026, 4, 2)]["today"]
    assert cells[DEADLINE_DAY]["dues"] and not cells[date(2026, 4, 14)]["dues"]


# --- the page ------------------------------------------------------------------------------

def test_marking_the_day_warns_and_one_click_moves_it(auth, world, create_cycle, fresh):
    cycle = create_cycle()
    admin = auth.user("admin")
    page = admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert 'class="legend"' in page and "调休上班" in page and "今天" in page
    assert 'data-day="2026-04-15"' in page and "截止时间落在休息日" not in page
    resp = admin.post("/admin/calendar?year=2026", {"day": "2026-04-15", "kind": "holiday"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("#due-on-days-off")
    page = admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "有1个截止时间落在2026-04-15" in page  # the flash
    assert "截止时间落在休息日" in page and cycle.name in page and "实绩报告提交截止" in page
    assert "顺延至2026-04-16" in page
    resp = admin.post("/admin/calendar/2026-04-15/deadlines/move",
                      {"cycle_id": str(cycle.id), "deadline": "submit"})
    assert resp.status_code == 303
    page = admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "已由2026-04-15 17:00顺延至2026-04-16 17:00，已通知5人" in page
    assert "截止时间落在休息日" not in page
    assert local(fresh(Cycle, cycle.id).submit_deadline) == datetime(2026, 4, 16, 17)
    again = admin.post("/admin/calendar/2026-04-15/deadlines/move",
                       {"cycle_id": str(cycle.id), "deadline": "submit"})
    assert again.status_code == 303  # politely: nothing left to move, moved once only
    assert "可能已经顺延" in admin.get("/admin/calendar").get_data(as_text=True)
    assert local(fresh(Cycle, cycle.id).submit_deadline) == datetime(2026, 4, 16, 17)


@pytest.mark.parametrize(("who", "status"), [("town_admin", 403), ("a1", 403), ("audit", 403)])
def test_the_move_is_refused_to_others(auth, world, create_cycle, fresh, who, status):
    cycle = create_cycle(units=[world.units["a"]])
    day_off(world, DEADLINE_DAY)
    web = auth.user(who)
    resp = web.post("/admin/calendar/2026-04-15/deadlines/move",
                    {"cycle_id": str(cycle.id), "deadline": "submit"})
    assert resp.status_code == status
    assert local(fresh(Cycle, cycle.id).submit_deadline) == datetime(2026, 4, 15, 17)


def test_move_all_on_the_page_moves_only_ones_own(auth, world, create_cycle, fresh):
    mine = create_cycle(units=[world.units["b"]])  # town_admin's 西街社区
    theirs = create_cycle(units=[world.units["a"]], name="2026年第一季度平时考核（东街）")
    day_off(world, DEADLINE_DAY)
    town = auth.user("town_admin")
    page = town.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert mine.name in page and theirs.name not in page
    resp = town.post("/admin/calendar/2026-04-15/deadlines/move-all")
    assert resp.status_code == 303
    assert local(fresh(Cycle, mine.id).submit_deadline) == datetime(2026, 4, 16, 17)
    assert local(fresh(Cycle, theirs.id).submit_deadline) == datetime(2026, 4, 15, 17)


@pytest.mark.parametrize(("path", "data"), [
    ("/admin/calendar/2026-02-30/deadlines/move", {"cycle_id": "1", "deadline": "submit"}),
    ("/admin/calendar/2026-04-15/deadlines/move", {"cycle_id": "x", "deadline": "submit"}),
])
def test_bad_addresses_are_not_found(auth, world, create_cycle, path, data):
    create_cycle()
    assert auth.user("admin").post(path, data).status_code == 404


def test_an_unknown_deadline_is_named(auth, world, create_cycle):
    cycle = create_cycle()
    day_off(world, DEADLINE_DAY)
    admin = auth.user("admin")
    resp = admin.post("/admin/calendar/2026-04-15/deadlines/move",
                      {"cycle_id": str(cycle.id), "deadline": "tomorrow"})
    assert resp.status_code == 303
    page = admin.get("/admin/calendar").get_data(as_text=True)
    assert "该考核周期没有这个截止事项" in page and "截止时间落在休息日" in page


def test_a_click_after_the_cycle_closed_gets_a_polite_answer(auth, world, create_cycle, fresh):
    cycle = create_cycle()
    day_off(world, DEADLINE_DAY)
    admin = auth.user("admin")
    assert cycle.name in admin.get("/admin/calendar").get_data(as_text=True)  # the warning
    close_cycle(cycle, world.admin)  # meanwhile, in another window
    db.session.commit()
    resp = admin.post("/admin/calendar/2026-04-15/deadlines/move",
                      {"cycle_id": str(cycle.id), "deadline": "submit"})
    assert resp.status_code == 303
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已在此期间截止填报，提交截止时间不再调整" in page
    assert local(fresh(Cycle, cycle.id).submit_deadline) == datetime(2026, 4, 15, 17)

"""The calendar: `scheduler --run-once --now …` opens windows, reminds, finalizes, each
exactly once however often it runs; the leader lock lets one scheduler lead."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from tests.conftest import _config
from tests.factories import FULL_REPORT, exclude_unfinished
from workflow_app import create_app
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.services import history
from workflow_app.clock import as_utc
from workflow_app.errors import WrongState
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.scheduler import jobs, runner
from workflow_app.scoring.services import grade_cycle, publish_cycle
from workflow_app.workcalendar import LOCAL_TZ

REMINDER_KINDS = ("submit_reminder", "submit_due_today")


def run(cli, when):
    """`flask scheduler --run-once --now WHEN` -> {job id: printed result}."""
    result = cli.invoke(args=["scheduler", "--run-once", "--now", when.isoformat()])
    assert result.exit_code == 0, result.output
    return dict(line.split(": ", 1) for line in result.output.splitlines())


def assessment_of(cycle, user):
    return db.session.scalar(select(Assessment).where(Assessment.cycle_id == cycle.id,
                                                      Assessment.cadre_id == user.id))


def notes(kinds, user=None):
    query = select(Notification).where(Notification.kind.in_(kinds))
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return db.session.scalars(query.order_by(Notification.id)).all()


def submit(cycle, user, when=None):
    a = assessment_of(cycle, user)
    save_report(a, user, FULL_REPORT)
    fire_event(a, "submit", user, now=when)
    db.session.commit()
    return a


def test_job_ids_are_fixed_and_unique():
    ids = [job.id for job in jobs.JOBS]
    assert ids == ["open_due_cycles", "remind_submit_deadline", "close_due_cycles",
                   "remind_overdue_reviews", "escalate_overdue_reviews",
                   "remind_rating_deadline", "finalize_due",
                   "retire_handled_notices", "remind_rectification",
                   "purge_withdrawn_evidence"]
    assert set(jobs.JOBS_BY_ID) == set(ids)


def test_scheduled_cycle_opens_at_its_time_not_before(world, create_cycle, clock, runner):
    opens = clock.now + timedelta(days=2)
    cycle = create_cycle(open_now=False, opens_at=opens.isoformat(),
                         submit_deadline=(opens + timedelta(days=14)).isoformat())
    assert run(runner, opens - timedelta(minutes=1))["open_due_cycles"] == "0"
    assert cycle.status == "scheduled"
    assert db.session.scalar(select(func.count(Assessment.id))) == 0

    assert run(runner, opens)["open_due_cycles"] == "1"
    assert cycle.status == "open"
    rows = db.session.scalars(select(Assessment).where(Assessment.cycle_id == cycle.id)).all()
    assert {a.state for a in rows} == {"drafting"} and len(rows) == 5
    assert {as_utc(a.state_since) for a in rows} == {opens}

    assert run(runner, opens + timedelta(minutes=1))["open_due_cycles"] == "0"
    assert db.session.scalar(select(func.count(Assessment.id))) == 5


def test_deadline_reminders_7_3_1_and_on_the_day_exactly_once(world, create_cycle, runner):
    world.a1.phone = "13900000001"
    cycle = create_cycle()
    submit(cycle, world.a2)  # a2 has nothing left to do: never reminded
    deadline = as_utc(cycle.submit_deadline)
    schedule = {10: "0", 7: "4", 6: "0", 5: "0", 3: "4", 2: "0", 1: "4", 0: "4"}
    for days, expected in schedule.items():
        when = deadline - timedelta(days=days, hours=1)
        assert run(runner, when)["remind_submit_deadline"] == expected, days
        assert run(runner, when)["remind_submit_deadline"] == "0", days
    assert run(runner, deadline + timedelta(minutes=1))["remind_submit_deadline"] == "0"

    a1 = notes(REMINDER_KINDS, world.a1)
    assert len(a1) == 4 * 3  # four reminders, each in-app, by email and by SMS
    assert [n.kind for n in a1 if n.channel == "sms"] == ["submit_reminder"] * 3 + [
        "submit_due_today"]
    assert all(len(n.body) <= 70 for n in a1 if n.channel == "sms")
    assert len(notes(REMINDER_KINDS, world.a3)) == 4 * 2  # no phone: in-app and email
    assert notes(REMINDER_KINDS, world.a2) == []


def test_hourly_reruns_skip_the_reminded_in_sql(world, create_cycle, clock):
    cycle = create_cycle()
    when = as_utc(cycle.submit_deadline) - timedelta(days=7, hours=1)
    unreminded = select(Assessment.id).where(Assessment.cycle_id == cycle.id,
                                             jobs._not_reminded(7))
    assert len(db.session.scalars(unreminded).all()) == 5
    assert jobs.remind_submit_deadline(when) == 5
    db.session.commit()
    assert db.session.scalars(unreminded).all() == []


def test_reminder_slot_catches_up_a_missed_day():
    deadline = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
    assert jobs.reminder_slot(deadline, deadline - timedelta(days=6)) == (7, 6)
    assert jobs.reminder_slot(deadline, deadline - timedelta(days=2)) == (3, 2)
    assert jobs.reminder_slot(deadline, deadline - timedelta(days=8))[0] is None
    assert jobs.reminder_slot(deadline, deadline)[0] is None


def at_local(day, hour=10):
    return datetime(2026, 4, day, hour, tzinfo=LOCAL_TZ)


def test_overdue_reviews_remind_daily_after_three_working_days(world, create_cycle, runner):
    cycle = create_cycle()
    submit(cycle, world.a1)  # Wednesday 1 April, 17:00 in Beijing
    # Working days after: 2, 3, 7 April (清明 4–6 April is a holiday), so 8 April is the 4th.
    assert run(runner, at_local(7))["remind_overdue_reviews"] == "0"
    assert run(runner, at_local(8))["remind_overdue_reviews"] == "1"
    assert run(runner, at_local(8, 15))["remind_overdue_reviews"] == "0"
    assert run(runner, at_local(9))["remind_overdue_reviews"] == "1"
    assert run(runner, at_local(11))["remind_overdue_reviews"] == "0"  # Saturday

    reminders = notes(["review_overdue"])
    assert {n.user_id for n in reminders} == {world.sup_a.id}
    assert len(reminders) == 2 * 2  # two days, in-app and email
    assert "a1" in reminders[0].subject


def test_overdue_count_restarts_when_the_stage_moves_on(world, create_cycle, runner):
    cycle = create_cycle()
    a = submit(cycle, world.a1)
    fire_event(a, "approve", world.sup_a, now=at_local(8, 9).astimezone(UTC))
    db.session.commit()
    assert run(runner, at_local(8))["remind_overdue_reviews"] == "0"


def approved_and_published(world, create_cycle):
    cycle = create_cycle()
    a = submit(cycle, world.a1)
    fire_event(a, "approve", world.sup_a, score=88)
    fire_event(a, "approve", world.com_a1, score=92)
    fire_event(a, "approve", world.sec_a)
    grade_cycle(cycle, world.admin)
    exclude_unfinished(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    db.session.commit()
    return cycle, a


def test_finalizes_after_publication_ends_once(world, create_cycle, runner):
    cycle, a = approved_and_published(world, create_cycle)
    ends = as_utc(cycle.publication_ends_at)
    assert run(runner, ends - timedelta(minutes=1))["finalize_due"] == "0"
    assert a.state == "published"
    assert run(runner, ends + timedelta(days=1))["finalize_due"] == "1"
    assert a.state == "final"
    assert run(runner, ends + timedelta(days=1))["finalize_due"] == "0"
    assert len(notes(["finalized"], world.a1)) == 2


def test_run_once_uses_the_given_time_for_everything_it_writes(world, create_cycle, runner):
    opens = datetime(2026, 5, 6, 1, 0, tzinfo=UTC)
    create_cycle(open_now=False, opens_at=opens.isoformat(),
                 submit_deadline=(opens + timedelta(days=14)).isoformat())
    run(runner, opens)
    opened = notes(["cycle_opened"])
    assert opened and {as_utc(n.created_at) for n in opened} == {opens}


def test_a_failing_job_does_not_stop_the_others(app, monkeypatch):
    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setattr(jobs, "JOBS", (jobs.Job("broken", broken, "interval", {}),
                                       *jobs.JOBS[:1]))
    monkeypatch.setattr(runner, "JOBS", jobs.JOBS)
    lines = runner.run_once(datetime(2026, 4, 1, tzinfo=UTC))
    assert lines == ["broken: failed (RuntimeError: boom)", "open_due_cycles: 0"]


def test_build_scheduler_registers_every_job_under_its_id(app):
    scheduler = runner.build_scheduler(app)
    assert sorted(j.id for j in scheduler.get_jobs()) == sorted(jobs.JOBS_BY_ID)


def test_leader_lock_admits_one_scheduler(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    first, second = runner.leader_lock(app), runner.leader_lock(app)
    try:
        assert first.acquire() and first.alive()
        assert not second.acquire()
        first.release()
        assert not first.alive()
        assert second.acquire()
    finally:
        first.release()
        second.release()


class OneRound:
    """A stop event that lets a loop run once and never actually waits."""

    def __init__(self):
        self.waits = 0

    def is_set(self):
        return self.waits > 0

    def wait(self, timeout=None):
        self.waits += 1
        return True


def test_run_forever_leads_then_steps_down_and_releases(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    stop = OneRound()
    runner.run_forever(app, stop=stop)
    assert stop.waits >= 1
    lock = runner.leader_lock(app)
    assert lock.acquire()  # released on the way out
    lock.release()


def test_run_forever_waits_while_another_leads(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    leader = runner.leader_lock(app)
    assert leader.acquire()
    started = []
    monkeypatch.setattr(runner, "_lead", lambda *args: started.append(args))
    try:
        runner.run_forever(app, stop=OneRound())
    finally:
        leader.release()
    assert started == []


def test_start_in_web_only_when_configured(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    assert runner.start_in_web(app) is None
    app.config["RUN_SCHEDULER_IN_WEB"] = True
    web = runner.start_in_web(app)
    try:
        assert web is not None and web.scheduler.running
        assert {j.id for j in web.scheduler.get_jobs()} == {*jobs.JOBS_BY_ID, "drain_outbox"}
        assert runner.start_in_web(app) is None  # the lock keeps it to one process
    finally:
        web.stop()
    assert not web.scheduler.running


@pytest.fixture(autouse=True)
def _no_stray_threads():
    before = set(threading.enumerate())
    yield
    assert not [t for t in threading.enumerate() if t not in before and t.is_alive()]


@pytest.fixture(autouse=True)
def _drop_job_store(request):
    """APScheduler's table is not part of the app schema: leave none behind (PostgreSQL
    keeps its database between tests)."""
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    yield
    if app is not None:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {runner.JOB_STORE_TABLE}"))


# --- closing windows -------------------------------------------------------------------

def test_window_closes_at_the_deadline_once_and_flags_the_unsubmitted(
        world, create_cycle, runner, app):
    cycle = create_cycle()
    submit(cycle, world.a1)
    deadline = as_utc(cycle.submit_deadline)
    assert run(runner, deadline - timedelta(minutes=1))["close_due_cycles"] == "0"
    assert run(runner, deadline)["close_due_cycles"] == "1"
    assert cycle.status == "closed" and as_utc(cycle.closed_at) == deadline
    assert run(runner, deadline + timedelta(hours=1))["close_due_cycles"] == "0"
    assert assessment_of(cycle, world.a1).flags == []
    late = assessment_of(cycle, world.a2)
    assert late.state == "drafting" and late.flags == ["not_submitted"]
    save_report(late, world.a2, FULL_REPORT)
    with pytest.raises(WrongState):
        fire_event(late, "submit", world.a2, now=deadline + timedelta(hours=2))


def test_grace_days_delay_the_closing(world, create_cycle, runner, app):
    app.config["CYCLE_CLOSE_GRACE_DAYS"] = 1
    cycle = create_cycle()
    deadline = as_utc(cycle.submit_deadline)
    assert run(runner, deadline + timedelta(hours=23))["close_due_cycles"] == "0"
    assert run(runner, deadline + timedelta(days=1))["close_due_cycles"] == "1"


def test_reminder_days_come_from_the_configuration(world, create_cycle, runner, app):
    app.config["SUBMIT_REMINDER_DAYS"] = (2, 0)
    cycle = create_cycle()
    deadline = as_utc(cycle.submit_deadline)
    counts = {days: run(runner, deadline - timedelta(days=days, hours=1))[
        "remind_submit_deadline"] for days in (7, 3, 2, 1, 0)}
    assert counts == {7: "0", 3: "0", 2: "5", 1: "0", 0: "5"}


# --- escalation --------------------------------------------------------------------------

def escalations(user=None):
    return notes(["review_escalated"], user)


def test_overdue_items_escalate_to_the_next_level_once_per_stage(world, create_cycle, runner):
    cycle = create_cycle(stage_sla_days={"supervisor_review": 1})
    a = submit(cycle, world.a1)  # Wednesday 1 April, 17:00 in Beijing
    # Working days after: 2, 3, 7, 8 April. SLA 1: reminded from 3 April; escalated
    # after 1 + 2 more working days, i.e. on the 4th working day, 8 April.
    assert run(runner, at_local(3))["remind_overdue_reviews"] == "1"
    assert run(runner, at_local(7))["escalate_overdue_reviews"] == "0"
    assert run(runner, at_local(8))["escalate_overdue_reviews"] == "1"
    assert run(runner, at_local(8, 16))["escalate_overdue_reviews"] == "0"
    assert run(runner, at_local(9))["escalate_overdue_reviews"] == "0"
    sent = escalations()
    assert {n.user_id for n in sent} == {world.sec_a.id}  # the unit's secretary
    assert {n.channel for n in sent} == {"in_app", "email"}
    assert "a1 的报告在“上级审核”环节已等待 4 个工作日" in sent[0].subject
    assert "规定时限：1 个工作日" in sent[0].body
    [entry] = [e for e in history("cycle", cycle.id) if e.action == "escalate"]
    assert entry.data == {"assessment_id": a.id, "state": "supervisor_review", "days": 4,
                          "to": [world.sec_a.id]}

    fire_event(a, "approve", world.sup_a, now=at_local(9).astimezone(UTC))
    db.session.commit()
    # Committee stage, default SLA 3 + 2 more: from 9 April, the 6th working day is 17 April.
    assert run(runner, at_local(16))["escalate_overdue_reviews"] == "0"
    assert run(runner, at_local(17))["escalate_overdue_reviews"] == "1"
    assert {n.user_id for n in escalations()} == {world.sec_a.id, world.admin.id}


def test_escalation_waits_for_working_days(world, create_cycle, runner):
    cycle = create_cycle(stage_sla_days={"supervisor_review": 0})
    submit(cycle, world.a1)
    assert run(runner, at_local(4))["escalate_overdue_reviews"] == "0"  # 清明, Saturday
    assert run(runner, at_local(6))["escalate_overdue_reviews"] == "0"  # 清明 holiday Monday
    assert run(runner, at_local(7))["escalate_overdue_reviews"] == "1"  # 3rd working day


# --- persistence and two schedulers ---------------------------------------------------

def stored_job_ids():
    with db.engine.connect() as conn:
        return sorted(conn.execute(text(f"SELECT id FROM {runner.JOB_STORE_TABLE}")).scalars())


def test_jobs_are_stored_under_their_fixed_ids_across_restarts(app):
    for _ in range(2):  # a restart replaces the rows, it never adds to them
        scheduler = runner.build_scheduler(app, catch_up=False)
        scheduler.start(paused=True)
        scheduler.shutdown()
        assert stored_job_ids() == sorted(jobs.JOBS_BY_ID)


def test_two_schedulers_at_once_do_everything_exactly_once(app, world, create_cycle, clock,
                                                           db_url):
    opens = clock.now + timedelta(days=1)
    cycle = create_cycle(open_now=False, opens_at=opens.isoformat(),
                         submit_deadline=(opens + timedelta(days=3)).isoformat())
    clock.set(opens)
    start, outputs = threading.Barrier(2), []

    def scheduler_process():
        with app.app_context():
            start.wait()
            outputs.append(runner.run_once(opens))

    threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = [dict(line.split(": ", 1) for line in lines) for lines in outputs]
    assert sorted(r["open_due_cycles"] for r in results) == ["0", "1"]
    assert sorted(r["remind_submit_deadline"] for r in results) == ["0", "5"]
    db.session.expire_all()
    assert db.session.get(type(cycle), cycle.id).status == "open"
    assert db.session.scalar(select(func.count(Assessment.id))) == 5
    assert len(notes(["cycle_opened"])) == 5 * 2  # in-app and email, once each
    assert len(notes(REMINDER_KINDS)) == 5 * 2

    restarted = create_app(_config(db_url, clock))  # a third process, later
    with restarted.app_context():
        lines = runner.run_once(opens + timedelta(minutes=30))
        db.engine.dispose()
    assert "open_due_cycles: 0" in lines and "remind_submit_deadline: 0" in lines
    assert len(notes(REMINDER_KINDS)) == 5 * 2


def test_scheduler_lists_its_jobs(runner):
    result = runner.invoke(args=["scheduler", "--list"])
    assert result.exit_code == 0
    assert [line.split("\t")[0] for line in result.output.splitlines()] == [
        job.id for job in jobs.JOBS]

"""The issue's "done when", end to end: a cycle created in the admin pages opens by itself;
cadres receive exactly the reminders the calendar says, in-app, by email (a real SMTP
server) and by SMS (an HTTP gateway), once each, with two schedulers running at every
moment and a third started later (a restart)."""

import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import _config
from tests.test_dispatcher import outside_services
from tests.web.conftest import Auth
from workflow_app import create_app
from workflow_app.assessments.models import Assessment
from workflow_app.extensions import db
from workflow_app.notifications.dispatcher import drain
from workflow_app.notifications.models import Notification
from workflow_app.scheduler import runner
from workflow_app.workcalendar import LOCAL_TZ

# Beijing times: the window opens on Thursday 2 April, the deadline is Friday 10 April.
OPENS, DEADLINE = "2026-04-02T09:00", "2026-04-10T17:30"
MOMENTS = [datetime(2026, 4, d, h, tzinfo=LOCAL_TZ) for d, h in (
    (2, 9), (2, 15), (3, 10), (5, 10), (7, 10), (8, 10), (9, 10), (10, 10), (10, 18))]
EXPECTED_REMINDERS = 4  # 7, 3 and 1 days before, and on the day


@pytest.fixture
def outside_world(app):
    with outside_services(app) as both:
        yield both


@pytest.fixture(autouse=True)
def _drop_job_store(app):
    yield
    from sqlalchemy import text

    with db.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {runner.JOB_STORE_TABLE}"))


def create_in_the_admin_pages(app, client, world):
    admin = Auth(app, client).user("admin")
    resp = admin.post("/admin/cycles/new", {
        "name": "2026年第二季度平时考核", "kind": "quarterly", "year": "2026", "quarter": "2",
        "workflow": "quarterly", "org_unit_ids": [str(world.units["a"].id)], "opens_at": OPENS,
        "submit_deadline": DEADLINE, "committee_stage": "y", "committee_scores": "y",
        "committee_rule": "any", "publicity_days": "5", "appeal_days": "15",
        "action": "schedule"})
    assert resp.status_code == 303


def two_schedulers(app, moment):
    start, outputs = threading.Barrier(2), []

    def process():
        with app.app_context():
            start.wait()
            outputs.append(runner.run_once(moment))

    threads = [threading.Thread(target=process) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [line for lines in outputs for line in lines if "failed" in line], outputs


def test_every_reminder_on_every_channel_exactly_once(app, client, world, clock, db_url,
                                                      outside_world):
    mailbox, gateway = outside_world
    world.a1.phone = "13900000001"
    db.session.commit()
    create_in_the_admin_pages(app, client, world)
    later = create_app(_config(db_url, clock))  # a scheduler started later: a restart
    later.config.update(app.config)
    for moment in MOMENTS:
        clock.set(moment)
        two_schedulers(app, moment)
        with later.app_context():
            runner.run_once(moment)
        drain(moment)
    with later.app_context():
        db.engine.dispose()

    assert db.session.scalar(select(func.count(Assessment.id))) == 3  # a1, a2, a3
    kinds = ("submit_reminder", "submit_due_today")
    reminders = db.session.scalars(select(Notification).where(
        Notification.user_id == world.a1.id, Notification.kind.in_(kinds))).all()
    by_channel = {c: sum(n.channel == c for n in reminders) for c in ("in_app", "email", "sms")}
    assert by_channel == dict.fromkeys(by_channel, EXPECTED_REMINDERS)
    assert {n.status for n in reminders} == {"sent"}

    a1_mail = [m for m in mailbox.messages if "a1@example.test" in m["To"]]
    assert len(a1_mail) == EXPECTED_REMINDERS + 1  # and the opening notice
    assert len({m["Message-ID"] for m in a1_mail}) == len(a1_mail)
    to_a1 = [m["text"] for m in gateway.received if m["to"] == "13900000001"]
    assert len(to_a1) == EXPECTED_REMINDERS and len(set(to_a1)) == EXPECTED_REMINDERS
    assert all(len(t) <= 70 for t in to_a1)
    assert len(gateway.received) == EXPECTED_REMINDERS  # nobody else has a phone

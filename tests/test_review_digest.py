"""Waiting reports reach a reviewer as one digest per hour (issue 11, item 10), by the
real aiosmtpd server and the SMS gateway stand-in; handled reports drop out of it, and a
digest whose reports were all handled stops counting as new. Quiet hours still hold."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import _config
from tests.factories import FULL_REPORT, make_user, told
from tests.test_dispatcher import outside_services
from workflow_app import create_app
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db
from workflow_app.notifications import inbox
from workflow_app.notifications.digest import retire_handled
from workflow_app.notifications.dispatcher import drain
from workflow_app.notifications.models import Notification
from workflow_app.notifications.preferences import save_preferences
from workflow_app.scheduler import messages  # noqa: F401  (the reminder kinds)
from workflow_app.workcalendar import LOCAL_TZ

TEN = "有 10 份报告待您审核"


def local(*parts):
    """A Beijing wall-clock moment as the UTC the app's clock gives."""
    return datetime(*parts, tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def outside(app):
    with outside_services(app) as both:
        yield both


@pytest.fixture
def ten(world, create_cycle, clock):
    """Ten cadres of sup_a, who has a phone and wants SMS for waiting reports."""
    for i in range(7):
        world.users[f"c{i}"] = make_user(f"c{i}", world.units["a"], ["cadre"],
                                         supervisor=world.sup_a)
    world.sup_a.phone = "13900000009"
    save_preferences(world.sup_a, world.sup_a, {("review_waiting", "email"): True,
                                                ("review_waiting", "sms"): True})
    db.session.commit()
    create_cycle()
    inbox.mark_all_read(world.sup_a)  # sup_a's own "cycle opened" notice
    db.session.commit()
    return ["a1", "a2", "a3", *[f"c{i}" for i in range(7)]]


def submit(world, clock, names, step=timedelta(seconds=5)):
    for name in names:
        cadre = world.users[name]
        a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == cadre.id))
        save_report(a, cadre, FULL_REPORT)
        fire_event(a, "submit", cadre)
        db.session.commit()
        told()  # as the request does right after its commit
        clock.advance(seconds=step.total_seconds())


def approve(world, name):
    a = db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users[name].id))
    fire_event(a, "approve", world.sup_a, score="90")
    db.session.commit()
    told()


def to_sup(outside):
    mailbox, gateway = outside
    mails = [m["Subject"] for m in mailbox.messages
             if "sup_a@" in m["To"] and "待您审核" in m["Subject"]]
    texts = [m["text"] for m in gateway.received if m["to"] == "13900000009"]
    return mails, texts


def shown_to_sup(world):
    rows, _ = inbox.inbox(world.sup_a)
    return [n.subject for n in rows if "待您审核" in n.subject], inbox.unread_count(world.sup_a)


def test_ten_submissions_in_a_minute_make_one_digest(app, world, ten, clock, outside, db_url):
    submit(world, clock, ten)  # 50 seconds
    drain(clock.now)
    assert to_sup(outside) == ([], [])  # a burst is gathered first, not sent item by item
    clock.advance(minutes=10)
    drain(clock.now)
    mails, texts = to_sup(outside)
    assert mails == [TEN] and len(texts) == 1 and texts[0].startswith(TEN)
    assert shown_to_sup(world) == ([TEN], 1)
    restarted = create_app(_config(db_url, clock))  # another dispatcher, after a restart
    restarted.config.update(app.config)
    with restarted.app_context():
        drain(clock.now + timedelta(minutes=30))
        db.session.remove()
        db.engine.dispose()
    drain(clock.now + timedelta(minutes=31))
    assert to_sup(outside) == (mails, texts)  # exactly once


def test_handled_reports_drop_out_and_the_digest_is_marked_done(world, ten, clock, outside):
    submit(world, clock, ten[:3])
    approve(world, "a1")  # handled before the digest goes out
    clock.advance(minutes=11)
    drain(clock.now)
    assert to_sup(outside)[0] == ["有 2 份报告待您审核"]
    assert shown_to_sup(world) == (["有 2 份报告待您审核"], 1)
    approve(world, "a2")
    assert retire_handled(clock.now) == 0  # a3 still waits for sup_a
    approve(world, "a3")
    assert retire_handled(clock.now) == 1
    db.session.commit()
    assert shown_to_sup(world) == (["有 2 份报告待您审核"], 0)  # listed, no longer new


def test_one_digest_per_hour_the_rest_waits_for_the_next(world, ten, clock, outside):
    clock.set(local(2026, 4, 1, 10, 0))
    submit(world, clock, ten[:4])
    clock.advance(minutes=11)
    drain(clock.now)  # 10:11: four
    submit(world, clock, ten[4:6])
    clock.advance(minutes=15)
    drain(clock.now)  # 10:26: this hour's digest has gone; the two wait
    assert to_sup(outside)[0] == ["有 4 份报告待您审核"]
    clock.set(local(2026, 4, 1, 11, 0, 1))
    drain(clock.now)
    assert to_sup(outside)[0] == ["有 4 份报告待您审核", "有 2 份报告待您审核"]
    parts = db.session.scalars(select(Notification.status).where(
        Notification.kind == "review_waiting", Notification.user_id == world.sup_a.id)).all()
    assert set(parts) == {"merged"} and len(parts) == 6 * 3  # in-app, email and SMS


def test_quiet_hours_hold_for_the_digest(world, ten, clock, outside):
    clock.set(local(2026, 4, 1, 22, 30))
    submit(world, clock, ten[:3])
    clock.advance(minutes=11)
    drain(clock.now)
    mails, texts = to_sup(outside)
    assert mails == ["有 3 份报告待您审核"] and texts == []  # no SMS at night
    clock.set(local(2026, 4, 2, 8, 0, 1))
    drain(clock.now)
    assert to_sup(outside) == (mails, ["有 3 份报告待您审核，请到“我的待办”处理。"])


def test_two_dispatchers_at_once_make_one_digest(app, world, ten, clock, outside, is_postgres):
    if not is_postgres:
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) need PostgreSQL")
    submit(world, clock, ten)
    clock.advance(minutes=10)
    start = threading.Barrier(2)

    def worker():
        with app.app_context():
            start.wait()
            drain(clock.now)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mails, texts = to_sup(outside)
    assert mails == [TEN] and len(texts) == 1

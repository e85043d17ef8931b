"""In-app messages (list, unread count in the menu, mark read), channel preferences with
mandatory kinds, and dead letters: visible to the right admins and queued again once."""

import pytest
from sqlalchemy import select

from tests.test_dispatcher import free_port, start_smtp
from tests.web.conftest import Auth
from workflow_app.audit.services import history
from workflow_app.errors import NotAllowed
from workflow_app.extensions import db
from workflow_app.notifications.dispatcher import MAX_ATTEMPTS, drain
from workflow_app.notifications.models import Notification
from workflow_app.notifications.preferences import save_preferences
from workflow_app.notifications.services import queue
from workflow_app.scheduler import messages  # noqa: F401  (the reminder kinds)

CYCLE = "2026年第一季度平时考核"


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def fresh():
    def reload(model, ident):
        db.session.expire_all()
        return db.session.get(model, ident)
    return reload


def text(resp):
    return resp.get_data(as_text=True)


def opened(user, key, channels=None):
    added = queue(user, "cycle_opened", {"cycle": CYCLE, "deadline": "04-15 17:30"},
                  key=key, link="/my", channels=channels)
    db.session.commit()
    return added


def channels_of(user, kind):
    return sorted(n.channel for n in db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


# --- the in-app list --------------------------------------------------------------------

def test_messages_list_and_unread_count_in_the_menu(auth, world):
    for n in range(3):
        opened(world.a1, f"k{n}")
    a1 = auth.user("a1")
    page = text(a1.get("/notifications"))
    assert page.count(f"考核 {CYCLE} 已开始") >= 3 or page.count(CYCLE) >= 3
    assert '<span class="badge" title="未读">3</span>' in page
    first = db.session.scalars(select(Notification).where(
        Notification.channel == "in_app").order_by(Notification.id)).first()
    a1.post(f"/notifications/{first.id}/read")
    assert '<span class="badge" title="未读">2</span>' in text(a1.get("/notifications"))
    assert f'id="note-{first.id}"' not in text(a1.get("/notifications?unread=1"))
    a1.post("/notifications/read-all")
    assert 'class="badge"' not in text(a1.get("/notifications"))


def test_opening_a_message_follows_its_link_and_marks_it_read(auth, world, fresh):
    [note] = opened(world.a1, "k", channels=["in_app"])
    resp = auth.user("a1").get(f"/notifications/{note.id}/open")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/my")
    assert fresh(Notification, note.id).read_at is not None


@pytest.mark.parametrize("action", ["get:open", "post:read"])
def test_someone_elses_message_does_not_exist(auth, world, fresh, action):
    [note] = opened(world.a1, "k", channels=["in_app"])
    method, verb = action.split(":")
    other = auth.user("a2")
    resp = getattr(other, method)(f"/notifications/{note.id}/{verb}")
    assert resp.status_code == 404
    assert fresh(Notification, note.id).read_at is None


def test_every_user_has_the_messages_page(auth, world):
    for who in ("admin", "audit", "sup_a", "com_a1", "a1"):
        assert auth.user(who).get("/notifications").status_code == 200
    assert auth.client.get("/notifications").status_code == 302  # to the login page


# --- preferences ------------------------------------------------------------------------

def test_turning_email_off_keeps_in_app(world):
    save_preferences(world.a1, world.a1, {("cycle_opened", "email"): False})
    db.session.commit()
    opened(world.a1, "k")
    assert channels_of(world.a1, "cycle_opened") == ["in_app"]


def test_mandatory_kinds_ignore_an_opt_out(world):
    save_preferences(world.a1, world.a1, {})  # everything unticked
    db.session.commit()
    queue(world.a1, "submit_due_today", {"cycle": CYCLE, "deadline": "17:30", "days": 0},
          key="due")
    db.session.commit()
    assert channels_of(world.a1, "submit_due_today") == ["email", "in_app"]


def test_sms_can_be_turned_on_for_a_kind(world):
    world.sup_a.phone = "13900000009"
    save_preferences(world.sup_a, world.sup_a, {("review_waiting", "email"): True,
                                                ("review_waiting", "sms"): True})
    db.session.commit()
    queue(world.sup_a, "review_waiting", {"cadre": "a1", "cycle": CYCLE}, key="w")
    db.session.commit()
    assert channels_of(world.sup_a, "review_waiting") == ["email", "in_app", "sms"]


def test_nobody_changes_someone_elses_preferences(world):
    with pytest.raises(NotAllowed):
        save_preferences(world.admin, world.a1, {})


def test_preferences_page_saves_choices(auth, world):
    a1 = auth.user("a1")
    page = text(a1.get("/notifications/preferences"))
    assert 'name="cycle_opened.email"' in page and "必须接收" in page
    resp = a1.post("/notifications/preferences", {"approved.email": "on"})
    assert resp.status_code == 303
    opened(world.a1, "after")
    assert channels_of(world.a1, "cycle_opened") == ["in_app"]  # email unticked
    entry = history("user", world.a1.id)[-1]
    assert entry.action == "notification_preferences"
    assert entry.data["cycle_opened.email"] is False


# --- dead letters -----------------------------------------------------------------------

def dead_letter(user, key="mail"):
    [note] = opened(user, key, channels=["email"])
    note.status, note.attempts, note.last_error = "dead", MAX_ATTEMPTS, "ConnectionRefused"
    db.session.commit()
    return note


def test_a_failing_smtp_server_ends_in_a_visible_dead_letter_then_one_delivery(
        app, auth, world, clock, fresh):
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    [note] = opened(world.a1, "mail", channels=["email"])
    for _ in range(MAX_ATTEMPTS):
        drain()
        clock.advance(hours=3)
    assert fresh(Notification, note.id).status == "dead"
    admin = auth.user("admin")
    page = text(admin.get("/admin/outbox"))
    assert f'id="outbox-{note.id}"' in page and "Connection" in page

    controller = start_smtp(port)
    try:
        assert admin.post(f"/admin/outbox/{note.id}/resend").status_code == 303
        assert fresh(Notification, note.id).status == "pending"
        assert drain() == "sent 1, retried 0, dead 0"
        assert drain() == "sent 0, retried 0, dead 0"
        assert admin.post(f"/admin/outbox/{note.id}/resend").status_code == 303  # not dead
        assert drain() == "sent 0, retried 0, dead 0"
        assert len(controller.handler.messages) == 1
    finally:
        controller.stop()
    assert [e.action for e in history("notification", note.id)] == ["resend"]


def test_queue_every_dead_letter_again(auth, world, fresh):
    notes = [dead_letter(world.a1, "m1"), dead_letter(world.b1, "m2")]
    resp = auth.user("admin").post("/admin/outbox/resend-dead", follow_redirects=True)
    assert "已重新排队 2 条消息" in text(resp)
    assert {fresh(Notification, n.id).status for n in notes} == {"pending"}


@pytest.mark.parametrize(("who", "status"), [("town_admin", 403), ("a1", 403), ("audit", 403)])
def test_dead_letters_only_for_admins_over_the_recipient(auth, world, fresh, who, status):
    """town_admin administers 西街社区; a1 works in 东街社区."""
    note = dead_letter(world.a1)
    user = auth.user(who)
    assert user.post(f"/admin/outbox/{note.id}/resend").status_code == status
    assert fresh(Notification, note.id).status == "dead"
    page = user.get("/admin/outbox")
    assert page.status_code == 403 or f'id="outbox-{note.id}"' not in text(page)


def test_town_admin_sees_the_dead_letters_of_their_units(auth, world):
    note = dead_letter(world.b1)
    assert f'id="outbox-{note.id}"' in text(auth.user("town_admin").get("/admin/outbox"))

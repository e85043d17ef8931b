"""A 360 rating round's closing date (issue 11, item 15): set by the org_admin, shown to
raters on their task list, ratings refused after it in plain Chinese, and one reminder
per rater still to rate a couple of working days before — never shown to staff."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.test_ratings import _assessment, _people, _scores, auth  # noqa: F401 (fixture)
from workflow_app.audit.models import AuditEntry
from workflow_app.clock import as_utc
from workflow_app.errors import Conflict, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.notifications import outbox
from workflow_app.notifications.dispatcher import deliver
from workflow_app.notifications.models import Notification
from workflow_app.scheduler.jobs import JOBS_BY_ID
from workflow_app.scoring.ratings import assign_raters, submit_rating
from workflow_app.scoring.ratings_rounds import close_round, set_round_deadline, summary_body
from workflow_app.workcalendar import LOCAL_TZ

LAST_DAY = "2026-04-17"  # a Friday; the round closes at 2026-04-18 00:00 Beijing time


def beijing(day, hour=9):
    """`hour` o'clock Beijing time on 2026-04-`day`, as the UTC the clock runs on."""
    return datetime(2026, 4, day, hour, 0, tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def round_(world, create_cycle):
    """a1's round: three peers asked to rate, the first has rated; closes on LAST_DAY."""
    create_cycle()
    a = _assessment(world)
    peers = _people(world, "peer", 3)
    assign_raters(a, world.admin, [(u, "peer") for u in peers])
    submit_rating(a, peers[0], _scores(80))
    set_round_deadline(a, world.admin, LAST_DAY)
    db.session.commit()
    return a, peers


def _text(resp):
    return resp.get_data(as_text=True)


# --- setting it ------------------------------------------------------------------------------

def test_the_org_admin_sets_the_day_and_raters_see_it(world, create_cycle, auth, api):  # noqa: F811
    create_cycle()
    a = _assessment(world)
    peer = _people(world, "peer", 1)[0]
    assign_raters(a, world.admin, [(peer, "peer")])
    db.session.commit()
    admin = auth.user("admin")
    resp = admin.post(f"/assessments/{a.id}/raters/deadline", {"closes_on": LAST_DAY})
    assert resp.status_code == 302
    page = _text(admin.get(f"/assessments/{a.id}/raters"))
    assert "截止 4月17日" in page and f'value="{LAST_DAY}"' in page
    tasks = _text(auth.user(peer.username).get("/ratings"))
    row = re.search(rf'<tr id="task-{a.id}">.*?</tr>', tasks, re.S).group(0)
    assert "截止 4月17日" in row and f'href="/ratings/{a.id}"' in row
    body = api.as_user(peer.username).get("/rating-tasks").get_json()
    assert body[0]["closes_at"] == "2026-04-17T16:00:00+00:00" and body[0]["open"] is True
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "deadline"))
    assert entry.actor_id == world.admin.id and entry.data == {"closes_on": LAST_DAY}


@pytest.mark.parametrize(("value", "message"), [
    ("2026-03-31", "该日期已过：请选择今天或以后的日期。"),
    ("下周五", "请输入日期（YYYY-MM-DD）。"),
])
def test_a_bad_day_is_refused_beside_the_field_and_kept(round_, auth, value, message):  # noqa: F811
    a, _peers = round_
    resp = auth.user("admin").post(f"/assessments/{a.id}/raters/deadline", {"closes_on": value})
    assert resp.status_code == 422
    page = _text(resp)
    assert message in page and f'value="{value}"' in page
    assert "截止 4月17日" in page  # the saved day is unchanged


def test_today_is_a_valid_last_day(world, create_cycle):
    create_cycle()
    a = _assessment(world)
    closes = set_round_deadline(a, world.admin, "2026-04-01")
    assert closes == datetime(2026, 4, 1, 16, 0, tzinfo=UTC)  # midnight after 1 April, Beijing


@pytest.mark.parametrize("who", ["town_admin", "audit", "a2", "sup_a"])
def test_only_the_org_admin_over_the_unit_sets_it(round_, world, who):
    a, _peers = round_
    with pytest.raises(NotAllowed):
        set_round_deadline(a, world.users[who], "2026-04-20")


def test_the_day_of_a_closed_round_cannot_move(round_, world, api):
    a, _peers = round_
    close_round(a, world.admin)
    db.session.commit()
    with pytest.raises(Conflict):
        set_round_deadline(a, world.admin, "2026-04-20")
    resp = api.as_user("admin").put(f"/assessments/{a.id}/rating-round",
                                    json={"closes_on": "2026-04-20"})
    assert resp.status_code == 409 and resp.get_json()["error"] == "round_closed"


def test_the_api_sets_and_clears_it(round_, api):
    a, _peers = round_
    admin = api.as_user("admin")
    body = admin.put(f"/assessments/{a.id}/rating-round", json={"closes_on": "2026-04-20"})
    assert body.status_code == 200 and body.get_json()["closes_at"] == "2026-04-20T16:00:00+00:00"
    bad = admin.put(f"/assessments/{a.id}/rating-round", json={"closes_on": 20})
    assert bad.status_code == 422 and "closes_on" in bad.get_json()["fields"]
    cleared = admin.put(f"/assessments/{a.id}/rating-round", json={"closes_on": None})
    assert cleared.get_json()["closes_at"] is None
    assert api.as_user("a2").put(f"/assessments/{a.id}/rating-round",
                                 json={"closes_on": None}).status_code == 403


# --- after it --------------------------------------------------------------------------------

def test_after_the_day_ratings_are_refused_in_plain_words(round_, auth, clock, world):  # noqa: F811
    a, peers = round_
    clock.set(beijing(17, 23))  # the last evening: still open
    in_time = auth.user(peers[1].username)
    assert in_time.post(f"/ratings/{a.id}", _scores("70")).status_code == 302
    clock.set(beijing(18, 0))   # midnight: closed
    late = auth.user(peers[2].username)
    page = _text(late.get(f"/ratings/{a.id}"))
    assert "本轮评价已于4月17日截止，不再接受评价。" in page and "提交评价" not in page
    resp = late.post(f"/ratings/{a.id}", {**_scores("60"), "de": "61"})
    assert resp.status_code == 409
    assert "本轮评价已于4月17日截止，不再接受评价。" in _text(resp)
    with pytest.raises(WrongState):
        submit_rating(a, peers[2], _scores(60))
    assert "已评价" in _text(in_time.get("/ratings"))  # given in time, kept
    tasks = _text(late.get("/ratings"))
    assert "已截止" in tasks and f'href="/ratings/{a.id}"' not in tasks
    assert summary_body(a, world.admin)["open"] is False  # closed by its day, as by hand


def test_a_rater_of_another_round_cannot_rate_this_one(round_, world, auth):  # noqa: F811
    a, peers = round_
    other = _assessment(world, "a2")
    assign_raters(other, world.admin, [(make_user("only_a2", world.units["a"], ["rater"]),
                                        "peer")])
    db.session.commit()
    with pytest.raises(NotAllowed):
        submit_rating(other, peers[1], _scores(80))
    assert auth.user(peers[1].username).post(f"/ratings/{other.id}",
                                             _scores("80")).status_code == 403


# --- the reminder ----------------------------------------------------------------------------

def _remind(now):
    count = JOBS_BY_ID["remind_rating_deadline"].func(now)
    db.session.commit()
    return count


def _reminders(channel="in_app"):
    return db.session.scalars(select(Notification).where(
        Notification.kind == "rating_reminder", Notification.channel == channel)
        .order_by(Notification.user_id)).all()


def test_raters_still_to_rate_are_reminded_once_two_working_days_before(round_, world):
    a, peers = round_
    peers[1].phone = "13800000001"
    db.session.commit()
    assert _remind(beijing(15)) == 0          # Wednesday: 3 working days left
    assert _remind(beijing(16)) == 1          # Thursday: Thursday and Friday left
    notes = _reminders()
    assert [n.user_id for n in notes] == [peers[1].id, peers[2].id]  # not the one who rated
    assert notes[0].subject == "【考核】请于04-17前完成对a1的评价"
    assert notes[0].body == ("对a1的评价（2026年第一季度平时考核）将于04-17截止，"
                             "请尽快评价。评价匿名。")
    assert notes[0].link == f"/ratings/{a.id}"
    assert [n.user_id for n in _reminders("sms")] == [peers[1].id]  # SMS like other deadlines
    for now in (beijing(16, 10), beijing(17), beijing(17, 20)):
        assert _remind(now) == 0              # once per rater and round
    assert len(_reminders()) == 2
    assert _remind(beijing(18)) == 0          # closed


@pytest.mark.parametrize("how", ["closed", "rated", "cleared"])
def test_no_reminder_when_nothing_is_left_to_do(round_, world, how):
    a, peers = round_
    if how == "closed":
        close_round(a, world.admin)
    elif how == "rated":
        for user in peers[1:]:
            submit_rating(a, user, _scores(75))
    else:
        set_round_deadline(a, world.admin, "")
    db.session.commit()
    assert _remind(beijing(16)) == 0 and _reminders() == []


def test_the_staff_outbox_never_lists_who_was_reminded(round_, auth, world):  # noqa: F811
    a, _peers = round_
    admin = auth.user("admin")
    pages = ("/admin/outbox", "/admin/outbox?status=pending", "/admin/outbox?status=sent")
    before = [_text(admin.get(p)) for p in pages]
    assert _remind(beijing(16)) == 1
    after = [_text(admin.get(p)) for p in pages]
    strip = re.compile(r'name="csrf_token"[^>]*>')
    assert [strip.sub("", p) for p in after] == [strip.sub("", p) for p in before]
    note = _reminders("email")[0]
    note.status = "dead"  # even a failed one: re-sending is not the staff's to do
    db.session.commit()
    with pytest.raises(NotFound):
        outbox.resend(world.admin, note.id)
    assert outbox.resend_all_dead(world.admin) == []


def test_the_sms_reminder_keeps_quiet_hours(round_):
    _a, peers = round_
    peers[1].phone = "13800000001"
    db.session.commit()
    assert _remind(beijing(16, 20)) == 1      # the job's last hour
    [sms] = _reminders("sms")
    assert deliver(sms, beijing(16, 23)) == "deferred"
    assert as_utc(sms.next_attempt_at) == beijing(17, 8) and sms.attempts == 0

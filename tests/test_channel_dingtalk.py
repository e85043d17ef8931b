"""DingTalk work notices through the real outbox and dispatcher, against a loopback
stand-in of DingTalk's open platform (tests/standins/dingtalk.py): delivery with the
link, one token for many notices and a new one after 42001/40014, frequency limits
retried, refusals ending as dead letters in /admin/outbox, dedup, people without a
DingTalk id, the people import, the preferences page and links through SSO."""

from datetime import UTC
from functools import partial

import pytest
from sqlalchemy import select

from tests.standins.dingtalk import QPS_LIMIT, dingtalk_standin
from tests.web.conftest import Auth
from tests.workapp_helpers import CYCLE, counts, give_ids, queue_opened, status_of
from workflow_app.extensions import db
from workflow_app.notifications.dispatcher import BACKOFF, MAX_ATTEMPTS, drain
from workflow_app.notifications.models import Notification
from workflow_app.people.importer import ImportFailed, import_file
from workflow_app.people.models import User

IDS = {"a1": "dt-a1", "a2": "dt-a2", "a3": "manager4220"}
opened = partial(queue_opened, "dingtalk")


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def dingtalk(app, world):
    give_ids(app, world, "dingtalk_user_id", IDS)
    with dingtalk_standin(set(IDS.values())) as server:
        app.config.update(DINGTALK_APP_KEY=server.key, DINGTALK_APP_SECRET=server.secret,
                          DINGTALK_AGENT_ID=server.agent_id, DINGTALK_API_BASE=server.base)
        yield server


def test_a_notice_arrives_as_an_oa_work_notice_with_its_link(world, dingtalk):
    [note] = opened(world.a1, "open")
    assert counts(drain())["sent"] == 3  # in-app, email and DingTalk
    [body] = dingtalk.received
    assert body["agent_id"] == 2001 and body["userid_list"] == "dt-a1"
    oa = body["msg"]["oa"]
    assert oa["message_url"] == oa["pc_message_url"] == "https://kaohe.test/my"
    assert oa["body"]["title"] == note.subject and CYCLE in oa["body"]["title"]
    assert oa["body"]["content"] == f"{note.body}\n2026-04-01 17:00"  # queued, Beijing time
    assert status_of(note) == "sent" and note.attempts == 1 and dingtalk.problems == []


def test_one_token_for_many_notices_and_a_new_one_when_it_expires(world, dingtalk):
    for n, name in enumerate(IDS):
        opened(world.users[name], f"k{n}", cycle=f"第{n}期")
    drain()
    assert dingtalk.token_calls == 1 and len(dingtalk.received) == 3

    dingtalk.expire_token()
    [note] = opened(world.a1, "after")
    drain()
    assert dingtalk.token_calls == 2 and status_of(note) == "sent"
    assert [code for code, _ in dingtalk.refused] == [42001]  # refused once, then sent
    assert len(dingtalk.received) == 4 and note.attempts == 1


def test_a_token_the_server_no_longer_knows_is_replaced_once(world, dingtalk):
    opened(world.a1, "first")
    drain()
    with dingtalk.lock:
        dingtalk.token = "token-rotated"  # DingTalk may end a token early
    [note] = opened(world.a2, "second")
    drain()
    assert [code for code, _ in dingtalk.refused] == [40014]
    assert dingtalk.token_calls == 2 and status_of(note) == "sent"


def test_a_frequency_limit_is_retried_later_not_dead(world, clock, dingtalk):
    dingtalk.answers[:] = [QPS_LIMIT]
    [note] = opened(world.a1, "busy")
    assert counts(drain()) == {"sent": 2, "retried": 1, "dead": 0}
    assert status_of(note) == "pending" and "frequency limit" in note.last_error
    assert note.next_attempt_at.replace(tzinfo=UTC) == clock.now + BACKOFF[0]
    clock.advance(minutes=1)
    assert counts(drain()) == {"sent": 1, "retried": 0, "dead": 0}
    assert status_of(note) == "sent" and len(dingtalk.received) == 1


def test_a_refused_notice_ends_as_a_dead_letter_shown_in_the_outbox(app, world, clock,
                                                                    dingtalk, auth):
    app.config["DINGTALK_AGENT_ID"] = "9999"  # not the app's agent id: 40035 each time
    [note] = opened(world.a1, "refused")
    for _ in range(MAX_ATTEMPTS):
        drain()
        db.session.refresh(note)
        clock.set(note.next_attempt_at.replace(tzinfo=UTC))
    assert status_of(note) == "dead" and note.attempts == MAX_ATTEMPTS
    assert "errcode 40035" in note.last_error and dingtalk.received == []
    page = auth.user("admin").get("/admin/outbox?status=dead&channel=dingtalk")
    html = page.get_data(as_text=True)
    assert f'id="outbox-{note.id}"' in html and "errcode 40035" in html


def test_the_same_text_twice_a_day_still_reaches_the_person(world, clock, dingtalk):
    """DingTalk drops a second notice with the same content on the same day."""
    opened(world.a1, "hour-9")
    drain()
    clock.advance(hours=1)
    opened(world.a1, "hour-10")  # the very same subject, text and link
    drain()
    assert len(dingtalk.received) == 2 and dingtalk.dropped == []


def test_the_same_dedup_key_is_never_sent_twice(world, dingtalk):
    [note] = opened(world.a1, "once")
    assert opened(world.a1, "once") == []
    assert counts(drain())["sent"] == 3
    assert counts(drain())["sent"] == 0 and len(dingtalk.received) == 1
    assert db.session.scalar(select(Notification.id).where(
        Notification.channel == "dingtalk")) == note.id


def test_without_a_dingtalk_id_nothing_is_queued_and_a_forced_one_is_skipped(world,
                                                                             dingtalk):
    assert opened(world.b1, "no-id") == []  # b1 has no DingTalk id: in-app and email
    [forced] = opened(world.b1, "forced", channels=["dingtalk"])
    assert counts(drain()) == {"sent": 2, "retried": 0, "dead": 0, "skipped": 1}
    assert status_of(forced) == "skipped" and forced.last_error == "no dingtalk address"
    assert dingtalk.received == [] and forced.attempts == 0


def test_not_configured_means_not_queued(app, world, dingtalk):
    app.config["DINGTALK_APP_SECRET"] = ""
    assert opened(world.a1, "off") == []


def test_the_link_opens_through_single_sign_on_when_configured(app, world, dingtalk):
    app.config["SSO_PROTOCOL"] = "oidc"
    opened(world.a1, "sso", link="/assessments/7?tab=review")
    drain()
    url = dingtalk.received[0]["msg"]["oa"]["message_url"]
    assert url == "https://kaohe.test/sso/login?next=%2Fassessments%2F7%3Ftab%3Dreview"


def test_the_import_fills_dingtalk_and_wecom_ids(world, tmp_path):
    sheet = tmp_path / "people.csv"
    sheet.write_text("用户名,姓名,单位,钉钉用户ID,企业微信用户ID\n"
                     "c1,张三,县委组织部/城关镇/东街社区,ding-c1,zhangsan\n"
                     "c2,李四,县委组织部/城关镇/东街社区,,\n", encoding="utf-8")
    import_file(sheet)
    db.session.commit()
    people = {u.username: u for u in db.session.scalars(select(User).where(
        User.username.in_(["c1", "c2"])))}
    assert (people["c1"].dingtalk_user_id, people["c1"].wecom_user_id) == ("ding-c1",
                                                                           "zhangsan")
    assert (people["c2"].dingtalk_user_id, people["c2"].wecom_user_id) == ("", "")


def test_an_id_that_would_name_several_recipients_is_refused_by_the_import(world, tmp_path):
    sheet = tmp_path / "people.csv"
    sheet.write_text("username,name,unit,dingtalk_user_id\n"
                     "c3,王五,县委组织部/城关镇/东街社区,\"a1,a2\"\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        import_file(sheet)
    assert failed.value.report == [
        "第 2 行: 钉钉用户ID 格式不正确（只能是字母、数字和 _-@.，不超过 64 个字符）: a1,a2"]


def test_the_preferences_page_offers_dingtalk_only_when_configured(app, world, auth):
    a1 = auth.user("a1")
    assert "钉钉" not in a1.get("/notifications/preferences").get_data(as_text=True)
    app.config.update(DINGTALK_APP_KEY="k", DINGTALK_APP_SECRET="s", DINGTALK_AGENT_ID="1")
    page = a1.get("/notifications/preferences").get_data(as_text=True)
    assert '<th scope="col">钉钉</th>' in page
    assert 'name="cycle_opened.dingtalk" id="cycle_opened.dingtalk"' in page
    # a1 has no DingTalk id: the box is there but cannot be ticked.
    box = page.split('id="cycle_opened.dingtalk"')[1].split(">")[0]
    assert "disabled" in box and "checked" not in box


def test_turning_dingtalk_off_for_a_kind_stops_those_notices(world, dingtalk, auth):
    a1 = auth.user("a1")
    page = a1.get("/notifications/preferences").get_data(as_text=True)
    box = page.split('id="cycle_opened.dingtalk"')[1].split(">")[0]
    assert "checked" in box and "disabled" not in box
    assert a1.post("/notifications/preferences", data={}).status_code == 303  # all off
    assert opened(world.a1, "after-opt-out") == []


def test_the_admin_records_a_dingtalk_id_on_the_person_page(app, world, dingtalk, auth):
    admin, a2 = auth.user("admin"), world.a2
    form = {"display_name": a2.display_name, "email": a2.email, "phone": "",
            "roles": ["cadre"], "active": "y", "supervisor": str(a2.supervisor_id),
            "dingtalk_user_id": "ding-new"}
    page = admin.get(f"/admin/people/users/{a2.id}").get_data(as_text=True)
    assert 'name="dingtalk_user_id"' in page and 'name="wecom_user_id"' not in page
    assert admin.post(f"/admin/people/users/{a2.id}", data=form).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, a2.id).dingtalk_user_id == "ding-new"
    bad = admin.post(f"/admin/people/users/{a2.id}", data=form | {"dingtalk_user_id": "a|b"})
    assert bad.status_code == 422 and "只能" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, a2.id).dingtalk_user_id == "ding-new"

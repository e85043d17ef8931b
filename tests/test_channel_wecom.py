"""WeCom (企业微信/政务微信) application messages through the real outbox and
dispatcher, against a loopback stand-in of WeCom's server API (tests/standins/wecom.py):
text cards with the link, one token for many notices (also across threads) and a new one
after 42001/40014, 45009 retried later, refusals ending as dead letters in /admin/outbox,
dedup, people without a WeCom id, the per-member limit, the import and preferences."""

import threading
from datetime import UTC
from functools import partial

import pytest
from sqlalchemy import select

from tests.standins.wecom import FREQUENCY_LIMIT, NO_VALID_RECIPIENT, wecom_standin
from tests.web.conftest import Auth
from tests.workapp_helpers import CYCLE, counts, give_ids, queue_opened, status_of
from workflow_app.extensions import db
from workflow_app.notifications.channels import CHANNELS, DeliveryError
from workflow_app.notifications.dispatcher import BACKOFF, MAX_ATTEMPTS, drain
from workflow_app.notifications.models import Notification
from workflow_app.notifications.services import queue
from workflow_app.people.importer import import_file
from workflow_app.people.models import User

IDS = {"a1": "ZhangSan", "a2": "li.si@county", "a3": "wangwu"}
opened = partial(queue_opened, "wecom")


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def wecom(app, world):
    give_ids(app, world, "wecom_user_id", IDS)
    with wecom_standin(set(IDS.values())) as server:
        app.config.update(WECOM_CORP_ID=server.key, WECOM_CORP_SECRET=server.secret,
                          WECOM_AGENT_ID=server.agent_id, WECOM_API_BASE=server.base)
        yield server


def test_a_notice_arrives_as_a_text_card_with_its_link(world, wecom):
    [note] = opened(world.a1, "open")
    assert counts(drain())["sent"] == 3  # in-app, email and WeCom
    [body] = wecom.received
    assert body["touser"] == "ZhangSan" and body["agentid"] == 1000002
    assert body["msgtype"] == "textcard" and body["enable_duplicate_check"] == 1
    card = body["textcard"]
    assert card["url"] == "https://kaohe.test/my" and card["btntxt"] == "详情"
    assert card["title"] == note.subject and card["description"] == note.body
    assert status_of(note) == "sent" and wecom.problems == []


def test_long_texts_fit_the_card_and_html_is_escaped(world, wecom):
    note = queue(world.a2, "sent_back", {"cycle": CYCLE, "actor": "<b>审核人</b>",
                                         "comment": "请补充材料。" * 100},
                 key="long", link="/my", channels=["wecom"])[0]
    db.session.commit()
    drain()
    card = wecom.received[0]["textcard"]
    assert len(card["description"].encode("utf-8")) <= 512
    assert "&lt;b&gt;审核人&lt;/b&gt;" in card["description"] and "<b>" not in card["description"]
    assert status_of(note) == "sent"


def test_one_token_for_many_notices_and_a_new_one_when_it_expires(world, wecom):
    for n, name in enumerate(IDS):
        opened(world.users[name], f"k{n}", cycle=f"第{n}期")
    drain()
    assert wecom.token_calls == 1 and len(wecom.received) == 3
    wecom.expire_token()
    [note] = opened(world.a1, "after")
    drain()
    assert [code for code, _ in wecom.refused] == [42001]
    assert wecom.token_calls == 2 and status_of(note) == "sent" and note.attempts == 1


def test_threads_sending_at_once_share_one_token(app, world, wecom):
    notes = [n for i in range(8) for n in opened(world.users[list(IDS)[i % 3]], f"t{i}",
                                                 channels=["wecom"], cycle=f"第{i}期")]
    start, errors = threading.Barrier(len(notes)), []

    def send(note_id):
        with app.app_context():
            note = db.session.get(Notification, note_id)
            start.wait()
            try:
                CHANNELS["wecom"].send(note, note.user.wecom_user_id)
            except Exception as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)

    threads = [threading.Thread(target=send, args=(n.id,)) for n in notes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(wecom.received) == 8 and wecom.token_calls == 1


def test_45009_is_retried_later_not_dead(world, clock, wecom):
    wecom.answers[:] = [FREQUENCY_LIMIT]
    [note] = opened(world.a1, "busy")
    assert counts(drain()) == {"sent": 2, "retried": 1, "dead": 0}
    assert status_of(note) == "pending" and "errcode 45009" in note.last_error
    assert note.next_attempt_at.replace(tzinfo=UTC) == clock.now + BACKOFF[0]
    clock.advance(minutes=1)
    assert counts(drain()) == {"sent": 1, "retried": 0, "dead": 0}
    assert len(wecom.received) == 1


def test_an_unknown_member_ends_as_a_dead_letter_shown_in_the_outbox(world, clock, wecom,
                                                                     auth):
    world.a3.wecom_user_id = "left-the-county"  # no longer in WeCom's address book
    db.session.commit()
    [note] = opened(world.a3, "gone")
    for _ in range(MAX_ATTEMPTS):
        drain()
        db.session.refresh(note)
        clock.set(note.next_attempt_at.replace(tzinfo=UTC))
    assert status_of(note) == "dead" and note.attempts == MAX_ATTEMPTS
    assert f"errcode {NO_VALID_RECIPIENT}" in note.last_error and wecom.received == []
    page = auth.user("admin").get("/admin/outbox?status=dead").get_data(as_text=True)
    assert f'id="outbox-{note.id}"' in page and f"errcode {NO_VALID_RECIPIENT}" in page


def test_the_same_dedup_key_is_never_sent_twice(world, wecom):
    opened(world.a2, "once")
    assert opened(world.a2, "once") == []
    drain()
    drain()
    assert len(wecom.received) == 1
    assert db.session.scalar(select(Notification.status).where(
        Notification.channel == "wecom")) == "sent"


def test_without_a_wecom_id_nothing_is_queued_and_a_forced_one_is_skipped(world, wecom):
    assert opened(world.b1, "no-id") == []
    [forced] = opened(world.b1, "forced", channels=["wecom"])
    assert counts(drain())["skipped"] == 1
    assert status_of(forced) == "skipped" and forced.last_error == "no wecom address"
    assert wecom.received == []


def test_a_member_over_30_notices_a_minute_waits(world, wecom):
    """WeCom drops, silently, what an app sends one member beyond 30 a minute."""
    note = db.session.get(Notification, opened(world.a1, "limit", channels=["wecom"])[0].id)
    for _ in range(30):
        CHANNELS["wecom"].send(note, "ZhangSan")
    with pytest.raises(DeliveryError, match="per-person limit"):
        CHANNELS["wecom"].send(note, "ZhangSan")
    CHANNELS["wecom"].send(note, "wangwu")  # another member is not held up
    assert len(wecom.received) == 31


def test_the_link_opens_through_single_sign_on_when_configured(app, world, wecom):
    app.config["SSO_PROTOCOL"] = "cas"
    opened(world.a1, "sso", link="/review")
    drain()
    assert wecom.received[0]["textcard"]["url"] == "https://kaohe.test/sso/login?next=%2Freview"


def test_the_import_reads_english_headers(world, tmp_path):
    sheet = tmp_path / "people.csv"
    sheet.write_text("username,name,unit,wecom_user_id,dingtalk_user_id\n"
                     "c1,张三,县委组织部/城关镇/东街社区,ZhangSan2,\n", encoding="utf-8")
    import_file(sheet)
    db.session.commit()
    c1 = db.session.scalar(select(User).where(User.username == "c1"))
    assert (c1.wecom_user_id, c1.dingtalk_user_id) == ("ZhangSan2", "")


def test_the_preferences_page_offers_wecom_only_when_configured(app, world, wecom, auth):
    page = auth.user("a1").get("/notifications/preferences").get_data(as_text=True)
    assert '<th scope="col">企业微信</th>' in page and "钉钉" not in page
    app.config["WECOM_AGENT_ID"] = ""
    page = auth.user("a1").get("/notifications/preferences").get_data(as_text=True)
    assert "企业微信" not in page

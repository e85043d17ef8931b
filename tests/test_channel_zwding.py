"""专有钉钉 (浙政钉, 政务钉钉) work notices through the real outbox and dispatcher, against
a loopback stand-in of the tenant's gateway (tests/standins/zwding.py) that checks every
call's HMAC signature: delivery with the link, the platform's dedup id, no access token,
frequency limits retried, refusals dead letters in /admin/outbox, a lost answer not sent
twice, and the signing itself (wrong secret, stale timestamp, reused nonce)."""

import json
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from tests.standins.zwding import THROTTLED, zwding_standin
from tests.web.conftest import Auth
from tests.workapp_helpers import CYCLE, counts, give_ids, queue_opened, status_of
from workflow_app.extensions import db
from workflow_app.notifications.dispatcher import BACKOFF, MAX_ATTEMPTS, drain
from workflow_app.notifications.workapps import offered_work_apps
from workflow_app.notifications.zwding import SEND_PATH, biz_msg_id, post_signed
from workflow_app.workcalendar import LOCAL_TZ

ACCOUNTS = {"a1": "10086001", "a2": "10086002", "a3": "10086003"}
opened = partial(queue_opened, "dingtalk")


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def zwding(app, world):
    give_ids(app, world, "dingtalk_user_id", ACCOUNTS)
    with zwding_standin(set(ACCOUNTS.values())) as server:
        app.config.update(DINGTALK_PLATFORM="zwding", DINGTALK_APP_KEY=server.key,
                          DINGTALK_APP_SECRET=server.secret, DINGTALK_TENANT_ID=server.tenant,
                          DINGTALK_API_BASE=server.base)
        yield server


def test_a_notice_arrives_signed_with_its_link_and_dedup_id(world, zwding):
    [note] = opened(world.a1, "open")
    assert counts(drain())["sent"] == 3  # in-app, email and 浙政钉
    [params] = zwding.received
    assert set(params) == {"tenantId", "receiverIds", "bizMsgId", "msg"}  # no access token
    assert params["tenantId"] == "196729" and params["receiverIds"] == "10086001"
    assert params["bizMsgId"] == biz_msg_id(note) and len(params["bizMsgId"]) <= 64
    oa = params["msg"]["oa"]
    assert oa["message_url"] == oa["pc_message_url"] == "https://kaohe.test/my"
    assert oa["body"]["title"] == note.subject and CYCLE in note.subject
    assert oa["body"]["content"] == f"{note.body}\n2026-04-01 17:00"  # queued, Beijing time
    assert status_of(note) == "sent" and zwding.problems == zwding.rejected == []


def test_many_notices_each_signed_afresh_with_the_same_app(world, zwding):
    for n, name in enumerate(ACCOUNTS):
        opened(world.users[name], f"k{n}", cycle=f"第{n}期")
    assert counts(drain())["sent"] == 9
    assert len(zwding.received) == 3 and len(zwding.nonces) == 3 and zwding.rejected == []
    assert len({p["bizMsgId"] for p in zwding.received}) == 3


def test_a_frequency_limit_is_retried_later_not_dead(world, clock, zwding):
    zwding.answers[:] = [THROTTLED]
    [note] = opened(world.a1, "busy")
    assert counts(drain()) == {"sent": 2, "retried": 1, "dead": 0}
    assert status_of(note) == "pending" and "frequency limit" in note.last_error
    assert note.next_attempt_at.replace(tzinfo=UTC) == clock.now + BACKOFF[0]
    clock.advance(minutes=1)
    assert counts(drain()) == {"sent": 1, "retried": 0, "dead": 0}
    assert status_of(note) == "sent" and len(zwding.received) == 1


def test_an_unknown_account_is_a_dead_letter_at_once_shown_in_the_outbox(world, zwding,
                                                                          auth):
    world.a2.dingtalk_user_id = "99999999"  # not a person of this tenant
    db.session.commit()
    [note] = opened(world.a2, "refused")
    assert counts(drain()) == {"sent": 2, "retried": 0, "dead": 1}
    assert status_of(note) == "dead" and note.attempts == 1
    assert "PermanentDeliveryError" in note.last_error and "PARAM_ERROR" in note.last_error
    page = auth.user("admin").get("/admin/outbox?status=dead&channel=dingtalk")
    html = page.get_data(as_text=True)
    assert f'id="outbox-{note.id}"' in html and "PARAM_ERROR" in html


def test_a_wrong_secret_is_refused_by_the_gateway_and_retried_until_dead(app, world, clock,
                                                                         zwding):
    app.config["DINGTALK_APP_SECRET"] = "not-the-secret"
    [note] = opened(world.a1, "unsigned")
    for _ in range(MAX_ATTEMPTS):
        drain()
        db.session.refresh(note)
        clock.set(note.next_attempt_at.replace(tzinfo=UTC))
    assert status_of(note) == "dead" and note.attempts == MAX_ATTEMPTS
    assert "InvalidSignature" in note.last_error and zwding.received == []
    assert [code for code, _ in zwding.rejected] == ["InvalidSignature"] * MAX_ATTEMPTS


def test_a_lost_answer_is_not_sent_twice(world, clock, zwding):
    """The platform took the notice but its answer never came back: the retry carries the
    same bizMsgId, the platform calls it a repeat, and the row counts as sent."""
    zwding.lose_next_answer = True
    [note] = opened(world.a1, "lost")
    assert counts(drain())["retried"] == 1 and "HTTP 502" in note.last_error
    clock.advance(minutes=1)
    assert counts(drain()) == {"sent": 1, "retried": 0, "dead": 0}
    assert status_of(note) == "sent" and len(zwding.received) == 1
    assert [code for code, _ in zwding.refused] == ["duplicate"]


def test_the_same_dedup_key_is_never_queued_twice(world, zwding):
    opened(world.a1, "once")
    assert opened(world.a1, "once") == []
    drain()
    assert counts(drain())["sent"] == 0 and len(zwding.received) == 1


def test_the_link_opens_through_single_sign_on_when_configured(app, world, zwding):
    app.config["SSO_PROTOCOL"] = "oidc"
    opened(world.a1, "sso", link="/assessments/7?tab=review")
    drain()
    url = zwding.received[0]["msg"]["oa"]["message_url"]
    assert url == "https://kaohe.test/sso/login?next=%2Fassessments%2F7%3Ftab%3Dreview"


def test_a_long_text_is_shortened_to_the_documented_2048_bytes(app, world, zwding):
    note = opened(world.a1, "long")[0]
    note.body = "请于截止日期前完成自评。" * 200
    db.session.commit()
    drain()
    [params] = zwding.received
    msg = params["msg"]
    assert len(json.dumps(msg, ensure_ascii=False).encode("utf-8")) <= 2048
    assert msg["oa"]["body"]["content"].startswith("请于截止日期前完成自评。")
    assert status_of(note) == "sent" and zwding.problems == []


def test_the_gateway_refuses_a_stale_timestamp_and_a_reused_nonce(app, zwding):
    params = {"tenantId": zwding.tenant, "receiverIds": "10086001", "bizMsgId": "t-1",
              "msg": '{"msgtype":"text","text":{"content":"x"}}'}
    key, secret, base = zwding.key, zwding.secret, zwding.base
    stale = datetime.now(LOCAL_TZ) - timedelta(minutes=30)
    assert post_signed(base, SEND_PATH, params, key, secret, now=stale)["success"] is False
    assert post_signed(base, SEND_PATH, params, key, secret, nonce="17000000000001234")[
        "success"] is True  # signed well: through the gateway (the API then refuses msg)
    again = post_signed(base, SEND_PATH, params, key, secret, nonce="17000000000001234")
    assert again["success"] is False
    assert [code for code, _ in zwding.rejected] == ["InvalidTimestamp", "NonceUsed"]
    headers = zwding.rejected[0][1]
    assert headers["x-hmac-auth-version"] == "1.0" and headers["apikey"] == key
    assert headers["x-hmac-auth-ip"] and headers["x-hmac-auth-mac"]
    assert headers["x-hmac-auth-timestamp"].endswith("+08:00")


def test_configuration_picks_the_flavour(app):
    app.config.update(DINGTALK_APP_KEY="k", DINGTALK_APP_SECRET="s", DINGTALK_AGENT_ID="")
    assert offered_work_apps() == ()  # the public platform needs its agent id
    app.config.update(DINGTALK_PLATFORM="zwding", DINGTALK_TENANT_ID="196729")
    assert offered_work_apps() == ("dingtalk",)  # 专有钉钉 needs the tenant instead
    app.config["DINGTALK_PLATFORM"] = "dingding"
    assert offered_work_apps() == ()  # an unknown platform: off, not guessed


def test_the_public_gateway_address_is_refused_for_zwding(app, world, zwding):
    app.config["DINGTALK_API_BASE"] = "https://oapi.dingtalk.com"
    [note] = opened(world.a1, "wrong-base")
    drain()
    assert status_of(note) == "pending" and "专有钉钉 gateway" in note.last_error


def test_the_import_page_says_the_dingtalk_column_holds_the_account_id(world, auth):
    page = auth.user("admin").get("/admin/people/import").get_data(as_text=True)
    assert "使用专有钉钉如浙政钉、政务钉钉时，填写其 accountId" in page

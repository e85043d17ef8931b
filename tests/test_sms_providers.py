"""SMS through Alibaba Cloud and Tencent Cloud with their official SDKs, pointed at loopback
stand-ins that check the documented request shape and signature: delivery with the
approved signature, template and parameters; refusals sorted into retries and dead
letters; kinds without a template skipped and explained in /admin/outbox; the generic
gateway untouched."""

import json
import logging

import pytest
from sqlalchemy import select

from config import TestConfig
from tests.standins import aliyun_sms as ali
from tests.standins import tencent_sms as tc
from tests.test_dispatcher import free_port, sms_gateway
from tests.web.conftest import Auth
from workflow_app.extensions import db
from workflow_app.factory import create_app
from workflow_app.notifications.digest import _insert_digest
from workflow_app.notifications.dispatcher import drain
from workflow_app.notifications.models import Notification
from workflow_app.notifications.services import _insert, queue
from workflow_app.notifications.sms_providers import SmsConfigError
from workflow_app.scheduler import messages  # noqa: F401  (the reminder kinds)

CYCLE = "2026年第一季度平时考核"  # 13 characters: over Tencent's 12, under Alibaba's 35
PHONE = "13900000001"


def reminder(user, kind="submit_reminder", key="r"):
    [note] = queue(user, kind, {"cycle": CYCLE, "deadline": "04-15 17:30", "days": 3},
                   key=key, link="/assessments/7", channels=["sms"])
    db.session.commit()
    return note


def status_of(note):
    db.session.expire_all()
    note = db.session.get(Notification, note.id)
    return note.status, note.attempts, note.last_error


def configure(app, **settings):
    app.config.update(SMS_SIGN_NAME=ali.SIGN_NAME, **settings)


@pytest.fixture
def aliyun(app, world):
    world.a1.phone = PHONE
    with ali.aliyun_sms() as server:
        configure(app, SMS_PROVIDER="aliyun", ALIYUN_ACCESS_KEY_ID=ali.ACCESS_KEY_ID,
                  ALIYUN_ACCESS_KEY_SECRET=ali.ACCESS_KEY_SECRET,
                  SMS_PROVIDER_ENDPOINT=f"http://127.0.0.1:{server.server_port}",
                  SMS_TEMPLATES=json.dumps({"submit_reminder": {
                      "template": "SMS_100000001", "params": ["cycle", "deadline", "days"]}}))
        yield server


@pytest.fixture
def tencent(app, world):
    world.a1.phone = PHONE
    with tc.tencent_sms() as server:
        configure(app, SMS_PROVIDER="tencent", TENCENT_SECRET_ID=tc.SECRET_ID,
                  TENCENT_SECRET_KEY=tc.SECRET_KEY, TENCENT_SMS_SDK_APP_ID=tc.SDK_APP_ID,
                  SMS_PROVIDER_ENDPOINT=f"http://127.0.0.1:{server.server_port}",
                  SMS_TEMPLATES=json.dumps({"submit_reminder": {
                      "template": "1000001", "params": ["cycle", "deadline", "days"]}}))
        yield server


# --- delivery ---------------------------------------------------------------------------

def test_aliyun_sends_the_approved_sign_template_and_parameters(world, aliyun):
    note = reminder(world.a1)
    assert drain() == "sent 1, retried 0, dead 0"
    assert aliyun.sent == [{"phone": PHONE, "sign": "考核测试", "template": "SMS_100000001",
                            "params": {"cycle": CYCLE, "deadline": "04-15 17:30",
                                       "days": "3"}}]
    assert status_of(note) == ("sent", 1, "")
    assert drain() == "sent 0, retried 0, dead 0" and len(aliyun.sent) == 1


def test_tencent_sends_parameters_in_order_cut_to_its_limit(world, tencent):
    world.a1.phone = "+86 139-0000-0001"
    note = reminder(world.a1)
    assert drain() == "sent 1, retried 0, dead 0"
    assert tencent.sent == [{"phone": "+8613900000001", "sign": "考核测试", "template": "1000001",
                             "params": [CYCLE[:12], "04-15 17:30", "3"],
                             "app": tc.SDK_APP_ID}]
    assert status_of(note)[0] == "sent"


def test_the_recipient_name_and_item_path_are_parameters_too(app, world, aliyun):
    app.config["SMS_TEMPLATES"] = json.dumps({"submit_reminder": {
        "template": "SMS_100000003", "params": ["name", "link", "days"]}})
    reminder(world.a1)
    assert drain().startswith("sent 1,")
    assert aliyun.sent[0]["params"] == {"name": world.a1.display_name,
                                        "link": "assessments/7", "days": "3"}


def test_the_hourly_digest_goes_out_with_its_count(app, world, clock, aliyun):
    app.config["SMS_TEMPLATES"] = json.dumps({"review_digest": {
        "template": "SMS_100000002", "params": ["count"]}})
    digest_id = _insert_digest(world.a1, "sms", 4, clock.now)
    db.session.commit()
    assert drain() == "sent 1, retried 0, dead 0"
    assert aliyun.sent[0]["template"] == "SMS_100000002"
    assert aliyun.sent[0]["params"] == {"count": "4"}
    assert status_of(db.session.get(Notification, digest_id))[0] == "sent"


# --- refusals -----------------------------------------------------------------------------

@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_wrong_secret_is_refused_by_the_signature_check_and_retried(
        request, app, world, caplog, provider):
    server = request.getfixturevalue(provider)
    secret = "wrong-secret-must-not-be-logged"
    app.config["ALIYUN_ACCESS_KEY_SECRET" if provider == "aliyun" else "TENCENT_SECRET_KEY"] = \
        secret
    note = reminder(world.a1)
    with caplog.at_level(logging.DEBUG):
        assert drain() == "sent 0, retried 1, dead 0"
    status, attempts, error = status_of(note)
    expected = "SignatureDoesNotMatch" if provider == "aliyun" else "AuthFailure.SignatureFailure"
    assert server.refused == [expected] and server.sent == []
    assert status == "pending" and attempts == 1 and expected in error
    assert secret not in error and secret not in caplog.text


@pytest.mark.parametrize(("provider", "code"), [
    ("aliyun", "isv.BUSINESS_LIMIT_CONTROL"), ("aliyun", "Throttling.User"),
    ("tencent", "LimitExceeded.PhoneNumberOneHourLimit"), ("tencent", "RequestLimitExceeded")])
def test_throttling_is_retried_later_and_sent_once(request, world, clock, provider, code):
    server = request.getfixturevalue(provider)
    server.fail_next.append(code)
    note = reminder(world.a1)
    assert drain() == "sent 0, retried 1, dead 0"
    assert status_of(note)[0] == "pending" and code in status_of(note)[2]
    assert drain() == "sent 0, retried 0, dead 0"  # not due before the back-off
    clock.advance(minutes=1)
    assert drain() == "sent 1, retried 0, dead 0"
    assert len(server.sent) == 1 and status_of(note)[:2] == ("sent", 2)


@pytest.mark.parametrize(("provider", "template", "code"), [
    ("aliyun", "SMS_999999999", "isv.SMS_TEMPLATE_ILLEGAL"),
    ("tencent", "9999999", "FailedOperation.TemplateIncorrectOrUnapproved")])
def test_an_unapproved_template_is_a_dead_letter_at_once(request, app, world, provider,
                                                         template, code):
    server = request.getfixturevalue(provider)
    app.config["SMS_TEMPLATES"] = json.dumps({"submit_reminder": {
        "template": template, "params": ["cycle", "deadline", "days"]}})
    note = reminder(world.a1)
    assert drain() == "sent 0, retried 0, dead 1"
    status, attempts, error = status_of(note)
    assert (status, attempts) == ("dead", 1) and code in error and server.sent == []


@pytest.mark.parametrize(("provider", "code"), [
    ("aliyun", "isv.SMS_SIGNATURE_ILLEGAL"),
    ("tencent", "FailedOperation.SignatureIncorrectOrUnapproved")])
def test_an_unapproved_signature_is_a_dead_letter_at_once(request, app, world, provider, code):
    request.getfixturevalue(provider)
    app.config["SMS_SIGN_NAME"] = "未审批签名"
    note = reminder(world.a1)
    assert drain() == "sent 0, retried 0, dead 1" and code in status_of(note)[2]


@pytest.mark.parametrize(("provider", "code"), [
    ("aliyun", "isv.MOBILE_NUMBER_ILLEGAL"),
    ("tencent", "InvalidParameterValue.IncorrectPhoneNumber")])
def test_an_invalid_number_is_a_dead_letter_at_once(request, world, provider, code):
    request.getfixturevalue(provider)
    world.a1.phone = "12345"
    note = reminder(world.a1)
    assert drain() == "sent 0, retried 0, dead 1" and code in status_of(note)[2]


def test_a_template_naming_an_unknown_parameter_is_dead_with_the_reason(app, world, aliyun):
    app.config["SMS_TEMPLATES"] = json.dumps({"submit_reminder": {
        "template": "SMS_100000001", "params": ["grade"]}})
    note = reminder(world.a1)
    assert drain() == "sent 0, retried 0, dead 1"
    assert "names grade" in status_of(note)[2] and aliyun.sent == []


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_an_unreachable_provider_is_retried(request, app, world, provider):
    request.getfixturevalue(provider)
    app.config["SMS_PROVIDER_ENDPOINT"] = f"http://127.0.0.1:{free_port()}"
    note = reminder(world.a1)
    assert drain() == "sent 0, retried 1, dead 0"
    assert "unreachable" in status_of(note)[2]


# --- kinds without a template -----------------------------------------------------------

@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_kind_without_template_is_not_sent_and_the_outbox_says_why(
        request, app, client, world, provider):
    server = request.getfixturevalue(provider)
    note = reminder(world.a1, kind="submit_due_today")
    assert drain() == "sent 0, retried 0, dead 0, skipped 1"
    assert status_of(note)[:2] == ("skipped", 0) and server.sent == []
    page = Auth(app, client).user("admin").get("/admin/outbox?status=skipped")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'id="outbox-{note.id}"' in html
    assert "未配置已审批的短信模板（类型：实绩报告今天截止 / submit_due_today）" in html
    assert "短信只通过服务商已审批的模板发送" in html


# --- the generic gateway ------------------------------------------------------------------

@pytest.mark.parametrize("provider", ["", "http"])
def test_the_http_gateway_still_sends_the_text_and_ignores_templates(app, world, provider):
    world.a1.phone = PHONE
    app.config.update(SMS_PROVIDER=provider, SMS_TEMPLATES=json.dumps(
        {"published": {"template": "SMS_1", "params": []}}))
    with sms_gateway(app) as gateway:
        note = reminder(world.a1, kind="submit_due_today")
        assert drain() == "sent 1, retried 0, dead 0"
    assert gateway.received == [{"to": PHONE, "text": note.body}]


def test_sms_rows_keep_their_parameters_through_every_insert_path(world):
    """A transition (a few rows), a batch (VALUES/unnest) and a cycle opening (COPY)."""
    for count in (1, 60, 2001):
        rows = [{"user_id": world.a1.id, "channel": "sms", "kind": "submit_reminder",
                 "dedup_key": f"bulk{count}:{i}", "subject": "s", "body": "b", "link": "",
                 "params": json.dumps({"cycle": CYCLE, "n": i}, ensure_ascii=False)}
                for i in range(count)]
        ids = _insert(rows)
        last = db.session.scalar(select(Notification.params).where(Notification.id == ids[-1]))
        assert json.loads(last) == {"cycle": CYCLE, "n": count - 1}
    db.session.rollback()


# --- configuration ------------------------------------------------------------------------

@pytest.mark.parametrize(("settings", "message"), [
    ({"SMS_PROVIDER": "aliyun", "ALIYUN_ACCESS_KEY_ID": "id"},
     "needs ALIYUN_ACCESS_KEY_SECRET, SMS_SIGN_NAME"),
    ({"SMS_PROVIDER": "tencent", "TENCENT_SECRET_ID": "id", "TENCENT_SECRET_KEY": "k",
      "TENCENT_SMS_SDK_APP_ID": "1400", "SMS_SIGN_NAME": "s", "SMS_TEMPLATES": "{oops"},
     "SMS_TEMPLATES is not valid JSON"),
    ({"SMS_PROVIDER": "tencent", "TENCENT_SECRET_ID": "id", "TENCENT_SECRET_KEY": "k",
      "TENCENT_SMS_SDK_APP_ID": "1400", "SMS_SIGN_NAME": "s",
      "SMS_TEMPLATES": '{"published": {"params": ["cycle"]}}'}, 'SMS_TEMPLATES\\["published"\\]'),
    ({"SMS_PROVIDER": "smsbao"}, "SMS_PROVIDER must be one of"),
])
def test_an_sms_configuration_that_cannot_work_stops_the_start(settings, message):
    config = type("Bad", (TestConfig,), settings)
    with pytest.raises(SmsConfigError, match=message):
        create_app(config)

"""Every link handed to people starts with PUBLIC_BASE_URL: survey links, their QR codes and
SMS texts, and emails; never with the Host a request came with. Survey codes and SMS
links for a loopback address are refused outside the demo; malformed settings stop the
start with a message that says what to set."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import InvalidPublicBaseUrl, TestConfig, is_loopback_host
from tests.test_dispatcher import free_port, reminder, start_smtp
from tests.test_surveys import TOKEN_RE, _links
from tests.web import conftest as web_fixtures
from workflow_app import create_app
from workflow_app.extensions import db
from workflow_app.notifications.dispatcher import drain
from workflow_app.security import headers as security_headers
from workflow_app.surveys.models import SurveyToken
from workflow_app.surveys.qr import qr_svg
from workflow_app.surveys.views import survey_url

auth = web_fixtures.auth  # the web UI fixture, for the pages
ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "https://kaohe.example.gov.cn/kaohe"  # with the path prefix of a reverse proxy
EVIL = "http://evil.example"
# A Host chosen by the client, and the proxy header that overrides it when trusted.
FORWARDED = {"Host": "evil.example", "X-Forwarded-Host": "forwarded.evil.example",
             "X-Forwarded-Proto": "https"}
LOOPBACK = ["http://127.0.0.1:5000", "http://localhost:8080", "http://[::1]/kaohe",
            "http://0.0.0.0:5000", "http://127.1", "http://app.localhost"]


@pytest.fixture
def public(app):
    """The configured base, and a proxy whose forwarded headers are trusted: neither the
    Host nor X-Forwarded-Host of a request may reach a link."""
    app.config.update(PUBLIC_BASE_URL=PUBLIC, TRUST_PROXY_HEADERS=True)
    security_headers.init_app(app)
    return PUBLIC


def _from_evil_host(web):
    """The browser session, also sent to the attacker's Host (cookies go by host)."""
    name = web.client.application.config["SESSION_COOKIE_NAME"]
    web.client.set_cookie(name, web.client.get_cookie(name).value, domain="evil.example")
    return web


def _page(web, path):
    resp = _from_evil_host(web).get(path, headers=FORWARDED)
    return resp.status_code, resp.get_data(as_text=True)


# --- the setting ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "kaohe.example.gov.cn", "ftp://kaohe.example.gov.cn", "https://", "https:///kaohe",
    "https://kaohe.example.gov.cn/?from=mail", "https://kaohe.example.gov.cn/#top",
    "https://admin:pw@kaohe.example.gov.cn", "https://kaohe.example.gov.cn:port",
    "https://kaohe.example.gov.cn/a b", "javascript:alert(1)",
])
def test_a_malformed_public_base_url_stops_the_start(value):
    class Cfg(TestConfig):
        PUBLIC_BASE_URL = value
    with pytest.raises(InvalidPublicBaseUrl, match=r"PUBLIC_BASE_URL.*e\.g\. PUBLIC_BASE_URL="):
        create_app(Cfg)


@pytest.mark.parametrize(("value", "kept"), [
    ("https://kaohe.example.gov.cn/", "https://kaohe.example.gov.cn"),
    (" http://10.1.2.3:8080/kaohe/ ", "http://10.1.2.3:8080/kaohe"),
    ("", ""),
])
def test_a_good_or_missing_base_starts_and_loses_its_final_slash(value, kept):
    class Cfg(TestConfig):
        PUBLIC_BASE_URL = value
    assert create_app(Cfg).config["PUBLIC_BASE_URL"] == kept


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("localhost", True), ("LOCALHOST.", True),
    ("app.localhost", True), ("::1", True), ("[::1]", True), ("0.0.0.0", True), ("::", True),
    ("127.1", True), ("0x7f.1", True), ("10.0.0.5", False), ("192.168.1.20", False),
    ("kaohe.example.gov.cn", False), ("localhost.example.com", False), ("", False),
])
def test_loopback_hosts(host, loopback):
    assert is_loopback_host(host) is loopback


def _start(tmp_path, **env):
    """A fresh interpreter, as an operator starts it; prints the base it settled on."""
    base = {k: v for k, v in os.environ.items() if k not in (
        "KAOHE_CONFIG", "KAOHE_DEMO", "DATABASE_URL", "PUBLIC_BASE_URL", "BASE_URL", "PORT")}
    base.update(PYTHONPATH=str(ROOT), KAOHE_INSTANCE_DIR=str(tmp_path / "instance"),
                SECRET_KEY="9f2c41d0b7a85e63c1f04a9d2b7e58c3a6d19f0e4b2c7a85", AUDIT_KEY="k" * 40,
                **env)
    code = "from workflow_app import create_app; print(create_app().config['PUBLIC_BASE_URL'])"
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=base,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("env", "ok", "printed", "said"), [
    ({"KAOHE_CONFIG": "production"}, True, "", "PUBLIC_BASE_URL is not set"),
    ({"KAOHE_CONFIG": "production", "PUBLIC_BASE_URL": "https://kaohe.example.gov.cn/"}, True,
     "https://kaohe.example.gov.cn", ""),
    ({"KAOHE_CONFIG": "production", "BASE_URL": "https://old.example.gov.cn"}, True,
     "https://old.example.gov.cn", "BASE_URL is deprecated"),
    ({"KAOHE_CONFIG": "production", "PUBLIC_BASE_URL": "http://127.0.0.1:5000"}, True,
     "http://127.0.0.1:5000", "loopback"),
    ({"KAOHE_CONFIG": "production", "PUBLIC_BASE_URL": "kaohe.example.gov.cn"}, False, "",
     "PUBLIC_BASE_URL must be an http:// or https:// address"),
    ({"KAOHE_CONFIG": "development", "KAOHE_DEMO": "1", "PORT": "5123"}, True,
     "http://127.0.0.1:5123", ""),
])
def test_what_an_operator_sees_at_start(tmp_path, env, ok, printed, said):
    result = _start(tmp_path, **env)
    assert (result.returncode == 0) is ok, result.stderr
    assert result.stdout.strip() == printed
    assert said in result.stderr
    if ok and not said:
        assert "PUBLIC_BASE_URL" not in result.stderr


# --- links never come from the request ---------------------------------------------------------

def test_survey_url_ignores_the_request_host(app, public):
    with app.test_request_context("/", base_url=EVIL, headers=FORWARDED):
        assert survey_url("abc") == f"{PUBLIC}/s/abc"


def test_printed_codes_and_sms_texts_use_the_public_base(world, create_cycle, auth, public):
    create_cycle()
    a, _survey, qr = _links(world, 2, "qr")
    *_rest, sms = _links(world, 2, "sms")
    web = auth.user("admin")
    status, page = _page(web, f"/assessments/{a.id}/survey/print")
    assert status == 200 and "evil" not in page
    for token in qr:  # the text under the code and the code itself: the public link
        assert f"{PUBLIC}/s/{token}" in page and qr_svg(f"{PUBLIC}/s/{token}") in page
    status, texts = _page(web, f"/assessments/{a.id}/survey/sms.txt")
    assert status == 200 and "evil" not in texts
    assert re.findall(r"https?://\S+", texts) == [f"{PUBLIC}/s/{t}" for t in sms]


def test_api_links_use_the_public_base(world, create_cycle, api, public):
    create_cycle()
    a, survey, _tokens = _links(world, 1)
    admin = api.as_user("admin")
    resp = admin.client.post(f"/api/v1/surveys/{survey.id}/tokens",
                             json={"count": 2, "channel": "sms"},
                             headers={**admin._headers(), **FORWARDED})
    assert resp.status_code == 201, resp.get_json()
    for link in resp.get_json()["links"]:
        assert link["url"].startswith(f"{PUBLIC}/s/") and link["sms_text"].endswith(link["url"])


@pytest.fixture
def mailbox(app):
    controller = start_smtp(free_port())
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                      MAIL_FROM="kaohe@example.test")
    yield controller.handler
    controller.stop()


@pytest.mark.parametrize(("base", "link"), [
    (PUBLIC, f"{PUBLIC}/my"),
    ("", None),  # not configured: the email still goes, without a link to a wrong place
])
def test_emails_link_to_the_public_base(app, world, mailbox, base, link):
    app.config["PUBLIC_BASE_URL"] = base
    reminder(world.a1, "mail", ["email"])
    with app.test_request_context("/", base_url=EVIL):  # even when a request is around
        assert drain().startswith("sent 1,")
    [msg] = mailbox.messages
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert ("http" in plain + html) is bool(link) and "evil" not in plain + html
    if link:
        assert link in plain and f'href="{link}"' in html


# --- loopback: refused outside the demo --------------------------------------------------------

def _issued(survey):
    return db.session.scalar(select(func.count()).where(SurveyToken.survey_id == survey.id))


@pytest.mark.parametrize("base", [*LOOPBACK[:3], ""])
def test_no_codes_or_sms_links_for_a_loopback_or_missing_base(world, create_cycle, auth, api,
                                                             app, base):
    app.config["PUBLIC_BASE_URL"] = base
    create_cycle()
    a, survey, _tokens = _links(world, 2, "qr")
    web = auth.user("admin")
    status, page = _page(web, f"/assessments/{a.id}/survey/print")
    assert status == 409 and "<svg" not in page and not TOKEN_RE.search(page)
    assert "PUBLIC_BASE_URL" in page and "请系统管理员" in page
    admin_page = web.get(f"/assessments/{a.id}/survey").get_data(as_text=True)
    assert "请系统管理员将 PUBLIC_BASE_URL" in admin_page
    resp = web.get(f"/assessments/{a.id}/survey/sms.txt")
    assert resp.status_code == 409 and "PUBLIC_BASE_URL" in resp.get_data(as_text=True)
    before = _issued(survey)
    resp = api.as_user("admin").post(f"/surveys/{survey.id}/tokens", json={"count": 3})
    body = resp.get_json()
    assert resp.status_code == 409 and body["setting"] == "PUBLIC_BASE_URL"
    assert body["error"] == ("public_url_loopback" if base else "public_url_not_configured")
    assert "PUBLIC_BASE_URL" in body["message"] and _issued(survey) == before


@pytest.mark.parametrize("base", LOOPBACK[3:])
def test_other_loopback_forms_are_refused_too(world, create_cycle, auth, app, base):
    app.config["PUBLIC_BASE_URL"] = base
    create_cycle()
    a, _survey, _tokens = _links(world, 1, "qr")
    status, page = _page(auth.user("admin"), f"/assessments/{a.id}/survey/print")
    assert status == 409 and "<svg" not in page


def test_the_demo_prints_codes_for_its_own_address(world, create_cycle, auth, app):
    app.config.update(PUBLIC_BASE_URL="http://127.0.0.1:5000", KAOHE_DEMO=True)
    create_cycle()
    a, _survey, tokens = _links(world, 2, "qr")
    web = auth.user("admin")
    status, page = _page(web, f"/assessments/{a.id}/survey/print")
    assert status == 200 and page.count("<svg") == 2
    assert all(f"http://127.0.0.1:5000/s/{t}" in page for t in tokens)
    assert "PUBLIC_BASE_URL" not in web.get(f"/assessments/{a.id}/survey").get_data(
        as_text=True)

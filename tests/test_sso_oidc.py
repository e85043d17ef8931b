"""Single sign-on through OpenID Connect (code flow + PKCE) against a loopback stand-in
provider (tests/standins/oidc_provider.py), on both databases."""

import pytest
from sqlalchemy import select

from config import TestConfig
from tests.factories import PASSWORD
from tests.sso_helpers import (
    DID_NOT_COMPLETE,
    LANDING,
    NOT_LINKED,
    at_provider,
    back_to_kaohe,
    browser,
    logged_in,
    oidc_signed_in,
    sso_round_trip,
    start,
    user_count,
    web_password_login,
)
from tests.web.conftest import Auth
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db
from workflow_app.factory import create_app
from workflow_app.people.models import User
from workflow_app.sso.policy import SsoMisconfigured


@pytest.fixture
def provider(app, world):
    with oidc_signed_in(app) as p:
        yield p


def auth_user(app, username):
    return Auth(app, browser(app)).user(username)


def fresh_user(user_id):
    db.session.expire_all()  # the requests changed it in their own sessions
    return db.session.get(User, user_id)


def entries(user_id, action):
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.subject_type == "user", AuditEntry.subject_id == user_id,
        AuditEntry.action == action)).all()


def test_sso_logs_in_the_matched_account_and_lands_on_next(app, provider, world):
    client = browser(app)
    authorize = start(client, "/account/password?from=sso")
    assert "code_challenge_method=S256" in authorize and "nonce=" in authorize
    resp = back_to_kaohe(client, at_provider(authorize))
    assert resp.status_code == 302 and resp.headers["Location"] == "/account/password?from=sso"
    assert logged_in(client)
    assert provider.refusals == [] and provider.token_requests == 1
    a1 = fresh_user(world.a1.id)
    assert a1.sso_subject == f"oidc|{provider.issuer}|u-1001"
    assert entries(a1.id, "sso_login")[0].data == {"protocol": "oidc", "linked": True}
    log = auth_user(app, "audit").get("/audit/log").get_data(as_text=True)
    assert "通过统一身份认证登录" in log  # the auditor reads it in Chinese


def test_a_wrong_state_is_refused_before_any_code_is_spent(app, provider):
    client = browser(app)
    resp = sso_round_trip(client, state="forged-state")
    assert resp.status_code == 403 and DID_NOT_COMPLETE in resp.get_data(as_text=True)
    assert provider.token_requests == 0 and not logged_in(client)


BAD_TOKENS = {
    "tampered signature": {"tamper_signature": True},
    "signed by another key": {"foreign_key": True},
    "wrong nonce": {"claims_override": {"nonce": "replayed-nonce"}},
    "expired": {"claims_override": {"exp": 1_000_000_000, "iat": 999_999_000}},
    "other audience": {"claims_override": {"aud": "another-client"}},
    "other issuer": {"claims_override": {"iss": "https://evil.example"}},
}


@pytest.mark.parametrize("bend", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_an_id_token_that_does_not_verify_logs_nobody_in(app, provider, world, bend):
    for name, value in bend.items():
        setattr(provider, name, value)
    client = browser(app)
    resp = sso_round_trip(client)
    assert resp.status_code == 403 and DID_NOT_COMPLETE in resp.get_data(as_text=True)
    assert provider.token_requests == 1 and not logged_in(client)
    assert fresh_user(world.a1.id).sso_subject is None


def test_an_unknown_user_is_not_created(app, provider):
    provider.user = {"sub": "u-9", "preferred_username": "stranger"}
    before, client = user_count(), browser(app)
    resp = sso_round_trip(client)
    assert resp.status_code == 403 and NOT_LINKED in resp.get_data(as_text=True)
    assert user_count() == before and not logged_in(client)


def test_a_deactivated_account_is_refused_and_the_refusal_audited(app, provider, world):
    db.session.get(User, world.a1.id).active = False
    db.session.commit()
    client = browser(app)
    resp = sso_round_trip(client)
    assert resp.status_code == 403 and "已停用" in resp.get_data(as_text=True)
    assert not logged_in(client)
    assert entries(world.a1.id, "sso_login_refused")[0].data["reason"] == "sso_inactive"


def test_a_linked_account_takes_no_other_identity(app, provider, world):
    assert sso_round_trip(browser(app)).status_code == 302
    provider.user = {"sub": "u-2002", "preferred_username": "a1"}  # the name handed on
    resp = sso_round_trip(browser(app))
    assert resp.status_code == 403 and "已绑定其他" in resp.get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_next_never_leaves_the_site(app, provider, target):
    client = browser(app)
    resp = sso_round_trip(client, next_path=target)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_password_login_is_refused_to_sso_users_when_turned_off(app, provider, world):
    app.config.update(SSO_PASSWORD_LOGIN="0")
    assert sso_round_trip(browser(app)).status_code == 302  # a1 is now an SSO user
    resp = web_password_login(app, "a1")
    assert resp.status_code == 403 and "已停用密码登录" in resp.get_data(as_text=True)
    api = browser(app).post("/api/v1/tokens", json={"username": "a1", "password": PASSWORD})
    assert api.status_code == 403 and api.get_json()["error"] == "password_login_disabled"
    assert web_password_login(app, "a2").status_code == 302  # never used SSO
    wrong = browser(app).post("/api/v1/tokens", json={"username": "a1", "password": "x" * 12})
    assert wrong.status_code == 401  # a wrong password learns nothing about SSO


def test_none_refuses_every_password_but_the_break_glass_admin(app, provider, world):
    app.config.update(SSO_PASSWORD_LOGIN="none", SSO_BREAK_GLASS_USERS="admin")
    assert web_password_login(app, "a2").status_code == 403
    assert web_password_login(app, "admin").status_code == 302
    app.config.update(SSO_PROTOCOL="")  # SSO switched off: passwords work again
    assert web_password_login(app, "a2").status_code == 302


def test_an_sso_only_account_is_not_sent_to_change_a_password_it_cannot_use(
        app, provider, world):
    app.config.update(SSO_PASSWORD_LOGIN="none")
    db.session.get(User, world.a1.id).must_change_password = True
    db.session.commit()
    client = browser(app)
    assert sso_round_trip(client).status_code == 302
    assert client.get("/my").status_code == 200  # not led to the change form


def test_single_logout_goes_through_the_provider(app, provider):
    app.config.update(SSO_SINGLE_LOGOUT=True)
    client = browser(app)
    assert sso_round_trip(client).status_code == 302
    page = client.get(LANDING).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    resp = client.post("/logout", data={"csrf_token": token})
    assert resp.headers["Location"].startswith(f"{provider.issuer}/logout?")
    assert "id_token_hint=" in resp.headers["Location"] and not logged_in(client)


def test_sso_off_no_route_and_no_button(app, world):
    client = browser(app)
    assert client.get("/sso/login?next=/").status_code == 404
    assert client.get("/sso/callback?code=x&state=y").status_code == 404
    assert "统一身份认证登录" not in client.get("/login").get_data(as_text=True)


def test_sso_on_the_login_page_offers_it(app, provider):
    page = browser(app).get("/login?next=/account/password").get_data(as_text=True)
    assert "统一身份认证登录" in page and "/sso/login?next=/account/password" in page


def test_a_discovery_document_naming_another_issuer_is_refused(app, provider):
    provider.issuer = "https://impostor.example"  # what its discovery document now says
    resp = browser(app).get("/sso/login?next=/")
    assert resp.status_code == 403 and DID_NOT_COMPLETE in resp.get_data(as_text=True)


def test_the_provider_refusing_the_login_is_shown_not_a_500(app, provider):
    client = browser(app)
    location = at_provider(start(client))
    resp = back_to_kaohe(client, location, error="access_denied", code="")
    assert resp.status_code == 403 and not logged_in(client)


def test_a_half_configured_sso_stops_the_start():
    class Half(TestConfig):
        SSO_PROTOCOL = "oidc"
        OIDC_ISSUER = ""
    with pytest.raises(SsoMisconfigured, match="OIDC_ISSUER"):
        create_app(Half)

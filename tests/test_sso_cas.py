"""Single sign-on through CAS 2.0 / 3.0 service validation against a loopback stand-in
CAS server (tests/standins/cas_server.py), on both databases."""

import pytest

from tests.sso_helpers import (
    CALLBACK,
    DID_NOT_COMPLETE,
    NOT_LINKED,
    at_provider,
    back_to_kaohe,
    browser,
    logged_in,
    sso_round_trip,
    start,
    user_count,
    web_password_login,
)
from tests.standins.cas_server import CasServer


@pytest.fixture
def cas(app, world):
    with CasServer() as server:
        app.config.update(SSO_PROTOCOL="cas", CAS_SERVER_URL=f"{server.url}/cas",
                          CAS_VERSION="3", SSO_MATCH_CLAIM="", SSO_MATCH_FIELD="username")
        yield server


@pytest.mark.parametrize("version, endpoint", [("3", "/cas/p3/serviceValidate"),
                                               ("2", "/cas/serviceValidate")])
def test_a_valid_ticket_logs_the_cas_user_in(app, cas, version, endpoint):
    app.config.update(CAS_VERSION=version)
    client = browser(app)
    login = start(client, "/account/password?via=cas")
    assert login == f"{cas.url}/cas/login?service=https%3A%2F%2Fkaohe.test%2Fsso%2Fcallback"
    resp = back_to_kaohe(client, at_provider(login))
    assert resp.status_code == 302 and resp.headers["Location"] == "/account/password?via=cas"
    assert logged_in(client)
    assert [(path, service, outcome) for path, _, service, outcome in cas.validations] == [
        (endpoint, CALLBACK, "success")]


def test_a_cas_attribute_matches_by_email(app, cas, world):
    cas.user, cas.attributes = "cas-uid-77", {"mail": "A2@Example.test"}
    app.config.update(SSO_MATCH_CLAIM="mail", SSO_MATCH_FIELD="email")
    client = browser(app)
    assert sso_round_trip(client).status_code == 302
    assert "a2" in client.get("/account/password").get_data(as_text=True)


def test_an_invalid_ticket_is_refused(app, cas):
    client = browser(app)
    resp = sso_round_trip(client, ticket="ST-forged")
    assert resp.status_code == 403 and DID_NOT_COMPLETE in resp.get_data(as_text=True)
    assert cas.validations[-1][3] == "failure" and not logged_in(client)


def test_a_ticket_works_once(app, cas):
    first = browser(app)
    callback = at_provider(start(first))
    assert back_to_kaohe(first, callback).status_code == 302
    replay = browser(app)
    assert back_to_kaohe(replay, callback).status_code == 403 and not logged_in(replay)


def test_an_unknown_cas_user_is_not_created(app, cas):
    cas.user = "nobody-here"
    before, client = user_count(), browser(app)
    resp = sso_round_trip(client)
    assert resp.status_code == 403 and NOT_LINKED in resp.get_data(as_text=True)
    assert user_count() == before and not logged_in(client)


def test_a_cas_server_that_answers_garbage_is_a_refusal_not_a_500(app, cas):
    cas.broken = True
    client = browser(app)
    resp = sso_round_trip(client)
    assert resp.status_code == 403 and DID_NOT_COMPLETE in resp.get_data(as_text=True)


def test_password_login_is_refused_to_cas_users_when_turned_off(app, cas):
    app.config.update(SSO_PASSWORD_LOGIN="0")
    assert sso_round_trip(browser(app)).status_code == 302
    assert web_password_login(app, "a1").status_code == 403
    assert web_password_login(app, "a2").status_code == 302

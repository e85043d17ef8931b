"""Driving an SSO login by hand: the Flask test client for Kaohe, real HTTP for the
loopback stand-in provider, each redirect followed one at a time."""

from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import func, select

from tests.conftest import RequestScopedClient
from tests.standins.oidc_provider import OidcProvider
from tests.web.conftest import WebUser
from workflow_app.extensions import db
from workflow_app.people.models import User

PUBLIC = "https://kaohe.test"
CALLBACK = f"{PUBLIC}/sso/callback"
LANDING = "/account/password"  # any logged-in user may open it
# What the login page says when SSO is refused (Chinese, the default language).
NOT_LINKED = "未与本系统的任何账户关联"
DID_NOT_COMPLETE = "统一身份认证未能完成"


@contextmanager
def oidc_signed_in(app):
    """The stand-in OpenID provider, and the app set up to sign in through it."""
    with OidcProvider(redirect_uri=CALLBACK) as p:
        app.config.update(SSO_PROTOCOL="oidc", OIDC_ISSUER=p.issuer, OIDC_CLIENT_ID="kaohe",
                          OIDC_CLIENT_SECRET="s3cret", SSO_MATCH_CLAIM="preferred_username",
                          SSO_MATCH_FIELD="username")
        yield p


def browser(app):
    app.test_client_class = RequestScopedClient
    return app.test_client()


def start(client, next_path=LANDING):
    resp = client.get("/sso/login", query_string={"next": next_path})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp.headers["Location"]


def at_provider(url):
    """The provider's answer to the browser: the redirect back to Kaohe."""
    resp = requests.get(url, allow_redirects=False, timeout=10)
    assert resp.status_code == 302, resp.text
    return resp.headers["Location"]


def back_to_kaohe(client, location, **changes):
    """Open the callback the provider redirected to, with `changes` to its query."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return client.get(parts.path, query_string=query)


def sso_round_trip(client, next_path=LANDING, **changes):
    return back_to_kaohe(client, at_provider(start(client, next_path)), **changes)


def logged_in(client):
    resp = client.get(LANDING)
    return resp.status_code == 200


def user_count():
    return db.session.scalar(select(func.count()).select_from(User))


def web_password_login(app, username):
    web = WebUser(browser(app))
    return web.login(username)

"""Web UI fixtures: `auth` and a browser-like session that keeps the CSRF token."""

import re

import pytest

from tests.factories import FULL_REPORT, PASSWORD
from workflow_app.extensions import db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def report_form(assessment_id, action="save", content=None, **fields):
    """The self-report form as a browser posts it, filled from FULL_REPORT by default."""
    content = FULL_REPORT if content is None else content
    data = {k: v for k, v in content.items() if k not in ("self_scores", "indicators")}
    data.update({d: str(v) for d, v in content.get("self_scores", {}).items()})
    for i, row in enumerate(content.get("indicators", [])):
        data.update({f"indicators-{i}-{k}": v for k, v in row.items()})
    data.update(fields)
    data.update(assessment_id=str(assessment_id), action=action)
    return data


def csrf_from(html):
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


class WebUser:
    """A browser-like session: remembers the CSRF token of the last page it saw."""

    def __init__(self, client):
        self.client, self.token = client, None

    def get(self, path, **kwargs):
        resp = self.client.get(path, **kwargs)
        self._remember(resp)
        return resp

    def post(self, path, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token or self._fresh_token())
        resp = self.client.post(path, data=data, **kwargs)
        self._remember(resp)
        return resp

    def _fresh_token(self):
        """Any page carries a token: the login form, or the logout form in the menu."""
        self.get("/", follow_redirects=True)
        return self.token

    def _remember(self, resp):
        if resp.mimetype == "text/html":
            found = CSRF_RE.search(resp.get_data(as_text=True))
            if found:
                self.token = found.group(1) or found.group(2)

    def login(self, username, password=PASSWORD, **kwargs):
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        resp = self.client.post("/login", data={"csrf_token": token, "username": username,
                                                "password": password}, **kwargs)
        self.token = None  # the session was renewed: old tokens are void
        return resp


class Auth:
    """`auth.login(username)` logs the shared `client` in; `auth.user(name)` gives a
    separate logged-in browser session (its own cookie jar)."""

    def __init__(self, app, client):
        self.app, self.client = app, client
        self.main = WebUser(client)

    def login(self, username, password=PASSWORD, **kwargs):
        return self.main.login(username, password, **kwargs)

    def user(self, username):
        web = WebUser(self.app.test_client())
        resp = web.login(username)
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return web


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def fresh():
    """Re-read rows after requests changed them in their own sessions."""
    def reload(model, ident):
        db.session.expire_all()
        return db.session.get(model, ident)
    return reload

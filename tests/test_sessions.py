"""Ending sessions: logout, password change, reset and (de)activation kill every cookie and
token of the user (the credential epoch); DELETE /api/v1/tokens/current kills one token."""

import pytest
from sqlalchemy import select

from tests.conftest import RequestScopedClient
from tests.factories import PASSWORD, ApiClient
from tests.web.conftest import WebUser
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db
from workflow_app.people.models import User
from workflow_app.people.services import update_user

NEW_PASSWORD = "Lantern-river-42"


def browser(app, username, password=PASSWORD):
    app.test_client_class = RequestScopedClient  # one app context per request
    web = WebUser(app.test_client())
    assert web.login(username, password).status_code == 302
    return web


def stolen_copy(app, web):
    """Another browser carrying a copy of `web`'s session cookie (a replay)."""
    thief = app.test_client()  # RequestScopedClient, set by browser()
    thief.set_cookie("session", web.client.get_cookie("session").value)
    return thief


def logged_in(client):
    return client.get("/my").status_code == 200


def change_password(web, old=PASSWORD, new=NEW_PASSWORD):
    return web.post("/account/password", {"old_password": old, "new_password": new,
                                          "confirm": new})


def test_a_cookie_replayed_after_logout_is_refused(app, world):
    web = browser(app, "a1")
    thief = stolen_copy(app, web)
    assert logged_in(thief)
    assert web.post("/logout").status_code == 302
    resp = thief.get("/my")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


def test_a_cookie_from_before_a_password_change_is_dead(app, world):
    web, other = browser(app, "a1"), browser(app, "a1")
    thief = stolen_copy(app, web)
    resp = change_password(web)
    assert resp.status_code == 302
    assert "密码已修改。" in web.get(resp.headers["Location"], follow_redirects=True).get_data(
        as_text=True)
    assert logged_in(web.client)  # the browser that changed it stays logged in
    assert not logged_in(other.client) and not logged_in(thief)
    assert WebUser(app.test_client()).login("a1", PASSWORD).status_code == 401
    assert browser(app, "a1", NEW_PASSWORD)


def _logout(app, world, api):
    browser(app, "a1").post("/logout")


def _change_on_the_web(app, world, api):
    assert change_password(browser(app, "a1")).status_code == 302


def _change_through_the_api(app, world, api):
    other = api.as_user("a1")
    resp = other.post("/me/password", json={"old_password": PASSWORD,
                                            "new_password": NEW_PASSWORD})
    assert resp.status_code == 200 and resp.get_json()["token"]
    assert ApiClient(api.client, resp.get_json()["token"]).get("/me").status_code == 200


def _admin_reset(app, world, api):
    admin = browser(app, "admin")
    assert admin.post(f"/admin/people/users/{world.a1.id}/reset-password").status_code == 200


def _deactivate_and_reactivate(app, world, api):
    a1 = db.session.get(User, world.a1.id)
    for active in (False, True):
        update_user(world.admin, a1, display_name=a1.display_name, roles=a1.roles,
                    supervisor=a1.supervisor, active=active)
        db.session.commit()


@pytest.mark.parametrize("how", [_logout, _change_on_the_web, _change_through_the_api,
                                 _admin_reset, _deactivate_and_reactivate])
def test_every_token_and_session_of_the_user_dies(app, client, world, api, how):
    token, colleague = api.as_user("a1"), api.as_user("a2")
    web = browser(app, "a1")
    assert token.get("/me").status_code == 200
    how(app, world, api)
    resp = token.get("/me")
    assert resp.status_code == 401 and resp.get_json()["error"] == "not_authenticated"
    assert not logged_in(web.client)
    assert colleague.get("/me").status_code == 200  # nobody else is touched


def test_deleting_the_current_token_revokes_only_that_token(app, client, world, api):
    first, second = api.as_user("a1"), api.as_user("a1")
    resp = first.client.delete("/api/v1/tokens/current", headers=first._headers())
    assert resp.status_code == 204 and resp.get_data() == b""
    assert first.get("/me").status_code == 401
    again = first.client.delete("/api/v1/tokens/current", headers=first._headers())
    assert again.status_code == 401
    assert second.get("/me").status_code == 200


def test_revoking_without_a_token_is_401(client, world):
    assert client.delete("/api/v1/tokens/current").status_code == 401


def test_the_openapi_table_lists_token_revocation(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "204" in paths["/tokens/current"]["delete"]["responses"]
    assert "post" in paths["/me/password"]


def test_a_password_change_is_audited_without_the_password(app, world):
    assert change_password(browser(app, "a1")).status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "password_change"))
    assert entry.subject_type == "user" and entry.subject_id == world.a1.id
    assert entry.actor_id == world.a1.id
    assert NEW_PASSWORD not in str(entry.data) and PASSWORD not in str(entry.data)

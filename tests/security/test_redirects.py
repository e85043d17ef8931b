"""Redirect targets taken from the request stay on this site (issue 9, item 17)."""

import pytest
from sqlalchemy import select

from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.notifications.services import queue
from workflow_app.scheduler import messages  # noqa: F401  (the message kinds)
from workflow_app.security.redirects import safe_next

OFF_SITE = ["//evil.example/", "///evil.example", "/\\evil.example", "\\\\evil.example",
            "https://evil.example/", "HTTPS://evil.example", "http:/evil.example",
            "javascript:alert(1)", " javascript:alert(1)", "evil.example/x", "",
            "/\t/evil.example", "/\n/evil.example", "/\r\n//evil", "/\x00/evil",
            "/x\\..\\..\\evil", "/\u3000/evil", None, 42, ["/ok"]]
ON_SITE = ["/", "/notifications", "/notifications?page=2&unread=1", "/my#evidence-files",
           "/assessments/12", "/results/%2F%2Fevil"]


@pytest.mark.parametrize("target", OFF_SITE, ids=repr)
def test_off_site_targets_fall_back(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ON_SITE)
def test_paths_on_this_site_are_kept(target):
    assert safe_next(target, "/home") == target


def _note(user, link="/my"):
    [note] = queue(user, "cycle_opened", {"cycle": "2026年第一季度", "deadline": "04-15"},
                   key="k", link=link, channels=["in_app"])
    db.session.commit()
    return note


@pytest.mark.parametrize("back", ["https://evil.example/x", "//evil.example", "/\\evil",
                                  "/notifications?page=2"])
def test_mark_read_comes_back_only_to_this_site(auth, world, back):
    note = _note(world.a1)
    resp = auth.user("a1").post(f"/notifications/{note.id}/read", {"back": back})
    location = resp.headers["Location"]
    assert resp.status_code == 303
    expected = back if back.startswith("/notifications") else "/notifications"
    assert location in (expected, "http://localhost" + expected)


def test_a_stored_link_to_another_site_is_not_followed(auth, world):
    note = _note(world.a1, link="/\\evil.example")
    resp = auth.user("a1").get(f"/notifications/{note.id}/open")
    assert resp.headers["Location"].endswith("/notifications")
    assert db.session.scalars(select(Notification)).first() is not None


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil",
                                    "javascript:alert(1)", "/\tevil"])
def test_login_next_never_leaves_the_site(client, world, target):
    from tests.factories import PASSWORD
    from tests.web.conftest import WebUser

    web = WebUser(client)
    resp = web.post(f"/login?next={target}", {"username": "a1", "password": PASSWORD})
    assert resp.status_code in (302, 303)
    location = resp.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil.example" not in location and "javascript" not in location

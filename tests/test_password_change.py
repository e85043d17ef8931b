"""Changing one's password (policy), an admin reset that forces a change, the same for
imported people, and who may reset."""

import pytest
from sqlalchemy import select

from tests.conftest import RequestScopedClient
from tests.factories import PASSWORD, ApiClient
from tests.test_importer import CN_HEADER, GOOD_ROWS, write_csv
from tests.web.conftest import WebUser
from workflow_app.audit.models import AuditEntry
from workflow_app.auth.policy import common_passwords, password_problem
from workflow_app.extensions import db
from workflow_app.people.models import User
from workflow_app.people.passwords import check_password, hash_password

NEW = "Lantern-river-42"


def browser(app, username, password=PASSWORD):
    app.test_client_class = RequestScopedClient
    web = WebUser(app.test_client())
    assert web.login(username, password).status_code == 302
    return web


def change(web, old=PASSWORD, new=NEW, confirm=None):
    return web.post("/account/password", {"old_password": old, "new_password": new,
                                          "confirm": new if confirm is None else confirm})


def reload(username):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize(("password", "username", "problem"), [
    ("short-1", "a1", "password_too_short"),
    ("Abc-12345", "a1", "password_too_short"),             # 9 characters
    ("zhangwei2026", "zhangwei2026", "password_has_username"),
    ("ZhangWei2026", "zhangwei2026", "password_has_username"),
    ("my-zhangwei-pass", "zhangwei", "password_has_username"),
    ("6202iewgnahz", "zhangwei2026", "password_has_username"),
    ("password123", "a1", "password_common"),
    ("woaini1314", "a1", "password_common"),
    ("1qaz2wsx3edc", "a1", "password_common"),
    ("ABC123456789", "a1", "password_common"),              # case does not help
    ("aaaaaaaaaaaa", "a1", "password_common"),              # one repeated character
    ("\ud800" * 12, "a1", "not_text"),
    ("Lantern-river-42", "a1", None),
    ("长江黄河都在我心里啊", "a1", None),                        # Chinese characters count
])
def test_password_policy(password, username, problem):
    assert password_problem(password, username) == problem


def test_the_common_list_holds_the_chinese_favourites():
    assert {"woaini1314", "1qaz2wsx", "password123", "abc123456", "5201314"} <= common_passwords()
    assert len(common_passwords()) >= 300


@pytest.mark.parametrize(("old", "new", "confirm", "field", "message"), [
    ("wrong-password", NEW, None, "old_password", "当前密码不正确。"),
    (PASSWORD, "short", None, "new_password", "太短：至少 10 个字符。"),
    (PASSWORD, "a1-and-more-a1", None, None, None),          # 2-letter name: allowed
    (PASSWORD, "woaini1314", None, "new_password", "这个密码太常见，请换一个。"),
    (PASSWORD, NEW, "Lantern-river-43", "new_password", "两次输入的新密码不一致。"),
])
def test_the_change_form_explains_what_is_wrong(app, world, old, new, confirm, field,
                                                message):
    web = browser(app, "a1")
    resp = change(web, old, new, confirm)
    if field is None:
        assert resp.status_code == 302
        return
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and message in html
    assert new not in html and old not in html  # passwords are never echoed
    assert check_password(reload("a1").password_hash, PASSWORD)


def test_the_current_password_is_throttled_like_a_login(app, world):
    web = browser(app, "a1")
    codes = [change(web, old=f"guess-{n}").status_code for n in range(6)]
    assert codes == [422] * 5 + [429]
    assert "登录失败次数过多" in change(web).get_data(as_text=True)


def test_an_admin_reset_forces_a_change_at_the_next_login(app, world, api):
    admin = browser(app, "admin")
    page = admin.post(f"/admin/people/users/{world.a1.id}/reset-password")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    temporary = html.split("<code>", 1)[1].split("</code>", 1)[0]
    assert len(temporary) >= 12 and "下次登录时必须修改密码" in html

    assert WebUser(app.test_client()).login("a1", PASSWORD).status_code == 401
    a1 = browser(app, "a1", temporary)
    for path in ("/", "/my", "/notifications", "/admin/people"):
        resp = a1.get(path)
        assert resp.status_code == 302 and resp.headers["Location"] == "/account/password"
    form = a1.get("/account/password").get_data(as_text=True)
    assert "请先修改密码，然后才能继续使用。" in form

    token = api.as_user("a1", temporary)
    resp = token.get("/me")
    assert resp.status_code == 403 and resp.get_json()["error"] == "password_change_required"

    assert change(a1, old=temporary).status_code == 302
    assert a1.get("/my").status_code == 200 and not reload("a1").must_change_password
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject_type == "user", AuditEntry.subject_id == world.a1.id)).all()
    assert "password_reset" in actions and "password_change" in actions
    assert temporary not in str(db.session.scalars(select(AuditEntry.data)).all())


def test_a_forced_change_through_the_api(app, world, api):
    browser(app, "admin").post(f"/admin/people/users/{world.a1.id}/reset-password")
    reload("a1").password_hash = hash_password("Temporary-pass-1")  # known, for the test
    db.session.commit()
    token = api.as_user("a1", "Temporary-pass-1")
    assert token.get("/assessments").status_code == 403
    resp = token.post("/me/password", json={"old_password": "Temporary-pass-1",
                                            "new_password": NEW})
    assert resp.status_code == 200
    assert ApiClient(api.client, resp.get_json()["token"]).get("/assessments").status_code == 200


@pytest.mark.parametrize(("who", "target", "status"), [
    ("a1", "a2", 403),              # a cadre
    ("sup_a", "a1", 403),           # the supervisor
    ("audit", "a1", 403),           # the auditor reads all, changes nothing
    ("town_admin", "a1", 403),      # an org_admin outside their subtree
    ("admin", "admin", 403),        # one's own password goes through the change form
    ("town_admin", "b1", 200),      # an org_admin over b1's unit
    ("admin", "a1", 200),
])
def test_who_may_reset_a_password(app, world, who, target, status):
    web = browser(app, who)
    user = getattr(world, target)
    assert web.post(f"/admin/people/users/{user.id}/reset-password").status_code == status
    assert reload(target).must_change_password is (status == 200)
    assert check_password(reload(target).password_hash, PASSWORD) is (status != 200)


def test_the_person_page_offers_reset_only_where_allowed(app, world):
    admin = browser(app, "admin")
    other = admin.get(f"/admin/people/users/{world.a1.id}").get_data(as_text=True)
    own = admin.get(f"/admin/people/users/{world.admin.id}").get_data(as_text=True)
    assert "重置密码" in other and "登录未锁定。" in other
    assert "重置密码" not in own


def test_imported_people_must_change_their_password(app, world, runner, tmp_path):
    path = write_csv(tmp_path / "people.csv", CN_HEADER, GOOD_ROWS)
    assert runner.invoke(args=["import-people", str(path), "--create-units"]).exit_code == 0
    assert reload("zhao").must_change_password and reload("qian").must_change_password
    web = browser(app, "zhao", "secret123")
    assert web.get("/").headers["Location"] == "/account/password"
    assert not reload("a1").must_change_password  # people made otherwise are not forced


def test_create_admin_is_not_forced(runner, app):
    result = runner.invoke(args=["create-admin", "--username", "boss", "--password",
                                 "Lantern-river-42"])
    assert result.exit_code == 0, result.output
    assert reload("boss").must_change_password is False

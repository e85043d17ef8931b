"""Logging in and out, the login rate limit, CSRF, and the language switch."""

import pytest

from tests.factories import PASSWORD
from tests.web.conftest import csrf_from


def _text(resp):
    return resp.get_data(as_text=True)


def test_login_page_is_chinese_by_default(client, world):
    page = client.get("/login")
    assert page.status_code == 200
    html = _text(page)
    assert '<html lang="zh-CN">' in html and "登录" in html and "用户名" in html
    assert 'name="viewport"' in html


@pytest.mark.parametrize(("username", "lands_on"), [
    ("a1", "/my"),          # a cadre starts at their own report
    ("sup_a", "/my"),       # supervisor who is also a cadre
    ("com_a1", "/tasks"),   # reviewers start at their task list
    ("admin", "/tasks"),
    ("audit", "/audit/"),   # the auditor reviews nothing: what they oversee (issue 10 #9)
])
def test_login_success_lands_on_the_dashboard(auth, world, username, lands_on):
    resp = auth.login(username)
    assert resp.status_code == 302
    home = auth.client.get(resp.headers["Location"])
    assert home.status_code == 302 and home.headers["Location"] == lands_on
    assert auth.client.get(lands_on).status_code == 200


@pytest.mark.parametrize(("username", "password"), [
    ("a1", "wrong-password"),
    ("nobody", PASSWORD),
    ("A1 ", "password12"),
])
def test_login_failure_shows_chinese_message_and_keeps_username(auth, world, username,
                                                                  password):
    resp = auth.login(username, password)
    assert resp.status_code == 401
    html = _text(resp)
    assert "用户名或密码错误。" in html
    assert f'value="{username}"' in html
    assert password not in html  # the password is never echoed


def test_login_with_empty_fields_marks_them(auth, world):
    resp = auth.login("", "")
    assert resp.status_code == 422
    html = _text(resp)
    assert html.count("此项为必填项。") >= 2
    assert 'aria-invalid="true"' in html


def test_rate_limit_after_five_failures(auth, world):
    for _ in range(5):
        assert auth.login("a1", "wrong-password").status_code == 401
    locked = auth.login("a1", PASSWORD)  # even the right password is refused now
    assert locked.status_code == 429
    assert "登录失败次数过多" in _text(locked)
    assert auth.client.get("/my").status_code == 302  # still not logged in


def test_rate_limit_lifts_after_the_window(auth, world, clock):
    for _ in range(5):
        auth.login("a1", "wrong-password")
    clock.advance(minutes=16)
    assert auth.login("a1").status_code == 302


@pytest.mark.parametrize("path", ["/login", "/logout", "/my", "/admin/cycles/1/grade"])
def test_post_without_csrf_token_is_refused(auth, world, path):
    auth.login("a1")
    resp = auth.client.post(path, data={"username": "a1", "password": PASSWORD})
    assert resp.status_code == 400
    assert "表单已过期或来源不明" in _text(resp)


def test_login_with_a_forged_token_is_refused(client, world):
    client.get("/login")
    resp = client.post("/login", data={"csrf_token": "forged", "username": "a1",
                                       "password": PASSWORD})
    assert resp.status_code == 400


def test_logout_ends_the_session(auth, world):
    auth.login("a1")
    assert auth.client.get("/my").status_code == 200
    resp = auth.main.post("/logout")
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert "您已退出登录。" in _text(auth.client.get("/login"))
    assert auth.client.get("/my").status_code == 302


@pytest.mark.parametrize("path", ["/", "/my", "/tasks", "/assessments/1", "/admin/cycles"])
def test_anonymous_is_sent_to_login(client, world, path):
    resp = client.get(path)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login")
    if path != "/":
        assert "next=" in resp.headers["Location"]


def test_login_returns_to_the_page_asked_for(auth, world):
    page = auth.client.get("/login?next=/tasks")
    token = csrf_from(_text(page))
    resp = auth.client.post("/login?next=/tasks", data={
        "csrf_token": token, "username": "sup_a", "password": PASSWORD})
    assert resp.headers["Location"] == "/tasks"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(auth, world, target):
    token = csrf_from(_text(auth.client.get("/login")))
    resp = auth.client.post("/login", query_string={"next": target}, data={
        "csrf_token": token, "username": "a1", "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_switch_to_english_and_back(auth, world):
    resp = auth.client.get("/lang/en", headers={"Referer": "http://localhost/login"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    html = _text(auth.client.get("/login"))
    assert '<html lang="en">' in html and "Log in" in html and "Username" in html
    failed = auth.login("a1", "wrong-password")
    assert "Wrong username or password." in _text(failed)
    assert auth.login("a1").status_code == 302  # the choice survives logging in
    assert "My assessment" in _text(auth.client.get("/my"))
    auth.client.get("/lang/zh_CN")
    assert "我的考核" in _text(auth.client.get("/my"))


def test_unknown_language_is_404(client, world):
    assert client.get("/lang/xx").status_code == 404

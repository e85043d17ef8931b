"""The login throttle cannot be turned into a weapon, and cannot be outrun.

Per (account, address) pair: 5 guesses per 15 minutes. Per account over every address:
20. No address-only limit. Web and API count together; the limit holds under a burst.
"""

import threading

import pytest
from sqlalchemy import select

from tests.conftest import RequestScopedClient
from tests.factories import PASSWORD
from tests.web.conftest import WebUser
from workflow_app.audit.models import AuditEntry
from workflow_app.auth import services
from workflow_app.auth.services import authenticate
from workflow_app.errors import NotAuthenticated
from workflow_app.extensions import db
from workflow_app.people.models import LoginFailure

ATTACKER, OWNER_ELSEWHERE, OFFICE = "203.0.113.9", "198.51.100.7", "10.1.1.1"


def api_login(client, username, password, addr):
    return client.post("/api/v1/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr}).status_code


def web_login(app, username, password, addr):
    app.test_client_class = RequestScopedClient  # one app context per request
    web = WebUser(app.test_client())
    return web.login(username, password, environ_base={"REMOTE_ADDR": addr}).status_code


def login(channel, app, client, username, password, addr):
    """201/302 for a success, 401 for a wrong password, 429 when throttled."""
    if channel == "api":
        return api_login(client, username, password, addr)
    return web_login(app, username, password, addr)


OK = {"api": 201, "web": 302}


@pytest.mark.parametrize("channel", ["web", "api"])
def test_an_attacker_locks_only_their_own_address(app, client, world, channel):
    codes = [login(channel, app, client, "a1", "wrong-password", ATTACKER) for _ in range(8)]
    assert codes == [401] * 5 + [429] * 3
    # The attacker does not get in even with the right password from that address…
    assert login(channel, app, client, "a1", PASSWORD, ATTACKER) == 429
    # …while the owner, elsewhere, logs in at once, and again after more hammering.
    assert login(channel, app, client, "a1", PASSWORD, OWNER_ELSEWHERE) == OK[channel]
    for _ in range(30):
        login("api", app, client, "a1", "wrong-password", ATTACKER)
    assert login(channel, app, client, "a1", PASSWORD, OWNER_ELSEWHERE) == OK[channel]


@pytest.mark.parametrize("flood", [
    [f"ghost{i}" for i in range(60)],      # unknown accounts sprayed from the office NAT
    ["a1"] * 60,                           # one colleague's account hammered
    ["a1", "a2", "a3", "b1"] * 15,         # several real accounts
])
def test_a_flood_from_one_address_never_blocks_another_accounts_right_password(
        app, client, world, flood):
    for name in flood:
        assert api_login(client, name, "wrong-password", OFFICE) in (401, 429)
    assert api_login(client, "admin", PASSWORD, OFFICE) == 201
    assert web_login(app, "sup_a", PASSWORD, OFFICE) == 302


def test_guesses_spread_over_addresses_lock_the_account_until_an_admin_unlocks_it(
        app, client, world, api):
    for n in range(20):  # 4 per address: no pair reaches its own limit
        assert api_login(client, "a1", "wrong-password", f"192.0.2.{n // 4}") == 401
    resp = client.post("/api/v1/tokens", json={"username": "a1", "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": OWNER_ELSEWHERE},
                       headers={"Accept-Language": "zh-CN"})
    assert resp.status_code == 429 and resp.get_json()["error"] == "account_locked"
    assert "该账号登录失败次数过多" in resp.get_json()["message"]
    assert web_login(app, "a2", PASSWORD, OWNER_ELSEWHERE) == 302  # others unaffected

    admin = WebUser(app.test_client())
    admin.login("admin")
    page = admin.get(f"/admin/people/users/{world.a1.id}").get_data(as_text=True)
    assert "登录已锁定：最近 15 分钟内登录失败 20 次。" in page and "解除登录锁定" in page
    done = admin.post(f"/admin/people/users/{world.a1.id}/unlock")
    assert done.status_code == 303
    assert "已解除 a1 的登录锁定。" in admin.get(done.headers["Location"]).get_data(as_text=True)
    assert api_login(client, "a1", PASSWORD, OWNER_ELSEWHERE) == 201
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "login_unlock"))
    assert entry.subject_id == world.a1.id and entry.actor_id == world.admin.id


def test_web_and_api_count_together(app, client, world):
    for channel in ("web", "api", "web", "api", "web"):
        assert login(channel, app, client, "a1", "wrong-password", ATTACKER) == 401
    assert login("api", app, client, "a1", PASSWORD, ATTACKER) == 429
    assert login("web", app, client, "a1", PASSWORD, ATTACKER) == 429


def test_a_success_forgives_the_owners_own_typos(app, client, world):
    for _ in range(4):
        assert api_login(client, "a1", "typo", OFFICE) == 401
    assert api_login(client, "a1", PASSWORD, OFFICE) == 201
    assert [api_login(client, "a1", "typo", OFFICE) for _ in range(6)] == [401] * 5 + [429]


@pytest.mark.parametrize("who", ["a1", "nobody"])
def test_a_parallel_burst_gets_at_most_the_limit_checked(app, world, monkeypatch, who):
    checked, lock = [], threading.Lock()
    real_check = services.check_password

    def counting_check(password_hash, password):
        with lock:
            checked.append(password)
        return real_check(password_hash, password)

    monkeypatch.setattr(services, "check_password", counting_check)
    start, outcomes = threading.Barrier(10), []

    def guess(n):
        with app.app_context():
            start.wait()
            try:
                authenticate(who, f"guess-{n}", ATTACKER)
                outcomes.append("in")
            except NotAuthenticated:
                outcomes.append(401)
            except services.TooManyAttempts:
                outcomes.append(429)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == 10
    assert len(checked) <= 5 and outcomes.count(401) == len(checked)
    assert outcomes.count(429) >= 5 and "in" not in outcomes
    # Refused attempts leave nothing behind; the checked ones keep the pair locked.
    db.session.expire_all()
    pair = f"pair:{who}\n{ATTACKER}"
    rows = db.session.scalars(select(LoginFailure).where(LoginFailure.key == pair)).all()
    assert len(rows) == len(checked)


@pytest.mark.parametrize(("who", "path", "status"), [
    ("a1", "/admin/people/users/{a2}/unlock", 403),               # a cadre
    ("sup_a", "/admin/people/users/{a1}/unlock", 403),            # a supervisor of a1
    ("audit", "/admin/people/users/{a1}/unlock", 403),            # read-only auditor
    ("town_admin", "/admin/people/users/{a1}/unlock", 403),       # admin of another unit
    ("town_admin", "/admin/people/users/{b1}/unlock", 303),       # admin of b1's unit
])
def test_who_may_unlock(app, client, world, who, path, status):
    for _ in range(5):
        api_login(client, "a1", "wrong-password", ATTACKER)
        api_login(client, "b1", "wrong-password", ATTACKER)
    web = WebUser(app.test_client())
    assert web.login(who).status_code == 302
    if status == 303:  # the admin sees which address is locked before lifting it
        page = web.get(f"/admin/people/users/{world.b1.id}").get_data(as_text=True)
        assert f"以下地址的登录已锁定：{ATTACKER}" in page
    assert web.post(path.format(a1=world.a1.id, a2=world.a2.id, b1=world.b1.id)
                    ).status_code == status
    locked = {"a1": 429, "b1": 201 if status == 303 else 429}
    for name, expected in locked.items():
        assert api_login(client, name, PASSWORD, ATTACKER) == expected


def test_old_attempts_are_purged(app, client, world, clock, monkeypatch):
    from workflow_app.auth import throttle

    for n in range(10):
        api_login(client, f"ghost{n}", "wrong-password", OFFICE)
    clock.advance(minutes=16)
    monkeypatch.setattr(throttle, "PURGE_EVERY", 1)
    api_login(client, "ghost-new", "wrong-password", OFFICE)
    assert len(db.session.scalars(select(LoginFailure)).all()) == 2  # only the new pair

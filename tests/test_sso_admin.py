"""An org_admin unlinks an account from its unified identity (统一身份认证) on the person
page: shown, confirmed, audited with a reason, scoped; the next SSO login links the new
identity. Real logins through the loopback OpenID Connect stand-in, on both databases."""

import pytest
from sqlalchemy import select

from tests.sso_helpers import browser, logged_in, oidc_signed_in, sso_round_trip
from tests.web.conftest import Auth
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db
from workflow_app.people.models import User

REASON = "省统一身份认证平台重新发放了账号"


@pytest.fixture
def provider(app, world):
    with oidc_signed_in(app) as p:
        yield p


@pytest.fixture
def linked(app, provider, world):
    """a1 logged in once through SSO (so linked); their browser, still logged in."""
    a1_browser = browser(app)
    assert sso_round_trip(a1_browser).status_code == 302
    return a1_browser


def subject_of(user_id):
    db.session.expire_all()  # the requests changed it in their own sessions
    return db.session.get(User, user_id).sso_subject


def unlinks(user_id):
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.subject_type == "user", AuditEntry.subject_id == user_id,
        AuditEntry.action == "sso_unlink")).all()


def person_page(web, world):
    return web.get(f"/admin/people/users/{world.a1.id}").get_data(as_text=True)


def unlink(web, world, reason=REASON, **kwargs):
    return web.post(f"/admin/people/users/{world.a1.id}/unlink-sso",
                    {"reason": reason, **kwargs})


def test_the_person_page_shows_the_link_and_unlinking_asks_clears_and_audits(
        app, provider, world, linked):
    admin = Auth(app, browser(app)).user("admin")
    page = person_page(admin, world)
    assert "统一身份认证" in page and "已绑定统一身份认证账号" in page
    assert "OpenID Connect" in page and f"{provider.issuer}|u-1001" in page
    assert "解除统一身份绑定" in page
    asked = unlink(admin, world)  # first the confirmation page, nothing done yet
    assert asked.status_code == 200 and 'id="confirm-button"' in asked.get_data(as_text=True)
    assert f"oidc|{provider.issuer}|u-1001" in asked.get_data(as_text=True)
    assert subject_of(world.a1.id) is not None and unlinks(world.a1.id) == []
    done = unlink(admin, world, confirmed="yes")
    assert done.status_code == 303 and subject_of(world.a1.id) is None
    (entry,) = unlinks(world.a1.id)
    assert entry.actor_id == world.admin.id
    assert entry.data == {"protocol": "oidc", "subject": f"oidc|{provider.issuer}|u-1001",
                          "reason": REASON}
    assert "未绑定统一身份认证账号" in person_page(admin, world)
    assert not logged_in(linked)  # the session opened through the old identity ended
    log = Auth(app, browser(app)).user("audit").get("/audit/log").get_data(as_text=True)
    assert "解除统一身份绑定" in log and REASON in log


def test_after_unlinking_the_next_sso_login_links_the_new_identity(
        app, provider, world, linked):
    provider.user = {"sub": "u-2002", "preferred_username": "a1"}  # the re-issued identity
    refused = sso_round_trip(browser(app))
    assert refused.status_code == 403 and "已绑定其他" in refused.get_data(as_text=True)
    admin = Auth(app, browser(app)).user("admin")
    assert unlink(admin, world, confirmed="yes").status_code == 303
    client = browser(app)
    assert sso_round_trip(client).status_code == 302 and logged_in(client)
    assert subject_of(world.a1.id) == f"oidc|{provider.issuer}|u-2002"


def test_a_reason_is_required(app, provider, world, linked):
    admin = Auth(app, browser(app)).user("admin")
    resp = unlink(admin, world, reason="  ", confirmed="yes")
    assert resp.status_code == 422 and "此项为必填项" in resp.get_data(as_text=True)
    assert 'value="a1"' in resp.get_data(as_text=True)  # the person form keeps its data
    assert subject_of(world.a1.id) is not None and unlinks(world.a1.id) == []


def test_an_unlinked_account_has_nothing_to_unlink(app, provider, world):
    admin = Auth(app, browser(app)).user("admin")
    assert "未绑定统一身份认证账号" in person_page(admin, world)
    assert "解除统一身份绑定" not in person_page(admin, world)
    resp = unlink(admin, world, confirmed="yes")
    assert resp.status_code == 303 and unlinks(world.a1.id) == []
    assert "该账户未绑定统一身份认证账号" in admin.get(resp.headers["Location"]).get_data(
        as_text=True)


@pytest.mark.parametrize("who", ["town_admin", "a2", "audit"])
def test_others_may_not_unlink(app, provider, world, linked, who):
    """town_admin administers 西街社区 only; a1 is in 东街社区."""
    web = Auth(app, browser(app)).user(who)
    assert web.get(f"/admin/people/users/{world.a1.id}").status_code == 403
    assert unlink(web, world, confirmed="yes").status_code == 403
    assert subject_of(world.a1.id) is not None and unlinks(world.a1.id) == []


def test_csrf_is_required(app, provider, world, linked):
    admin = Auth(app, browser(app)).user("admin")
    resp = admin.post(f"/admin/people/users/{world.a1.id}/unlink-sso",
                      {"reason": REASON, "confirmed": "yes"}, csrf=False)
    assert resp.status_code == 400
    assert subject_of(world.a1.id) is not None and unlinks(world.a1.id) == []


def test_without_sso_an_unlinked_account_shows_no_section(app, world):
    admin = Auth(app, browser(app)).user("admin")
    assert 'id="sso"' not in person_page(admin, world)
    db.session.get(User, world.a1.id).sso_subject = "cas|https://cas.example|a1"
    db.session.commit()  # linked before SSO was switched off: still shown, still unlinkable
    page = person_page(admin, world)
    assert 'id="sso"' in page and "https://cas.example|a1" in page and ">CAS<" in page
    assert unlink(admin, world, confirmed="yes").status_code == 303
    assert subject_of(world.a1.id) is None and len(unlinks(world.a1.id)) == 1

"""Who may see and do what on the web side: decided by role and scope on the server."""

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db


def _aid(world, name):
    cadre = world.users[name]
    return db.session.scalar(select(Assessment.id).where(Assessment.cadre_id == cadre.id))


@pytest.fixture
def cycle(world, create_cycle):
    cycle = create_cycle()
    a = db.session.get(Assessment, _aid(world, "b1"))
    save_report(a, world.b1, FULL_REPORT)
    fire_event(a, "submit", world.b1)
    db.session.commit()
    return cycle


@pytest.mark.parametrize(("viewer", "owner", "status"), [
    ("a1", "b1", 403),        # cadre of 东街社区 on a cadre of 西街社区
    ("a1", "a2", 403),        # a colleague before publication (公示) sees nothing
    ("sup_a", "b1", 403),     # supervisor of other people
    ("com_a1", "b1", 403),    # committee of the other community
    ("sec_b", "b1", 200),
    ("sup_b", "b1", 200),
    ("audit", "b1", 200),     # auditors read everything in scope
    ("town_admin", "a1", 403),  # org_admin of 西街社区 only
    ("town_admin", "b1", 200),
])
def test_assessment_page_scope(auth, world, cycle, viewer, owner, status):
    web = auth.user(viewer)
    resp = web.get(f"/assessments/{_aid(world, owner)}")
    assert resp.status_code == status
    if status == 403:
        assert "您无权进行此操作。" in resp.get_data(as_text=True)


@pytest.mark.parametrize("event", ["approve", "send_back", "submit", "dispute"])
def test_cannot_post_events_out_of_scope(auth, world, cycle, event):
    web = auth.user("a1")
    aid = _aid(world, "b1")
    resp = web.post(f"/assessments/{aid}/events/{event}", {
        f"{event}-comment": "想替别人审批", f"{event}-score": "100", f"{event}-reason": "x"})
    assert resp.status_code == 403
    assert db.session.get(Assessment, aid).state == "supervisor_review"


def test_cadre_cannot_approve_own_report(auth, world, cycle):
    web = auth.user("b1")
    aid = _aid(world, "b1")
    resp = web.post(f"/assessments/{aid}/events/approve", {"approve-score": "100"})
    assert resp.status_code == 403
    page = web.get(f"/assessments/{aid}").get_data(as_text=True)
    assert 'class="decision' not in page


def test_unknown_assessment_is_404(auth, world, cycle):
    assert auth.user("audit").get("/assessments/999999").status_code == 404


@pytest.mark.parametrize(("username", "status"), [
    ("a1", 403), ("sup_a", 403), ("audit", 403), ("admin", 200), ("town_admin", 200)])
def test_cycles_admin_only_for_org_admins(auth, world, cycle, username, status):
    assert auth.user(username).get("/admin/cycles").status_code == status


def test_menu_follows_roles(auth, world):
    cadre = auth.user("a1").get("/my").get_data(as_text=True)
    assert 'href="/my"' in cadre and 'href="/tasks"' not in cadre
    assert 'href="/admin/cycles"' not in cadre
    admin = auth.user("admin").get("/tasks").get_data(as_text=True)
    assert 'href="/tasks"' in admin and 'href="/admin/cycles"' in admin
    assert 'href="/my"' not in admin and 'href="/audit/"' in admin
    assert 'href="/audit/"' not in cadre
    assert 'href="/audit/"' in auth.user("audit").get("/audit/").get_data(as_text=True)


# A cadre of 东街社区 (a1) edits URLs to reach 西街社区's b1: every door stays shut.
URL_EDITS = [
    ("get", "/assessments/{aid}", None, 403),
    ("get", "/my?assessment={aid}", None, 404),
    ("get", "/assessments/{aid}/files/{fid}", None, 403),
    ("post", "/assessments/{aid}/files/{fid}/withdraw", {}, 403),
    ("post", "/assessments/{aid}/conflict", {"conflict-reason": "x"}, 403),
    ("post", "/assessments/{aid}/events/approve", {"approve-score": "90"}, 403),
    ("post", "/my/autosave", {"assessment_id": "{aid}", "key_work": "篡改"}, 404),
    ("post", "/my", {"assessment_id": "{aid}", "action": "upload"}, 404),
]


@pytest.mark.parametrize(("method", "url", "data", "status"), URL_EDITS)
def test_a_cadre_cannot_reach_another_units_items_by_url(auth, world, cycle, app, tmp_path,
                                                        method, url, data, status):
    from workflow_app.assessments import attachments

    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    aid = _aid(world, "b1")
    b1 = db.session.get(Assessment, aid)
    fire_event(b1, "send_back", world.sup_b, comment="退回以便上传")
    db.session.commit()
    item = attachments.add(b1, world.b1, "台账.pdf", b"%PDF-1.4\n")
    db.session.commit()
    web = auth.user("a1")
    target = url.format(aid=aid, fid=item.id)
    if method == "get":
        resp = web.get(target)
    else:
        resp = web.post(target, {k: v.format(aid=aid) for k, v in data.items()})
    resp.close()
    assert resp.status_code == status
    assert db.session.get(Assessment, aid).state == "drafting"


def test_batch_with_another_units_item_is_refused_per_item(auth, world, cycle):
    aid = _aid(world, "b1")
    a = db.session.get(Assessment, aid)
    html = auth.user("sup_a").post("/tasks/batch", {
        "event": "approve", "items": [f"{aid}:{a.version}"], "confirmed": "yes"}
    ).get_data(as_text=True)
    assert "成功 0 项，未办理 1 项。" in html and "您无权进行此操作。" in html
    assert db.session.get(Assessment, aid).state == "supervisor_review"

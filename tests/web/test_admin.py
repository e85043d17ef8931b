"""The org_admin's cycle page (grade, publish) and the decisions after publication."""

import pytest
from sqlalchemy import select

from tests.factories import CONFIRMED, FULL_REPORT, exclude_unfinished
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db


def _text(resp):
    return resp.get_data(as_text=True)


def _approve_all(world, names):
    ids = []
    for name in names:
        cadre = world.users[name]
        a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == cadre.id))
        save_report(a, cadre, FULL_REPORT)
        fire_event(a, "submit", cadre)
        fire_event(a, "approve", world.sup_a)
        fire_event(a, "approve", world.com_a1, score=95 - len(ids))
        fire_event(a, "approve", world.sec_a)
        ids.append(a.id)
    db.session.commit()
    return ids


@pytest.fixture
def approved(world, create_cycle):
    cycle = create_cycle()
    return cycle.id, _approve_all(world, ["a1", "a2"])


def test_admin_page_lists_cycles_with_state_counts(auth, world, approved):
    cycle_id, _ = approved
    html = _text(auth.user("admin").get("/admin/cycles"))
    assert "2026年第一季度平时考核" in html and "进行中" in html
    section = html[html.index(f'id="cycle-{cycle_id}"'):]
    assert "填写中</th><td>3" in section and "已审定</th><td>2" in section
    assert section.index("填写中") < section.index("已审定")  # in workflow order
    assert "评定已审定结果" in section and "公示已评定结果" not in section  # grade first


def test_grade_then_publish(auth, world, approved, fresh):
    cycle_id, ids = approved
    admin = auth.user("admin")
    graded = admin.post(f"/admin/cycles/{cycle_id}/grade", CONFIRMED)
    assert graded.status_code == 303
    assert "已评定 2 人" in _text(admin.get("/admin/cycles"))
    assert fresh(Assessment, ids[0]).grade is not None
    exclude_unfinished(db.session.get(Cycle, cycle_id), world.admin)
    published = admin.post(f"/admin/cycles/{cycle_id}/publish", CONFIRMED)
    assert published.status_code == 303
    page = _text(admin.get("/admin/cycles"))
    assert "已公示 2 个结果" in page and "公示中</th><td>2" in page
    assert fresh(Cycle, cycle_id).status == "published"


def test_publish_before_grading_explains_why(auth, world, approved):
    """The button is hidden before grading, but the server decides, not the page."""
    cycle_id, _ = approved
    admin = auth.user("admin")
    exclude_unfinished(db.session.get(Cycle, cycle_id), world.admin)
    resp = admin.post(f"/admin/cycles/{cycle_id}/publish", CONFIRMED, follow_redirects=True)
    assert resp.status_code == 200
    assert "没有可公示的结果：请先对已审定的考核评定等次。" in _text(resp)


def test_publish_with_reports_still_drafting_is_refused_with_counts(auth, world, approved,
                                                                    fresh):
    """A click on 发布公示 while people still draft would lock them out: refused."""
    cycle_id, ids = approved
    admin = auth.user("admin")
    admin.post(f"/admin/cycles/{cycle_id}/grade", CONFIRMED)
    resp = admin.post(f"/admin/cycles/{cycle_id}/publish", CONFIRMED, follow_redirects=True)
    assert "尚未完成：填写中 3" in _text(resp)
    assert "试算" in _text(resp)  # grading while people still draft is a trial run
    assert fresh(Cycle, cycle_id).status == "open"
    assert {fresh(Assessment, i).state for i in ids} == {"approved"}


def test_admin_of_another_unit_cannot_grade(auth, world, approved):
    cycle_id, _ = approved
    resp = auth.user("town_admin").post(f"/admin/cycles/{cycle_id}/grade", CONFIRMED)
    assert resp.status_code == 403
    assert auth.user("admin").post("/admin/cycles/99999/grade").status_code == 404


def admin_user(auth):
    from workflow_app.people.models import User

    return db.session.scalar(select(User).where(User.username == "admin"))


@pytest.fixture
def published(auth, approved):
    cycle_id, ids = approved
    admin = auth.user("admin")
    admin.post(f"/admin/cycles/{cycle_id}/grade", CONFIRMED)
    exclude_unfinished(db.session.get(Cycle, cycle_id), admin_user(auth))
    admin.post(f"/admin/cycles/{cycle_id}/publish", CONFIRMED)
    return ids


def test_colleague_sees_only_the_published_result(auth, world, published):
    html = _text(auth.user("a3").get(f"/assessments/{published[0]}"))
    assert "公示中" in html and "同事仅可查看公示结果。" in html
    assert FULL_REPORT["key_work"] not in html
    assert 'id="raise-dispute"' in html  # colleagues may object (§3)


def test_dispute_needs_a_reason_then_admin_dismisses(auth, world, published, fresh):
    aid = published[0]
    cadre = auth.user("a1")
    page = _text(cadre.get(f"/assessments/{aid}"))
    assert "提出异议" in page
    form = f"/assessments/{aid}/objections/dispute"
    refused = cadre.post(form, {"reason": ""})
    assert refused.status_code == 422 and "此项为必填项。" in _text(refused)
    done = cadre.post(form, {"reason": "评分依据有误"})
    assert done.status_code in (302, 303)
    assert fresh(Assessment, aid).state == "disputed"
    admin = auth.user("admin")
    html = _text(admin.get(f"/assessments/{aid}"))
    assert "异议成立" in html and "驳回异议" in html and "评分依据有误" in html
    dismissed = admin.post(f"/assessments/{aid}/events/dismiss",
                           {"dismiss-reason": "经核实评分无误"})
    assert dismissed.status_code == 302
    assert fresh(Assessment, aid).state == "published"

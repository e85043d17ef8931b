"""The review page: evidence, earlier quarters, changes since a send-back, and the
two-committees panel with votes and 回避 from the browser side."""

import re

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT, make_user
from workflow_app.assessments.models import Assessment, Recusal
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db


def _text(resp):
    return resp.get_data(as_text=True)


def _a(world, name, cycle):
    return db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users[name].id, Assessment.cycle_id == cycle.id))


def _to_committee(world, a, cadre="a1"):
    save_report(a, world.users[cadre], FULL_REPORT)
    fire_event(a, "submit", world.users[cadre])
    fire_event(a, "approve", world.sup_a, score=85)
    db.session.commit()


@pytest.fixture
def at_committee(world, create_cycle):
    world.users["com_a3"] = make_user("com_a3", world.units["a"], ["committee"])
    cycle = create_cycle()
    cycle.committee_rule = "majority"
    a = _a(world, "a1", cycle)
    _to_committee(world, a)
    return a


def _vote(web, a, score, decision="approve", comment=""):
    page = _text(web.get(f"/assessments/{a.id}"))
    version = re.search(r'name="vote-version" type="hidden" value="(\d+)"', page).group(1)
    return web.post(f"/assessments/{a.id}/vote", {
        "vote-decision": decision, "vote-score": score, "vote-comment": comment,
        "vote-version": version})


def test_committee_panel_counts_votes(auth, world, at_committee, fresh):
    com1 = auth.user("com_a1")
    page = _text(com1.get(f"/assessments/{at_committee.id}"))
    assert "表决规则：须过半数成员同意。" in page and "已有 0 人同意，需 2 人同意" in page
    assert "可参与表决的成员 3 人" in page and "声明回避" in page
    resp = _vote(com1, at_committee, "90")
    assert resp.headers["Location"] == "/tasks"  # nothing else waits for com_a1
    queue_page = _text(com1.get(resp.headers["Location"]))
    assert "a1（2026年第一季度平时考核）：您的表决已记录" in queue_page
    after = _text(com1.get(f"/assessments/{at_committee.id}"))
    assert "已有 1 人同意，需 2 人同意" in after
    assert 'name="vote-score"' not in after  # nothing left for com_a1 to decide
    assert "两委会成员表决" in after and "· 同意" in after  # the vote in the history
    _vote(auth.user("com_a2"), fresh(Assessment, at_committee.id), "80")
    done = fresh(Assessment, at_committee.id)
    assert done.state == "secretary_approval"
    history = _text(auth.user("audit").get(f"/assessments/{done.id}"))
    assert "评分 85.00" in history and "本人评分 80" in history


def test_stepping_aside_from_the_page(auth, world, at_committee, fresh):
    com3 = auth.user("com_a3")
    url = f"/assessments/{at_committee.id}/conflict"
    refused = com3.post(url, {"conflict-reason": "  "})
    assert refused.status_code == 422
    assert 'id="conflict-reason-error">此项为必填项。' in _text(refused)
    resp = com3.post(url, {"conflict-reason": "被考核人是我的亲属"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/tasks"
    assert "您已声明回避" in _text(com3.get("/tasks"))
    assert com3.get(f"/assessments/{at_committee.id}").status_code == 403
    assert com3.post(f"/assessments/{at_committee.id}/events/approve",
                     {"approve-score": "99"}).status_code == 403
    assert db.session.scalar(select(Recusal.reason)) == "被考核人是我的亲属"
    page = _text(auth.user("com_a1").get(f"/assessments/{at_committee.id}"))
    assert "已回避： com_a3" in page and "可参与表决的成员 2 人" in page


@pytest.mark.parametrize("who", ["sup_a", "sec_a", "com_b", "a2"])
def test_others_cannot_step_aside(auth, world, at_committee, who):
    resp = auth.user(who).post(f"/assessments/{at_committee.id}/conflict",
                               {"conflict-reason": "理由"})
    assert resp.status_code == 403


def test_nobody_decides_on_their_own_assessment(auth, world, create_cycle):
    world.users["com_self"] = make_user("com_self", world.units["a"], ["committee", "cadre"],
                                        supervisor=world.sup_a)
    cycle = create_cycle()
    a = _a(world, "com_self", cycle)
    _to_committee(world, a, cadre="com_self")
    web = auth.user("com_self")
    page = _text(web.get(f"/assessments/{a.id}"))
    assert 'class="decision' not in page and "声明回避" not in page
    assert str(a.id) not in re.findall(r'name="items" value="(\d+):', _text(web.get("/tasks")))
    assert web.post(f"/assessments/{a.id}/events/approve",
                    {"approve-score": "100"}).status_code == 403


def test_review_page_context(auth, world, create_cycle):
    q1 = create_cycle()
    q2 = create_cycle(name="2026年第二季度平时考核", quarter=2)
    old, new = _a(world, "a1", q1), _a(world, "a1", q2)
    old.score, old.grade = 91, "好"
    save_report(new, world.a1, FULL_REPORT)
    fire_event(new, "submit", world.a1)
    fire_event(new, "send_back", world.sup_a, comment="请补充指标数据")
    save_report(new, world.a1, dict(FULL_REPORT, key_work="完成入户登记 1300 户"))
    fire_event(new, "submit", world.a1)
    db.session.commit()
    page = _text(auth.user("sup_a").get(f"/assessments/{new.id}"))
    quarters = page[page.index('id="quarters"'):]
    assert "a1 以往的考核" in quarters and "2026年第一季度平时考核" in quarters
    assert "91" in quarters and "好" in quarters
    assert "与被退回版本相比的修改" in page and "请补充指标数据" in page
    assert "<del>社区人口普查</del>" in page and "<ins>3</ins>" in page  # 1200 → 1300
    assert "人口普查入户登记" in page and "入户登记台账" in page  # the indicator row
    other = _text(auth.user("sup_b").get(f"/assessments/{new.id}"))
    assert "403" in other  # and nothing of it for another supervisor


@pytest.mark.parametrize(("who", "path", "texts"), [
    ("a2", "/my", ("Progress on each assigned indicator", "Add an indicator", "Evidence files",
                   "Upload the file", "Save draft")),
    ("sup_a", "/tasks", ("Approve selected", "Send back selected", "Overdue", "Due")),
    ("admin", "/dashboard", ("Assessments per unit and state", "Late", "Waiting for me")),
    ("com_a1", "/assessments/{aid}", ("Two committees", "0 of 2 approvals needed",
                                      "Declare a conflict of interest", "Evidence files")),
])
def test_pages_in_english(auth, world, at_committee, who, path, texts):
    web = auth.user(who)
    web.get("/lang/en")
    html = _text(web.get(path.format(aid=at_committee.id)))
    for text in texts:
        assert text in html

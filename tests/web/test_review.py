"""Reviewers: the task list, the assessment page, and the decisions on it."""

import re

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT
from workflow_app.assessments import views_queue
from workflow_app.assessments.models import Assessment, Review
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db


def _text(resp):
    return resp.get_data(as_text=True)


def _assessment(cadre):
    return db.session.scalar(select(Assessment).where(Assessment.cadre_id == cadre.id))


def _advance(a, *steps):
    """Move `a` along with the services: (event, actor, kwargs) steps, one commit."""
    for event, actor, kwargs in steps:
        if event == "submit":
            save_report(a, actor, FULL_REPORT)
        fire_event(a, event, actor, **kwargs)
    db.session.commit()
    return a.id


@pytest.fixture
def submitted(world, create_cycle):
    create_cycle()
    return _advance(_assessment(world.a1), ("submit", world.a1, {}))


def _decide(web, aid, event, version=None, **fields):
    data = {f"{event}-{k}": v for k, v in fields.items()}
    if version is not None:
        data[f"{event}-version"] = str(version)
    return web.post(f"/assessments/{aid}/events/{event}", data)


def _row_link(html, cadre_name):
    """The link in the task-list row of `cadre_name`."""
    for row in html.split("<tr>")[1:]:
        if f">{cadre_name}</" in row:  # the name cell (or the name in it)
            return re.search(r'href="(/assessments/\d+)"', row).group(1)
    return None


def _version(html, event):
    return int(re.search(rf'name="{event}-version" type="hidden" value="(\d+)"', html).group(1))


def test_supervisor_approves_from_task_list_with_score(auth, world, submitted, fresh):
    sup = auth.user("sup_a")
    tasks = _text(sup.get("/tasks"))
    assert "a1" in tasks and "东街社区" in tasks and "上级审核" in tasks
    link = _row_link(tasks, "a1")
    assert link == f"/assessments/{submitted}"
    page = _text(sup.get(link))
    assert FULL_REPORT["key_work"] in page and "通过" in page and "退回" in page
    resp = _decide(sup, submitted, "approve", _version(page, "approve"), score="88.5",
                   comment="工作扎实")
    assert resp.status_code == 302 and resp.headers["Location"] == "/tasks"  # nothing else
    assert "已办理：通过（a1，" in _text(sup.get(resp.headers["Location"]))
    after = _text(sup.get(link))
    assert "两委会审议" in after and "88.50" in after and "工作扎实" in after
    a = fresh(Assessment, submitted)
    assert a.state == "committee_review" and a.version == 3
    review = db.session.scalar(select(Review).where(Review.assessment_id == a.id))
    assert (review.decision, str(review.score), review.comment) == ("approve", "88.50", "工作扎实")
    assert _row_link(_text(sup.get("/tasks")), "a1") is None


@pytest.mark.parametrize(("score", "message"), [
    ("abc", "请输入数字。"),
    ("101", "数值超出允许范围。"),
    ("-1", "数值超出允许范围。"),
])
def test_bad_score_is_refused_and_kept(auth, world, submitted, fresh, score, message):
    sup = auth.user("sup_a")
    resp = _decide(sup, submitted, "approve", 2, score=score, comment="意见保留")
    assert resp.status_code == 422
    html = _text(resp)
    assert message in html and f'value="{score}"' in html and "意见保留" in html
    assert 'id="approve-score-error"' in html
    assert fresh(Assessment, submitted).state == "supervisor_review"


def test_send_back_requires_a_comment(auth, world, submitted, fresh):
    sup = auth.user("sup_a")
    refused = _decide(sup, submitted, "send_back", 2, comment="   ")
    assert refused.status_code == 422
    assert 'id="send_back-comment-error">此项为必填项。' in _text(refused)
    assert fresh(Assessment, submitted).state == "supervisor_review"
    done = _decide(sup, submitted, "send_back", 2, comment="请补充指标完成数据")
    assert done.status_code == 302
    assert fresh(Assessment, submitted).state == "drafting"


def test_sent_back_report_shows_the_reason_to_the_cadre(auth, world, submitted):
    _decide(auth.user("sup_a"), submitted, "send_back", 2, comment="请补充指标完成数据")
    auth.login("a1")
    page = _text(auth.main.get("/my"))
    assert "您的报告已被退回" in page and "请补充指标完成数据" in page
    assert FULL_REPORT["key_work"] in page  # the new revision starts from the old text
    detail = _text(auth.main.get(f"/assessments/{submitted}"))
    assert "历史版本" in detail and "第 2 版" in detail


def _vote(web, aid, decision, version=None, **fields):
    """The committee member's one vote form: 同意 / 不同意 / 弃权."""
    data = {"vote-decision": decision, **{f"vote-{k}": v for k, v in fields.items()}}
    if version is not None:
        data["vote-version"] = str(version)
    return web.post(f"/assessments/{aid}/vote", data)


def test_committee_must_score(auth, world, submitted, fresh):
    _advance(fresh(Assessment, submitted), ("approve", world.sup_a, {"score": 90}))
    com = auth.user("com_a1")
    page = _text(com.get(f"/assessments/{submitted}"))
    assert 'name="vote-score"' in page and "aria-required" in page
    refused = _vote(com, submitted, "approve", 3, comment="同意")
    assert refused.status_code == 422
    assert 'id="vote-score-error">此项为必填项。' in _text(refused)
    assert _vote(com, submitted, "approve", 3, score="92").status_code == 302
    assert fresh(Assessment, submitted).state == "secretary_approval"


def test_stale_version_shows_already_handled_and_fresh_state(auth, world, submitted, fresh):
    com1, com2 = auth.user("com_a1"), auth.user("com_a2")
    _advance(fresh(Assessment, submitted), ("approve", world.sup_a, {}))
    page = _text(com2.get(f"/assessments/{submitted}"))
    old = _version(page, "vote")
    assert _vote(com1, submitted, "approve", old, score="91").status_code == 302
    late = _vote(com2, submitted, "approve", old, score="70")
    assert late.status_code == 409
    html = _text(late)
    assert "该事项已由他人办理" in html and "书记审批" in html
    assert 'name="vote-score"' not in html  # nothing left for com_a2 to decide
    assert fresh(Assessment, submitted).state == "secretary_approval"


def test_decision_without_version_still_checks_state(auth, world, submitted, fresh):
    sup = auth.user("sup_a")
    assert _decide(sup, submitted, "approve").status_code == 302
    again = _decide(sup, submitted, "approve")
    assert again.status_code == 403  # no longer the supervisor's turn: not allowed
    assert fresh(Assessment, submitted).state == "committee_review"


def test_unknown_event_is_404(auth, world, submitted):
    assert _decide(auth.user("sup_a"), submitted, "explode", 2).status_code == 404


def test_history_and_reviews_on_the_assessment_page(auth, world, submitted, fresh):
    _advance(fresh(Assessment, submitted), ("approve", world.sup_a, {"score": 85,
                                                                      "comment": "同意"}))
    html = _text(auth.user("audit").get(f"/assessments/{submitted}"))
    timeline = html[html.index('class="timeline"'):]
    for text in ("启动考核", "提交", "填写中 → 上级审核", "通过", "上级审核 → 两委会审议",
                 "sup_a", "上级领导", "评分 85"):
        assert text in timeline
    assert "审核记录" in html and "同意" in html
    assert 'class="decision' not in html  # the auditor reads, never decides


def test_task_list_pages(auth, world, create_cycle, monkeypatch):
    create_cycle()
    for name in ("a1", "a2", "a3"):
        _advance(_assessment(world.users[name]), ("submit", world.users[name], {}))
    sup = auth.user("sup_a")
    monkeypatch.setattr(views_queue, "PAGE_SIZE", 3)  # a1-a3 to review, plus sup_a's own report
    first, second = _text(sup.get("/tasks")), _text(sup.get("/tasks?page=2"))
    assert first.count('class="button"') == 3 and 'rel="next"' in first
    assert second.count('class="button"') == 1 and 'rel="prev"' in second
    assert 'rel="next"' not in second
    assert "第 2 页" in second
    assert sup.get("/tasks?page=abc").status_code == 200

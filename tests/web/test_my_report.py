"""The cadre's page: filling, saving and submitting the quarterly report."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT
from tests.web.conftest import report_form
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import current_report
from workflow_app.extensions import db


def _text(resp):
    return resp.get_data(as_text=True)


def _aid(cadre):
    return db.session.scalar(select(Assessment.id).where(Assessment.cadre_id == cadre.id))


def _form(assessment_id, action="save", **fields):
    return report_form(assessment_id, action, **fields)


@pytest.fixture
def a1_page(auth, world, create_cycle):
    create_cycle()
    auth.login("a1")
    return auth.main, _aid(world.a1)


def test_my_page_shows_the_empty_form(a1_page):
    web, aid = a1_page
    html = _text(web.get("/my"))
    assert "2026年第一季度平时考核" in html and "填写中" in html
    for label in ("本季度完成的重点工作", "本季度最满意的工作", "自我评价", "德", "廉",
                  "保存草稿", "提交审核"):
        assert label in html
    assert f'name="assessment_id" type="hidden" value="{aid}"' in html


def test_save_draft_keeps_partial_report(a1_page, fresh):
    web, aid = a1_page
    resp = web.post("/my", {"assessment_id": str(aid), "action": "save",
                            "key_work": "  入户走访 30 户  ", "de": "90"})
    assert resp.status_code == 302
    page = _text(web.get(resp.headers["Location"]))
    assert "草稿已保存。" in page and "入户走访 30 户" in page and 'value="90"' in page
    a = fresh(Assessment, aid)
    assert a.state == "drafting"
    assert current_report(a).content["key_work"] == "入户走访 30 户"
    assert current_report(a).content["self_scores"] == {"de": 90.0}


def test_submit_moves_to_supervisor_review(a1_page, fresh):
    web, aid = a1_page
    resp = web.post("/my", _form(aid, action="submit"))
    assert resp.status_code == 302
    page = _text(web.get(resp.headers["Location"]))
    assert "报告已提交" in page and "上级审核" in page
    assert 'name="key_work"' not in page  # read-only once submitted
    assert FULL_REPORT["most_satisfied"] in page
    a = fresh(Assessment, aid)
    assert a.state == "supervisor_review"
    assert current_report(a).submitted_at is not None


def test_failed_submit_keeps_everything_typed_and_marks_fields(a1_page, fresh):
    web, aid = a1_page
    typed = {"key_work": "完成了<重点>工作", "most_satisfied": "", "least_satisfied": "",
             "self_evaluation": "", "indicator_progress": "进度 80%", "de": "abc",
             "neng": "150", "qin": "", "ji": "88", "lian": ""}
    resp = web.post("/my", _form(aid, action="submit", **typed))
    assert resp.status_code == 422
    html = _text(resp)
    assert "完成了&lt;重点&gt;工作" in html and "进度 80%" in html  # typed text, escaped
    assert 'value="abc"' in html and 'value="150"' in html and 'value="88"' in html
    errors = dict(re.findall(r'<p class="error" id="(\w+)-error">([^<]+)</p>', html))
    assert errors == {
        "most_satisfied": "此项为必填项。", "least_satisfied": "此项为必填项。",
        "self_evaluation": "此项为必填项。", "de": "请输入数字。",
        "neng": "数值超出允许范围。", "qin": "此项为必填项。", "lian": "此项为必填项。"}
    assert 'aria-describedby="de-hint de-error"' in html
    assert fresh(Assessment, aid).state == "drafting"


def test_incomplete_submit_saves_the_draft_anyway(a1_page, fresh):
    web, aid = a1_page
    resp = web.post("/my", _form(aid, action="submit", self_evaluation="", lian=""))
    assert resp.status_code == 422
    html = _text(resp)
    assert "草稿已保存，但报告尚未提交。" in html
    assert html.count('class="error"') == 2
    a = fresh(Assessment, aid)
    assert a.state == "drafting"
    assert current_report(a).content["key_work"] == FULL_REPORT["key_work"]


def test_submit_outside_the_window_keeps_the_draft(auth, world, create_cycle, clock, fresh):
    create_cycle(opens_at=(clock.now + timedelta(days=2)).isoformat())
    auth.login("a1")
    aid = _aid(world.a1)
    resp = auth.main.post("/my", _form(aid, action="submit"))
    assert resp.status_code == 409
    assert "本考核周期当前不在填报时间内。" in _text(resp)
    assert current_report(fresh(Assessment, aid)).content["key_work"] == FULL_REPORT["key_work"]


def test_cannot_save_into_someone_elses_assessment(a1_page, world):
    web, _ = a1_page
    other = _aid(world.a2)
    resp = web.post("/my", _form(other))
    assert resp.status_code == 404


def test_text_over_the_limit_is_refused_with_message(a1_page):
    web, aid = a1_page
    resp = web.post("/my", _form(aid, key_work="长" * 5001))
    assert resp.status_code == 422
    assert "内容过长：最多 5000 字，现有 5001 字。已填写的内容没有删减" in _text(resp)


def test_my_page_without_assessment(auth, world):
    auth.login("a1")
    html = _text(auth.main.get("/my"))
    assert "您目前没有考核任务" in html


def test_english_field_messages(a1_page):
    web, aid = a1_page
    web.get("/lang/en")
    resp = web.post("/my", _form(aid, action="submit", self_evaluation="", de="x"))
    assert resp.status_code == 422
    html = _text(resp)
    assert "This field is required." in html and "Please enter a number." in html
    assert "Self-evaluation" in html


@pytest.mark.parametrize("path", ["/login", "/my", "/tasks"])
def test_pages_load_nothing_from_other_sites(a1_page, path):
    web, _ = a1_page
    html = _text(web.get(path, follow_redirects=True))
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html

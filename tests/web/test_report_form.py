"""The self-report's indicator rows, autosave, the stale-draft guard, and what the cadre
sees after a send-back: the reviewer's comment and the two versions side by side."""

import re

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT
from tests.web.conftest import report_form
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import current_report, fire_event, save_report
from workflow_app.extensions import db


def _text(resp):
    return resp.get_data(as_text=True)


def _aid(cadre):
    return db.session.scalar(select(Assessment.id).where(Assessment.cadre_id == cadre.id))


def _draft(html):
    return re.search(r'name="draft_version" type="hidden" value="(\d+)"', html).group(1)


@pytest.fixture
def a1_page(auth, world, create_cycle):
    create_cycle()
    auth.login("a1")
    return auth.main, _aid(world.a1)


def test_indicator_rows_are_saved_and_shown(a1_page, fresh):
    web, aid = a1_page
    rows = {"indicators-1-name": "", "indicators-1-target": "",  # an empty row is dropped
            "indicators-3-name": "垃圾分类覆盖率", "indicators-3-target": "90%",
            "indicators-3-actual": "85%", "indicators-3-evidence_note": "街道通报"}
    resp = web.post("/my", report_form(aid, "save", **rows))
    assert resp.status_code == 302
    saved = current_report(fresh(Assessment, aid)).content["indicators"]
    assert saved == [FULL_REPORT["indicators"][0],
                     {"name": "垃圾分类覆盖率", "target": "90%", "actual": "85%",
                      "evidence_note": "街道通报"}]
    html = _text(web.get(resp.headers["Location"]))
    assert 'value="垃圾分类覆盖率"' in html and 'name="indicators-1-name"' in html


@pytest.mark.parametrize(("field", "value", "message"), [
    ("indicators-0-actual", "", "此项为必填项。"),
    ("indicators-0-target", "", "此项为必填项。"),
    ("indicators-0-name", "", "此项为必填项。"),
    ("indicators-0-name", "长" * 201,
     "内容过长：最多 200 字，现有 201 字。已填写的内容没有删减，请精简后再保存。"),
])
def test_bad_indicator_is_refused_next_to_its_field(a1_page, fresh, field, value, message):
    web, aid = a1_page
    resp = web.post("/my", report_form(aid, "submit", **{field: value}))
    assert resp.status_code == 422
    html = _text(resp)
    assert f'<p class="error" id="{field}-error">{message}</p>' in html
    assert FULL_REPORT["key_work"] in html and FULL_REPORT["most_satisfied"] in html
    assert fresh(Assessment, aid).state == "drafting"


def test_rows_are_added_and_removed_without_script(a1_page):
    web, aid = a1_page
    added = _text(web.post("/my", report_form(aid, "add_row", key_work="尚未保存的文字")))
    assert 'name="indicators-1-name"' in added and "尚未保存的文字" in added
    removed = _text(web.post("/my", report_form(aid, "remove_row:0")))
    assert 'value="人口普查入户登记"' not in removed
    rows = removed.split("<template")[0].count('class="indicator-row" data-row')
    assert rows == 1  # one empty row stays to type into


def test_two_tabs_cannot_silently_overwrite(a1_page, fresh):
    web, aid = a1_page
    version = _draft(_text(web.get("/my")))
    first = web.post("/my", report_form(aid, "save", draft_version=version, key_work="第一个窗口"))
    assert first.status_code == 302
    late = web.post("/my", report_form(aid, "save", draft_version=version, key_work="第二个窗口"))
    assert late.status_code == 409
    html = _text(late)
    assert "此草稿已在其他窗口或设备上被修改" in html and "第二个窗口" in html
    assert current_report(fresh(Assessment, aid)).content["key_work"] == "第一个窗口"
    again = web.post("/my", report_form(aid, "save", draft_version=_draft(html),
                                        key_work="第二个窗口"))
    assert again.status_code == 302  # saving again knowingly replaces the other version
    assert current_report(fresh(Assessment, aid)).content["key_work"] == "第二个窗口"


def test_autosave_answers_json(a1_page, fresh):
    web, aid = a1_page
    version = _draft(_text(web.get("/my")))
    ok = web.post("/my/autosave", report_form(aid, "autosave", draft_version=version,
                                              key_work="自动保存的文字"))
    assert ok.status_code == 200 and ok.get_json()["message"] == "草稿已自动保存。"
    assert ok.get_json()["draft_version"] == int(version) + 1
    assert current_report(fresh(Assessment, aid)).content["key_work"] == "自动保存的文字"
    stale = web.post("/my/autosave", report_form(aid, "autosave", draft_version=version))
    assert stale.status_code == 409
    assert stale.get_json()["error"] == "stale_draft"
    assert stale.get_json()["draft_version"] == int(version) + 1
    bad = web.post("/my/autosave", report_form(aid, "autosave", de="abc"))
    assert bad.status_code == 422 and bad.get_json()["fields"] == {"self_scores.de": "请输入数字。"}


@pytest.mark.parametrize(("who", "status"), [("a2", 404), ("sup_a", 404)])
def test_autosave_into_another_assessment_is_refused(auth, world, create_cycle, who, status):
    create_cycle()
    web = auth.user(who)
    resp = web.post("/my/autosave", report_form(_aid(world.a1), "autosave", key_work="篡改"))
    assert resp.status_code == status
    assert current_report(db.session.get(Assessment, _aid(world.a1))).content.get(
        "key_work", "") == ""


def test_autosave_needs_the_csrf_token(a1_page):
    web, aid = a1_page
    resp = web.post("/my/autosave", report_form(aid, "autosave"), csrf=False)
    assert resp.status_code == 400


def test_after_send_back_the_cadre_sees_comment_and_changes(auth, world, create_cycle):
    create_cycle()
    a = db.session.get(Assessment, _aid(world.a1))
    save_report(a, world.a1, FULL_REPORT)
    fire_event(a, "submit", world.a1)
    fire_event(a, "send_back", world.sup_a, comment="请补充垃圾分类工作")
    db.session.commit()
    web = auth.user("a1")
    page = _text(web.get("/my"))
    assert "您的报告已被退回" in page and "请补充垃圾分类工作" in page
    changed = dict(FULL_REPORT, least_satisfied="垃圾分类宣传覆盖不足，已补充入户宣传")
    web.post("/my", report_form(a.id, "save", content=changed))
    page = _text(web.get("/my"))
    box = page[page.index('class="compare-box"'):]
    assert "被退回的版本（第 1 版）" in box and "当前草稿" in box
    assert "<ins>，已补充入户宣传</ins>" in box and "有 1 处修改。" in box
    assert box.count('class="badge-changed"') == 1


def test_api_draft_version_guards_the_report(api, world, create_cycle):
    create_cycle()
    a1 = api.as_user("a1")
    aid = _aid(world.a1)
    version = a1.get(f"/assessments/{aid}").get_json()["report"]["draft_version"]
    first = a1.put(f"/assessments/{aid}/report",
                   json={"content": {"key_work": "甲"}, "draft_version": version})
    assert first.status_code == 200
    assert first.get_json()["report"]["draft_version"] == version + 1
    stale = a1.put(f"/assessments/{aid}/report",
                   json={"content": {"key_work": "乙"}, "draft_version": version})
    assert stale.status_code == 409 and stale.get_json()["error"] == "stale_draft"
    bad = a1.put(f"/assessments/{aid}/report", json={"content": {}, "draft_version": "x"})
    assert bad.status_code == 422
    assert a1.put(f"/assessments/{aid}/report", json={"content": {"key_work": "丙"}}
                  ).status_code == 200  # without a draft version: the last save wins

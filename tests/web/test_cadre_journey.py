"""The cadre's everyday journey without a wrong turn (issue 11, cadre items 1-8): no false
"changed elsewhere" after a refused submit, text over a limit refused whole, required
fields marked and listed at the top, two open quarters earliest first, the dashboard's
buttons, objections offered where the notice says so and not after their period."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import CONFIRMED, FULL_REPORT
from tests.test_disputes import published  # noqa: F401  (fixture)
from tests.web.conftest import report_form
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.report import INDICATOR_FIELDS
from workflow_app.assessments.services import current_report, fire_event, save_report
from workflow_app.extensions import db
from workflow_app.limits import REPORT_TEXT


def _text(resp):
    return resp.get_data(as_text=True)


def _aids(cadre):
    return db.session.scalars(select(Assessment.id).where(Assessment.cadre_id == cadre.id)
                              .order_by(Assessment.id)).all()


def _draft(html):
    return re.search(r'name="draft_version" type="hidden" value="(\d+)"', html).group(1)


@pytest.fixture
def a1_page(auth, world, create_cycle):
    create_cycle()
    auth.login("a1")
    return auth.main, _aids(world.a1)[0]


# --- item 1: a refused submit moves the draft's version; the form goes on from it -----

@pytest.mark.parametrize("then", ["save", "autosave"])
def test_saving_after_a_refused_submit_is_no_conflict(a1_page, fresh, then):
    web, aid = a1_page
    web.post("/my", report_form(aid, "save"))  # a draft exists: its version is 1
    version = _draft(_text(web.get("/my")))
    refused = web.post("/my", report_form(aid, "submit", key_work="", draft_version=version))
    html = _text(refused)
    assert refused.status_code == 422 and "草稿已保存，但报告尚未提交。" in html
    assert int(_draft(html)) > int(version)  # the version the refused submit wrote
    again = report_form(aid, then, key_work="补上了重点工作", draft_version=_draft(html))
    resp = web.post("/my/autosave" if then == "autosave" else "/my", again)
    assert resp.status_code in (200, 302)
    assert "其他窗口" not in _text(resp)
    assert current_report(fresh(Assessment, aid)).content["key_work"] == "补上了重点工作"


# --- item 2: over a limit, refused with the limit and the count, nothing cut ------------

REPORT_LIMITS = [(name, REPORT_TEXT) for name in (
    "key_work", "indicator_progress", "most_satisfied", "least_satisfied",
    "self_evaluation")] + [(f"indicators-0-{name}", n) for name, n in INDICATOR_FIELDS.items()]


def test_no_report_field_cuts_what_is_typed(a1_page):
    web, _aid = a1_page
    html = _text(web.get("/my"))
    start = html.index('id="report-form"')
    form = html[start:html.index("</form>", start)]
    assert "maxlength" not in form  # a browser would cut a paste at it without a word
    for name, limit in REPORT_LIMITS:
        assert re.search(rf'data-limit="{limit}"[^>]*name="{name}"', form), name


@pytest.mark.parametrize(("name", "limit"), REPORT_LIMITS)
def test_text_over_its_limit_comes_back_whole_with_the_limit(a1_page, fresh, name, limit):
    web, aid = a1_page
    typed = "长" * limit + "尾巴"
    resp = web.post("/my", report_form(aid, "save", **{name: typed}))
    html = _text(resp)
    assert resp.status_code == 422
    assert typed in html
    said = f"内容过长：最多 {limit} 字，现有 {limit + 2} 字。已填写的内容没有删减，请精简后再保存。"
    assert said in html
    assert not current_report(fresh(Assessment, aid)).content  # nothing half-saved


# --- item 3: required markers, the summary at the top, boxes wide enough ---------------

def test_indicator_rows_mark_their_required_fields(a1_page):
    web, _aid = a1_page
    html = _text(web.get("/my"))
    for name, label in (("name", "指标"), ("target", "目标任务"), ("actual", "完成情况")):
        assert (f'<label for="indicators-0-{name}">{label} <span class="req" aria-hidden="true">'
                f'*</span></label>') in html
    assert '<label for="indicators-0-evidence_note">佐证材料</label>' in html  # optional
    assert re.search(r'<textarea[^>]*name="indicators-0-target"', html)  # room for a sentence


def test_a_refused_submit_lists_each_field_at_the_top_with_a_link(a1_page):
    web, aid = a1_page
    resp = web.post("/my", report_form(aid, "submit", key_work="", lian="",
                                       **{"indicators-0-actual": ""}))
    html = _text(resp)
    summary = html[html.index('class="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert html.index('class="error-summary"') < html.index('class="card summary"')
    links = re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary)
    assert links == [("key_work", "本季度完成的重点工作: 此项为必填项。"),
                     ("indicators-0-actual", "指标 1 · 完成情况: 此项为必填项。"),
                     ("lian", "廉: 此项为必填项。")]
    for anchor, _label in links:
        assert f'id="{anchor}"' in html


# --- item 4: two open quarters, the nearer deadline first -------------------------------

def _two_open(world, create_cycle, clock):
    create_cycle(name="2026年第四季度平时考核", quarter=4,
                 opens_at=(clock.now - timedelta(hours=1)).isoformat(),
                 submit_deadline=(clock.now + timedelta(days=20)).isoformat())
    create_cycle(name="2026年第三季度平时考核", quarter=3,
                 opens_at=(clock.now - timedelta(days=30)).isoformat(),
                 submit_deadline=(clock.now + timedelta(days=7)).isoformat())
    return _aids(world.a1)  # [Q4, Q3]


def test_two_open_quarters_show_both_earliest_deadline_first(auth, world, create_cycle, clock):
    q4, q3 = _two_open(world, create_cycle, clock)
    auth.login("a1")
    html = _text(auth.main.get("/my"))
    assert f'name="assessment_id" type="hidden" value="{q3}"' in html  # the nearer one
    start = html.index('id="open-assessments"')
    nav = html[start:html.index("</nav>", start)]
    assert "您有 2 份报告待填写" in nav
    assert nav.index("第三季度") < nav.index("第四季度")
    assert f'href="/my?assessment={q4}"' in nav
    dash = _text(auth.main.get("/dashboard"))
    assert dash.index("2026年第三季度") < dash.index("2026年第四季度")


# --- item 5: the dashboard's buttons say what they do; the deadline is always there ----

def test_dashboard_buttons_and_deadlines_follow_the_state(auth, world, create_cycle):
    create_cycle()
    a1 = db.session.get(Assessment, _aids(world.a1)[0])
    save_report(a1, world.a1, FULL_REPORT)
    fire_event(a1, "submit", world.a1)
    db.session.commit()
    submitted = _text(auth.user("a1").get("/dashboard"))
    drafting = _text(auth.user("a2").get("/dashboard"))
    for html in (submitted, drafting):
        mine = html[html.index('id="dash-mine"'):html.index("</section>")]
        assert ">进行中</a>" not in mine  # the cycle's status is not a button label
        assert "2026-04-15 17:00" in mine and "<td data-label=\"截止时间\">—" not in mine
    assert re.search(r'class="button primary" href="/my\?assessment=\d+">填写报告</a>', drafting)
    assert re.search(r'class="button" href="/my\?assessment=\d+">查看</a>', submitted)


def test_a_filed_result_reads_filed_on_the_dashboard(published, auth, clock):  # noqa: F811
    cycle, _ids = published
    clock.advance(days=10)
    auth.user("admin").post(f"/admin/cycles/{cycle.id}/grading/finalize", CONFIRMED)
    html = _text(auth.user("a1").get("/dashboard"))
    mine = html[html.index('id="dash-mine"'):html.index("</section>")]
    assert "已全部备案，可归档" in mine and "查看</a>" in mine and "2026-04-15 17:00" in mine


# --- item 6: the objection where the notice is; a closed period said before the form ---

def test_publication_page_offers_the_cadres_objection(published, auth, clock):  # noqa: F811
    cycle, ids = published
    a1 = auth.user("a1")
    page = _text(a1.get(f"/cycles/{cycle.id}/publication"))
    assert re.search(rf'id="raise-dispute" href="/assessments/{ids["a1"]}/objections/dispute"',
                     page)
    assert "受理截止：" in page
    clock.advance(days=10)  # the 公示 is over
    page = _text(a1.get(f"/cycles/{cycle.id}/publication"))
    assert 'id="raise-dispute"' not in page and "公示期已结束，不再受理异议。" in page


def test_an_appeal_past_its_period_is_not_offered(published, auth, clock):  # noqa: F811
    cycle, ids = published
    clock.advance(days=10)
    auth.user("admin").post(f"/admin/cycles/{cycle.id}/grading/finalize", CONFIRMED)
    a1 = auth.user("a1")
    assert 'id="raise-appeal"' in _text(a1.get(f"/assessments/{ids['a1']}"))
    clock.advance(days=40)
    page = _text(a1.get(f"/assessments/{ids['a1']}"))
    assert 'id="raise-appeal"' not in page and 'id="closed-appeal"' in page
    assert "申诉期限已过。" in page
    form = a1.get(f"/assessments/{ids['a1']}/objections/appeal")
    assert form.status_code == 409 and "申诉期限已过。" in _text(form)
    assert 'id="objection-form"' not in _text(form)  # nothing to fill in in vain


# --- item 7: the sent-back comparison starts closed (the script opens it when wide) ----

def test_sent_back_comparison_starts_closed(auth, world, create_cycle):
    create_cycle()
    a = db.session.get(Assessment, _aids(world.a1)[0])
    save_report(a, world.a1, FULL_REPORT)
    fire_event(a, "submit", world.a1)
    fire_event(a, "send_back", world.sup_a, comment="请补充")
    save_report(a, world.a1, dict(FULL_REPORT, key_work="改过的重点工作"))
    db.session.commit()
    html = _text(auth.user("a1").get("/my"))
    assert '<details class="compare-box" data-open-wide>' in html
    assert "与被退回的版本对照 <span class=\"meta\">(有 1 处修改。)</span>" in html

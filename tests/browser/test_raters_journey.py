"""Raters, surveys and colleagues' objections in Chromium at 1280×800 and 375×812
(issue 11, items 15 and 6): the org_admin gives a rating round its closing date; a rater
finds the task with that date from the menu and rates; the org_admin opens the surveys
list from the menu; a colleague objects from the 公示 page. Screenshots:
test-output/screenshots/raters-NN-….png. Waits on conditions only."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.helpers import BROWSER, PHONE, expect_flash, fits_the_screen, login, shot
from tests.factories import exclude_unfinished
from tests.test_grading import _grade
from workflow_app.assessments.models import Assessment
from workflow_app.extensions import db
from workflow_app.scoring.ratings import assign_raters
from workflow_app.scoring.ratings_rounds import set_round_deadline
from workflow_app.scoring.services import publish_cycle
from workflow_app.surveys.services import answer_survey, create_survey, issue_tokens

pytestmark = BROWSER
DESK = {"width": 1280, "height": 800}
SIZES = [pytest.param(DESK, id="1280x800"), pytest.param(PHONE, id="375x812")]
LAST_DAY = "2026-04-17"


def _size(viewport):
    return f"{viewport['width']}x{viewport['height']}"


def _page(browser, viewport):
    return browser.new_context(viewport=viewport, locale="zh-CN").new_page()


def _a1(world):
    return db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users["a1"].id))


def _raters(deadline=None):
    """a2 and a3 (peers) are asked to rate a1; the round closes on `deadline`."""
    def setup(world):
        a = _a1(world)
        assign_raters(a, world.admin, [(world.users["a2"], "peer"), (world.users["a3"], "peer")])
        if deadline:
            set_round_deadline(a, world.admin, deadline)
        return a.id
    return setup


@pytest.mark.parametrize("viewport", SIZES)
def test_org_admin_gives_the_round_its_closing_date(browser, live, viewport):
    aid = live.run(_raters())
    page = _page(browser, viewport)
    login(page, live.url, "admin")
    page.goto(f"{live.url}/assessments/{aid}")
    page.locator("#rating-links").get_by_role("link", name="民主测评评价人").click()
    page.fill("#closes_on", LAST_DAY)
    page.get_by_role("button", name="保存截止日期").click()
    expect_flash(page, "截止日期已保存。")
    expect(page.locator("#closes")).to_contain_text("截止 4月17日")
    assert fits_the_screen(page)
    shot(page, f"raters-01-closing-date-{_size(viewport)}")


@pytest.mark.parametrize("viewport", SIZES)
def test_rater_finds_the_task_and_its_closing_date_in_the_menu_and_rates(browser, live,
                                                                         viewport):
    aid = live.run(_raters(LAST_DAY))
    page = _page(browser, viewport)
    login(page, live.url, "a2")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="我的评价任务").click()
    row = page.locator(f"#task-{aid}")
    expect(row).to_contain_text("截止 4月17日")
    assert fits_the_screen(page)
    shot(page, f"raters-02-tasks-{_size(viewport)}")
    row.get_by_role("link", name="评价 a1").click()
    expect(page.locator("#closes")).to_contain_text("截止 4月17日")
    for field, value in zip(("de", "neng", "qin", "ji", "lian"), ("90", "88", "92", "85", "95"),
                            strict=True):
        page.fill(f"#{field}", value)
    page.get_by_role("button", name="提交评价").click()
    expect_flash(page, "谢谢，您的评价已记录。")
    expect(page.locator(f"#task-{aid}")).to_contain_text("已评价")
    shot(page, f"raters-03-rated-{_size(viewport)}")


def _survey(world):
    """a1's survey: 8 links, 5 answered (one released batch)."""
    a = _a1(world)
    survey = create_survey(a, world.admin)
    for token in [t.token for t in issue_tokens(survey, world.admin, 8)][:5]:
        answer_survey(token, {"choice": "satisfied"})
    return a.id


@pytest.mark.parametrize("viewport", SIZES)
def test_org_admin_opens_the_surveys_list_from_the_menu(browser, live, viewport):
    aid = live.run(_survey)
    page = _page(browser, viewport)
    login(page, live.url, "admin")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="满意度测评").click()
    row = page.locator(f"#survey-{aid}")
    expect(row).to_contain_text("进行中")
    expect(row).to_contain_text("至少 5")
    assert fits_the_screen(page)
    shot(page, f"raters-04-surveys-{_size(viewport)}")
    row.get_by_role("link", name="查看调查 a1").click()
    expect(page.locator("h1")).to_contain_text("群众满意度调查")
    shot(page, f"raters-05-survey-{_size(viewport)}")


def _published(world):
    """东街社区 graded and in 公示 (b1 and sup_a do not take part this quarter)."""
    cycle = _a1(world).cycle
    _grade(world, cycle, {"a1": 95, "a2": 85, "a3": 70})
    exclude_unfinished(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    return cycle.id, _a1(world).id


@pytest.mark.parametrize("viewport", SIZES)
def test_colleague_objects_from_the_publication_page(browser, live, viewport):
    cycle_id, aid = live.run(_published)
    page = _page(browser, viewport)
    login(page, live.url, "a2")
    page.get_by_role("link", name="本单位公示名单").click()
    expect(page).to_have_url(re.compile(rf"/cycles/{cycle_id}/publication$"))
    expect(page.locator(f"#raise-dispute-{aid}")).to_be_visible()
    assert fits_the_screen(page)
    shot(page, f"raters-06-publication-{_size(viewport)}")
    page.get_by_role("link", name="提出异议 a1").click()
    page.fill("#reason", "a1 的防汛值守天数与排班表不符")
    page.locator("#objection-form").get_by_role("button", name="提出异议").click()
    expect_flash(page, "异议已提交组织部。")
    expect(page).to_have_url(re.compile(rf"/cycles/{cycle_id}/publication$"))
    expect(page.locator(f"#raise-dispute-{aid}")).to_have_count(0)
    shot(page, f"raters-07-objection-sent-{_size(viewport)}")

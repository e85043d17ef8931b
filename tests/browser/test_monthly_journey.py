"""A month's self-evaluation in Chromium (issue 14): 汶上县's community worker fills the
月度自评量化赋分表 (the month's work and five self-scores, nothing of the quarter's
report), 两委会 → 社区党委书记 → 包社区领导干部 approve it, the organisation department
grades the month and files it at once (no 公示), and the worker reads the month's score.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, DESK, PHONE, expect_flash, login, logout, shot
from tests.factories import cycle_data, exclude_unfinished
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.services import create_cycle, open_cycle
from workflow_app.extensions import db

pytestmark = BROWSER


@pytest.fixture
def live(live_any):
    """This journey runs on SQLite and on PostgreSQL (issue 14: both databases)."""
    return live_any
SCORES = {"de": "92", "neng": "88", "qin": "95", "ji": "90", "lian": "96"}


def _month_opened(world):
    """March's monthly self-evaluation for 东街社区, opened (beside the open quarter)."""
    from workflow_app.assessments.models import Assessment

    data = cycle_data(world, _Clock(), name="2026年3月社区工作者月度自评", kind="monthly",
                      quarter=None, month=3, workflow="community_monthly")
    data.pop("publicity_days")
    cycle = create_cycle(world.users["admin"], data, [world.units["东街社区"]])
    open_cycle(cycle, world.users["admin"])
    db.session.flush()
    aid = db.session.scalar(db.select(Assessment.id).where(
        Assessment.cycle_id == cycle.id, Assessment.cadre_id == world.users["a1"].id))
    return cycle.id, aid


class _Clock:
    """The browser app's fixed moment (tests/browser/conftest.py FixedClock)."""

    @property
    def now(self):
        from flask import current_app

        return current_app.config["CLOCK"]()


def _approve_as(browser, live, viewport, username, aid, score=None):
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    login(page, live.url, username)
    page.goto(f"{live.url}/assessments/{aid}")
    expect(page.locator("#report h2")).to_contain_text("月度自评量化赋分表")
    if score is not None:  # the two committees vote, with the month's score
        page.check("input[name='vote-decision'][value='approve']")
        page.fill("input[name='vote-score']", score)
        page.click("#vote-form button[type=submit]")
    else:
        page.click("form.decision-approve button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator(".flashes")).to_be_visible()
    page.context.close()


def test_a_month_through_the_three_level_review(browser, live):
    cycle_id, aid = live.run(_month_opened)

    cadre = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    login(cadre, live.url, "a1")
    cadre.goto(f"{live.url}/my?assessment={aid}")
    form = cadre.locator("#report-form")
    expect(cadre.locator("section.card h2", has_text="月度自评量化赋分表")).to_be_visible()
    expect(form.locator("#indicators")).to_have_count(0)  # the quarter's parts are not asked
    expect(form.locator("#most_satisfied")).to_have_count(0)
    cadre.fill("#de", "92")
    cadre.click("#report-form button[value=submit]")
    expect(cadre.locator(".error-summary")).to_contain_text("本月完成的工作")
    expect(cadre.locator("#de")).to_have_value("92")  # what was typed stays
    shot(cadre, "monthly-01-refused-keeps-what-was-typed")
    cadre.fill("#key_work", "本月走访网格住户 86 户，调解邻里纠纷 2 起")
    for dim, value in SCORES.items():
        cadre.fill(f"#{dim}", value)
    cadre.click("#report-form button[value=submit]")
    expect_flash(cadre, "报告已提交审核。")
    expect(cadre.locator("#self-score-total")).to_contain_text("92.2")
    shot(cadre, "monthly-02-submitted")

    _approve_as(browser, live, DESK, "com_a1", aid, score="91")   # 两委会
    _approve_as(browser, live, DESK, "sec_a", aid)                # 社区党委书记
    _approve_as(browser, live, PHONE, "sup_a", aid)               # 包社区领导干部

    # a2 and a3 are away this month: filing waits for everyone of the cycle.
    live.run(lambda world: exclude_unfinished(db.session.get(Cycle, cycle_id),
                                              world.users["admin"], reason="本月借调外单位"))
    admin = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    login(admin, live.url, "admin")
    admin.goto(f"{live.url}/admin/cycles/{cycle_id}/grading")
    admin.click("#run-grading button")
    admin.click("#confirm-button")
    expect_flash(admin, "评定完成：1 人已评定")
    expect(admin.locator("#publish button")).to_have_text("本月结果直接备案（不公示）")
    admin.click("#publish button")
    expect(admin.locator("#effects")).to_contain_text("直接备案")
    admin.click("#confirm-button")
    expect_flash(admin, "1 条结果已直接备案")
    shot(admin, "monthly-03-filed-without-publicity")
    logout(admin)

    cadre.goto(f"{live.url}/my?assessment={aid}")
    facts = cadre.locator("section.summary")
    expect(facts).to_contain_text(re.compile(r"好\s*\(91(\.00)?\)"))
    expect(facts).to_contain_text("已备案")
    shot(cadre, "monthly-04-the-months-score")

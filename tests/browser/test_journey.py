"""The main journey in headless Chromium against the app served on a real port.

cadre a1 fills in the report on a phone-sized screen (an indicator row, an evidence
file), saves, logs out and in again, finds everything, submits; supervisor sup_a,
committee member com_a1 and secretary sec_a approve from their queues; the
assessment ends 已审定 with its history. SQLite only: a file database copied from
the migrated template.
"""

import re

from playwright.sync_api import expect

from tests.browser.helpers import (
    BROWSER,
    DESK,
    PHONE,
    expect_flash,
    fill_report,
    fits_the_screen,
    login,
    logout,
    shot,
)
from tests.factories import FULL_REPORT

pytestmark = BROWSER
PDF = b"%PDF-1.4\n%%EOF\n"


def _cadre_fills_saves_and_submits(page, base):
    login(page, base, "a1")
    expect(page).to_have_url(re.compile(r"/my$"))
    fill_report(page)
    page.set_input_files("#evidence", files=[{"name": "入户台账.pdf", "mimeType":
                                              "application/pdf", "buffer": PDF}])
    page.click("button[value=upload]")
    expect_flash(page, "已添加文件：入户台账.pdf。")
    assert fits_the_screen(page)  # the page must fit a phone: nothing wider than the screen
    shot(page, "cadre-my-report-375x812")
    logout(page)
    login(page, base, "a1")
    expect(page.locator("#key_work")).to_have_value(FULL_REPORT["key_work"])
    expect(page.locator("#lian")).to_have_value("96")
    expect(page.locator("#indicators-0-actual")).to_have_value("1200 户")
    expect(page.locator("#evidence-files")).to_contain_text("入户台账.pdf")
    page.click("button[value=submit]")
    expect_flash(page, "报告已提交")
    expect(page.locator(".summary")).to_contain_text("上级审核")
    logout(page)


def _approve_from_tasks(page, base, username, score=None):
    login(page, base, username)
    page.goto(f"{base}/tasks")
    page.get_by_role("link", name="办理 a1").click()
    page.wait_for_url("**/assessments/**")  # loaded: the count below sees the whole page
    expect(page.locator("#evidence-files")).to_contain_text("入户台账.pdf")
    voting = page.locator("#vote-form").count() > 0  # the two committees vote 同意/不同意/弃权
    form = page.locator("#vote-form" if voting else "form.decision-approve")
    prefix = "vote" if voting else "approve"
    if voting:
        form.locator("input[name='vote-decision'][value='approve']").check()
    if score is not None:
        form.locator(f"input[name='{prefix}-score']").fill(score)
    form.locator(f"textarea[name='{prefix}-comment']").fill(f"{username} 同意")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/tasks")  # nothing else waits: back to the queue, result shown
    expect_flash(page, "a1（" if voting else "已办理：通过（a1，")
    logout(page)


def test_quarterly_journey(browser, live_url):
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    _cadre_fills_saves_and_submits(phone.new_page(), live_url)
    phone.close()

    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    _approve_from_tasks(page, live_url, "sup_a", score="88")
    _approve_from_tasks(page, live_url, "com_a1", score="92")
    _approve_from_tasks(page, live_url, "sec_a")

    login(page, live_url, "a1")
    page.click("text=详情与办理记录")
    expect(page.locator("#state")).to_have_text("已审定")
    timeline = page.locator(".timeline")
    for text in ("启动考核", "填写中 → 上级审核", "上级审核 → 两委会审议",
                 "两委会审议 → 书记审批", "书记审批 → 已审定", "sup_a 同意", "评分 92"):
        expect(timeline).to_contain_text(text)
    shot(page, "assessment-approved-desktop")
    desk.close()

"""The reviewer's journey in Chromium (issue 11, item 9): from a filtered queue, approve
one item after another without going back to the queue; at the end the queue view comes
back, its filter kept, with the result shown. At 1280 px and on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, DESK, PHONE, expect_flash, login, shot
from tests.browser.test_daily_work import _submitted

pytestmark = BROWSER


@pytest.mark.parametrize(("viewport", "size"), [(DESK, "1280x900"), (PHONE, "375x812")])
def test_approve_one_after_another_from_a_filtered_queue(browser, live, viewport, size):
    ids = live.run(_submitted("a1", "a2", "a3"))
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    login(page, live.url, "sup_a")
    page.goto(f"{live.url}/tasks")
    page.select_option("#state", "supervisor_review")
    page.fill("#q", "a")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"/tasks\?.*q=a"))  # the filtered queue, not the one before
    expect(page.locator("[data-item]")).to_have_count(3)
    shot(page, f"reviewer-01-filtered-queue-{size}")
    page.locator(f"a[href^='/assessments/{ids['a1']}?']").click()
    for done, following in (("a1", "a2"), ("a2", "a3")):
        page.fill("input[name='approve-score']", "88")
        page.click("form.decision-approve button[type=submit]")
        page.wait_for_url(f"**/assessments/{ids[following]}?*")
        expect_flash(page, f"已办理：通过（{done}，", f"下一份待办：{following}。")
        assert "state=supervisor_review" in page.url and "q=a" in page.url
        if done == "a1":
            shot(page, f"reviewer-02-next-item-{size}")
    page.fill("input[name='approve-score']", "88")
    page.click("form.decision-approve button[type=submit]")
    page.wait_for_url("**/tasks?*")
    expect_flash(page, "已办理：通过（a3，", "此列表中已没有待您办理的事项。")
    expect(page.locator("#q")).to_have_value("a")
    expect(page.locator("#state")).to_have_value("supervisor_review")
    shot(page, f"reviewer-03-back-to-the-queue-{size}")

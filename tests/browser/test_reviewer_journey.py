"""The reviewer's journey in Chromium (issue 11, item 9): from a filtered queue, approve
one item after another without going back to the queue; at the end the queue view comes
back, its filter kept, with the result shown. At 1280 px and on a phone."""

import pytest

from tests.browser.helpers import BROWSER, DESK, PHONE, flashes, login, shot
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
    assert page.locator("[data-item]").count() == 3
    shot(page, f"reviewer-01-filtered-queue-{size}")
    page.locator(f"a[href^='/assessments/{ids['a1']}?']").click()
    for done, following in (("a1", "a2"), ("a2", "a3")):
        page.fill("input[name='approve-score']", "88")
        page.click("form.decision-approve button[type=submit]")
        page.wait_for_url(f"**/assessments/{ids[following]}?*")
        said = flashes(page)
        assert f"已办理：通过（{done}，" in said and f"下一份待办：{following}。" in said
        assert "state=supervisor_review" in page.url and "q=a" in page.url
        if done == "a1":
            shot(page, f"reviewer-02-next-item-{size}")
    page.fill("input[name='approve-score']", "88")
    page.click("form.decision-approve button[type=submit]")
    page.wait_for_url("**/tasks?*")
    said = flashes(page)
    assert "已办理：通过（a3，" in said and "此列表中已没有待您办理的事项。" in said
    assert page.input_value("#q") == "a" and page.input_value("#state") == "supervisor_review"
    shot(page, f"reviewer-03-back-to-the-queue-{size}")

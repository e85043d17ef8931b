"""Two everyday journeys of the org_admin in headless Chromium, on a desk screen (1280×800)
and a phone (375×812):

- the workflow diagrams fit their box: each drawing no wider than its container, the page
  never scrolls sideways;
- on the working calendar (legend, today, due dates marked), marking the cycle's deadline
  day (15 April) as 休息日 brings a warning naming the cycle and its deadline; one click
  moves the deadline to the next working day, and the cadres are told.

The live server's clock says 1 April 2026; its open cycle is due 15 April 17:00. SQLite.
The screenshot of the diagram on the code before this change is
diagcal-before-diagram.png (taken once, by hand, on the earlier commit).
"""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, PHONE, expect_flash, fits_the_screen, login, shot
from workflows.registry import all_workflows

pytestmark = BROWSER

SCREENS = {"desk": {"width": 1280, "height": 800}, "phone": PHONE}


def _diagrams_fit(page):
    """[(drawing width, container width)] of every workflow drawing on the page."""
    return page.evaluate(
        "[...document.querySelectorAll('.diagram')].map(d => "
        "[d.querySelector('svg').getBoundingClientRect().width, d.clientWidth, "
        "d.scrollWidth])")


@pytest.mark.parametrize("screen", SCREENS)
def test_admin_reads_the_diagram_and_moves_a_deadline_off_a_day_off(live, browser, screen):
    base, page = live.url, browser.new_page(viewport=SCREENS[screen])
    login(page, base, "admin")
    page.goto(f"{base}/admin/workflows")
    sizes = _diagrams_fit(page)
    assert len(sizes) == len(all_workflows())  # every version drawn (10 with the monthly one)
    for drawing, box, scrolled in sizes:
        assert 0 < drawing <= box and scrolled <= box
    assert fits_the_screen(page)
    expect(page.locator("#workflow-quarterly-v3 svg")).to_contain_text("报告已填写完整且在填报期内")
    page.locator("#workflow-quarterly-v3").scroll_into_view_if_needed()
    shot(page, f"diagcal-01-diagram-{screen}")

    page.goto(f"{base}/admin/calendar?year=2026")
    expect(page.locator("ul.legend")).to_contain_text("调休上班")
    expect(page.locator("td.today")).to_have_attribute("data-day", "2026-04-01")
    expect(page.locator("td.due[data-day='2026-04-15']")).to_have_count(1)
    assert page.locator("#due-on-days-off").count() == 0
    assert fits_the_screen(page)
    shot(page, f"diagcal-02-calendar-legend-{screen}")

    page.fill("#day", "2026-04-15")
    page.select_option("#kind", "holiday")
    page.fill("#note", "本县防汛放假")
    page.click("form[action^='/admin/calendar'] button.primary")
    page.wait_for_load_state()
    warning = page.locator("#due-on-days-off")
    expect(warning).to_contain_text("2026年第一季度平时考核")
    expect(warning).to_contain_text("实绩报告提交截止 2026-04-15 17:00")
    expect_flash(page, "有1个截止时间落在2026-04-15")
    assert fits_the_screen(page)
    shot(page, f"diagcal-03-warning-{screen}")

    warning.get_by_role("button", name="顺延至2026-04-16").click()
    page.wait_for_load_state()
    expect_flash(page, "已由2026-04-15 17:00顺延至2026-04-16 17:00，已通知5人")
    expect(page.locator("#due-on-days-off")).to_have_count(0)
    expect(page.locator("td.due[data-day='2026-04-16']")).to_have_count(1)
    expect(page.locator("td.due[data-day='2026-04-15']")).to_have_count(0)
    expect(page.locator("#due-dates")).to_contain_text("2026-04-16 17:00")
    shot(page, f"diagcal-04-moved-{screen}")

"""Indicator sheets in headless Chromium: the admin builds the 社区 sheet from the defaults
(a wrong weight is refused with everything kept), a new cycle opens with it, and cadre a1
finds the indicator rows already in the report on a phone."""

from datetime import UTC, datetime
from types import SimpleNamespace

from playwright.sync_api import expect

from tests.browser.helpers import (
    BROWSER,
    DESK,
    PHONE,
    expect_flash,
    fits_the_screen,
    login,
    logout,
    shot,
)
from tests.factories import cycle_data

pytestmark = BROWSER


def _open_second_quarter(world):
    from workflow_app.cycles.services import create_cycle, open_cycle

    clock = SimpleNamespace(now=datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
    data = cycle_data(world, clock, quarter=2, name="2026年第二季度平时考核")
    cycle = create_cycle(world.users["admin"], data, [world.units["城关镇"]])
    open_cycle(cycle, world.users["admin"])
    return cycle.id


def test_admin_builds_a_sheet_and_the_cadre_reports_against_it(live, browser):
    page = browser.new_page(viewport=DESK)
    login(page, live.url, "admin")
    page.goto(f"{live.url}/admin")
    page.click("a[href='/admin/indicators']")
    page.click("a[href='/admin/indicators/new']")
    page.select_option("#category", "社区")
    expect(page.locator("#items-0-name")).to_have_value("党的建设成效")  # defaults from the sources
    page.fill("#items-0-weight", "25")
    page.click("button[value=save]")
    expect(page.locator(".error-summary")).to_contain_text("共性指标和个性指标的权重合计为 95")
    expect(page.locator("#items-0-weight")).to_have_value("25")  # kept as typed
    shot(page, "indicator-sheet-refused-1280")
    page.fill("#items-0-weight", "30")
    page.click("button[value=save]")
    expect_flash(page, "考核指标表已保存")
    logout(page)

    live.run(_open_second_quarter)
    phone = browser.new_page(viewport=PHONE)
    login(phone, live.url, "a1")
    phone.goto(f"{live.url}/my")
    # Two quarters open with the same deadline (issue 11: every open one is listed).
    phone.click("#open-assessments a:has-text('2026年第二季度平时考核')")
    # (the first quarter's report has these fields too: wait for the second's values)
    for n, name in enumerate(["党的建设成效", "满意度评价", "高质量发展绩效"]):
        expect(phone.locator(f"#indicators-{n}-name")).to_have_value(name)
    expect(phone.locator("#indicators-0-actual")).to_have_value("")  # the cadre fills it in
    assert fits_the_screen(phone)
    shot(phone, "cadre-report-prefilled-375x812")

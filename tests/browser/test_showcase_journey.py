"""业绩晾晒 in headless Chromium: 东街社区's secretary opens the 星级榜 from the menu, records
4 stars for a1 on 任务目标完成情况 and a 减星 for a notice of criticism (a 减星 without a
reason is refused beside its field, the typed choice kept); a2, a member of the unit,
sees 3 stars with the 减星 and its reason and no recording forms; the 周通报 is opened,
printed (print media) and downloaded as PDF and XLSX; b1 of 西街社区 is refused.

On SQLite and on PostgreSQL.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, DESK, expect_flash, login, logout, shot

pytestmark = BROWSER


@pytest.fixture
def live(live_any):
    """This journey runs on SQLite and on PostgreSQL (issue 14: both databases)."""
    return live_any
ROW = "#row-person-{id}"


def _ids(live):
    return live.run(lambda w: {"unit": w.units["东街社区"].id, "a1": w.users["a1"].id})


def _secretary_records(page, base):
    login(page, base, "sec_a")
    page.click("nav a:text('业绩晾晒')")
    page.click("a:text('东街社区')")
    expect(page.locator("h1")).to_contain_text("东街社区 · 星级榜 · 2026年4月")
    page.select_option("#stars-subject", label="a1")
    page.select_option("#stars-dimension", label="任务目标完成情况")
    page.select_option("#stars-stars", "4")
    page.fill("#stars-note", "完成一季度招商目标")
    page.click("#record-stars button[type=submit]")
    expect_flash(page, "已记星")
    # A 减星 without its reason: refused beside the field, the choices kept.
    page.select_option("#deduct-subject", label="a1")
    page.select_option("#deduct-dimension", label="任务目标完成情况")
    page.select_option("#deduct-kind", label="通报批评")
    page.click("#deduct-stars button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("#deduct-stars .field.has-error")).to_contain_text("此项为必填项")
    expect(page.locator("#deduct-kind")).to_have_value("criticism")
    page.fill("#deduct-reason", "信息报送迟报被县委通报批评")
    page.click("#deduct-stars button[type=submit]")
    expect_flash(page, "已减星")


def _member_sees(page, base, ids):
    login(page, base, "a2")
    page.goto(f"{base}/showcase")
    page.click("a:text('东街社区')")
    row = page.locator(ROW.format(id=ids["a1"]))
    expect(row.locator(".dim-tasks [role=img]")).to_have_attribute("aria-label", "3/5 星")
    expect(row.locator(".dim-tasks")).to_contain_text("（减1星）")
    expect(page.locator("table.deductions")).to_contain_text("信息报送迟报被县委通报批评")
    expect(page.locator("#record-stars")).to_have_count(0)
    shot(page, "showcase-board-member")


def _bulletin(page):
    page.click("#open-bulletin")
    expect(page.locator("h1")).to_contain_text("东街社区业绩晾晒周通报")
    expect(page.locator("table.week-lines")).to_contain_text("+4 星")
    expect(page.locator("table.week-lines")).to_contain_text("通报批评：信息报送迟报被县委通报批评")
    with page.expect_download() as got:
        page.click("#bulletin-pdf")
    assert got.value.path().read_bytes().startswith(b"%PDF")
    assert got.value.suggested_filename.endswith("2026-W14.pdf")
    with page.expect_download() as got:
        page.click("#bulletin-xlsx")
    assert got.value.path().read_bytes().startswith(b"PK")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("button[data-print]")).to_be_hidden()
    shot(page, "showcase-bulletin-print")
    page.emulate_media(media="screen")


def test_showcase_journey(browser, live):
    ids = _ids(live)
    context = browser.new_context(viewport=DESK, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    _secretary_records(page, live.url)
    shot(page, "showcase-board-secretary")
    logout(page)
    _member_sees(page, live.url, ids)
    _bulletin(page)
    logout(page)
    login(page, live.url, "b1")
    response = page.goto(f"{live.url}/showcase/{ids['unit']}/2026-04")
    assert response.status == 403
    context.close()

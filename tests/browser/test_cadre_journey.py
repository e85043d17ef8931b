"""The cadre's journey in Chromium at 1280×800 and 375×812 (issue 11, cadre items 1-8):
a refused submit then saving without a false conflict, the counter near a limit, the
summary at the top, the sent-back comparison on a phone, a too-large file without
script. Screenshots: test-output/screenshots/cadre-NN-….png. Waits on conditions only."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.helpers import (
    BROWSER,
    PHONE,
    expect_flash,
    fill_report,
    fits_the_screen,
    login,
    shot,
    wait_autosaved,
)
from tests.factories import FULL_REPORT
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db

pytestmark = BROWSER
DESK = {"width": 1280, "height": 800}
SIZES = [pytest.param(DESK, id="1280x800"), pytest.param(PHONE, id="375x812")]


def _size(viewport):
    return f"{viewport['width']}x{viewport['height']}"


def _page(browser, viewport, **options):
    return browser.new_context(viewport=viewport, locale="zh-CN", **options).new_page()


@pytest.mark.parametrize("viewport", SIZES)
def test_refused_submit_then_save_is_no_conflict(browser, live, viewport):
    page = _page(browser, viewport)
    login(page, live.url, "a1")
    fill_report(page)
    page.fill("#key_work", "")
    page.fill("#indicators-0-actual", "")
    page.click("button[value=submit]")
    expect_flash(page, "草稿已保存，但报告尚未提交。")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert summary.bounding_box()["y"] < page.locator("#report-form").bounding_box()["y"]
    expect(summary).to_contain_text("指标 1 · 完成情况: 此项为必填项。")
    shot(page, f"cadre-01-refused-submit-summary-{_size(viewport)}")
    summary.locator("a[href='#indicators-0-actual']").click()
    expect(page.locator("#indicators-0-actual")).to_be_in_viewport()
    page.fill("#indicators-0-actual", "完成 1200 户")
    page.fill("#key_work", "补上重点工作：入户走访 30 户")  # the script saves this …
    wait_autosaved(page)
    page.click("button[value=save]")  # … and the button after it: no "changed elsewhere"
    expect_flash(page, "草稿已保存。")
    expect(page.locator(".flashes")).not_to_contain_text("其他窗口")
    page.click("button[value=submit]")
    expect_flash(page, "报告已提交")


@pytest.mark.parametrize("viewport", SIZES)
def test_counter_near_the_limit_and_nothing_cut(browser, live, viewport):
    page = _page(browser, viewport)
    login(page, live.url, "a1")
    counter = page.locator("#key_work-count")
    expect(counter).to_be_hidden()
    page.fill("#key_work", "字" * 4500)
    expect(counter).to_have_text("已输入 4500 字，上限 5000 字")
    page.fill("#key_work", "字" * 5100)
    expect(counter).to_have_text("超出 5000 字上限 100 字：请精简后再保存（内容没有删减）。")
    expect(page.locator("#key_work")).to_have_value("字" * 5100)  # no maxlength cut the paste
    shot(page, f"cadre-02-counter-over-{_size(viewport)}")
    page.click("button[value=save]")
    expect(page.locator(".error-summary")).to_contain_text("内容过长：最多 5000 字，现有 5100 字。")
    expect(page.locator("#key_work")).to_have_value("字" * 5100)
    assert fits_the_screen(page)
    page.fill("#key_work", "字" * 10001)  # past what any request may carry: the autosave says so
    expect(page.locator("#autosave-status")).to_contain_text("远超字数上限")
    expect(page.locator("#key_work")).to_have_value("字" * 10001)


def _sent_back(world):
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == world.users["a1"].id))
    save_report(a, world.users["a1"], FULL_REPORT)
    fire_event(a, "submit", world.users["a1"])
    fire_event(a, "send_back", world.users["sup_a"], comment="最不满意的工作请写具体措施")
    save_report(a, world.users["a1"], dict(FULL_REPORT, key_work="改写后的重点工作"))


@pytest.mark.parametrize(("viewport", "opened"), [(DESK, True), (PHONE, False)],
                         ids=["1280x800", "375x812"])
def test_sent_back_comparison_is_closed_on_a_phone(browser, live, viewport, opened):
    live.run(_sent_back)
    page = _page(browser, viewport)
    login(page, live.url, "a1")
    box = page.locator("#sent-back .compare-box")
    expect(box).to_have_js_property("open", opened)
    shot(page, f"cadre-07-sent-back-{_size(viewport)}")
    if not opened:  # the form starts within the second screen, not 1,300 px further
        assert page.locator("#report-form").bounding_box()["y"] < 2 * viewport["height"]
        box.locator("summary").click()
        expect(box.locator("table.compare")).to_be_visible()


@pytest.mark.parametrize("viewport", SIZES)
def test_too_large_file_without_script_keeps_the_text(browser, live, viewport):
    live.app.config.update(ATTACHMENT_MAX_BYTES=4000, MAX_CONTENT_LENGTH=5000)
    page = _page(browser, viewport, java_script_enabled=False)
    login(page, live.url, "a1")
    page.fill("#key_work", "没点保存就选了文件")
    page.set_input_files("#evidence", files=[{
        "name": "扫描件.pdf", "mimeType": "application/pdf",
        "buffer": b"%PDF-1.4\n" + b"0" * 20000}])
    page.click("button[value=upload]")
    expect_flash(page, "草稿已保存，但文件未被接受。")
    expect(page.locator("#evidence-files")).to_contain_text("文件过大")
    expect(page.locator("#key_work")).to_have_value("没点保存就选了文件")
    shot(page, f"cadre-08-upload-too-large-nojs-{_size(viewport)}")
    page.goto(f"{live.url}/my")
    expect(page.locator("#key_work")).to_have_value("没点保存就选了文件")  # saved, not only shown

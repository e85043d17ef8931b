"""Results from the UI in headless Chromium: org_admin grades the cycle, settles a tie at
the quota boundary by override (a second lift is refused beside its row), publishes
(公示); cadre a3 disputes with an evidence file; the admin dismisses it; after the
publication period the admin files the results (备案) and exports XLSX and PDF.

The approvals before grading are set up through the services (the review journey is
test_journey.py); everything after that is clicked. SQLite only.
"""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.helpers import BROWSER, DESK, expect_flash, login, logout, shot
from tests.factories import exclude_unfinished
from tests.test_grading import _approve

pytestmark = BROWSER
PDF = b"%PDF-1.4\n%%EOF\n"


def _approved(live):
    """a1 and a2 tie at 95 (the 好 quota of 东街社区 is 1 of 3); a3 80."""
    def setup(world):
        approved = {name: _approve(world, name, score)
                    for name, score in (("a1", 95), ("a2", 95), ("a3", 80))}
        # Publishing waits for the whole cycle: 西街社区's b1 is on leave this quarter.
        exclude_unfinished(approved["a1"].cycle, world.admin)
        return {name: a.id for name, a in approved.items()}
    return live.run(setup)


def _past_quarters(live):
    """a3's 2025 record (final), for the trend chart: 一般 68, 较好 78, 较好 84."""
    from tests.factories import cycle_data
    from workflow_app.assessments.models import Assessment
    from workflow_app.cycles.services import create_cycle, open_cycle
    from workflow_app.extensions import db

    clock = live.app.config["CLOCK"]

    def setup(world):
        for quarter, (grade, score) in enumerate((("一般", 68), ("较好", 78), ("较好", 84)), 2):
            cycle = create_cycle(world.admin, cycle_data(
                world, clock, quarter=quarter, year=2025, name=f"2025年第{quarter}季度"),
                [world.units["东街社区"]])
            open_cycle(cycle, world.admin)
            a = db.session.scalar(select(Assessment).where(
                Assessment.cycle_id == cycle.id, Assessment.cadre_id == world.users["a3"].id))
            a.state, a.grade, a.score = "final", grade, score
            cycle.opens_at = clock.now - timedelta(days=370 - 90 * quarter)  # history
    live.run(setup)


def _cycle_id(live):
    from workflow_app.cycles.models import Cycle
    from workflow_app.extensions import db

    return live.run(lambda world: db.session.scalar(select(Cycle.id).order_by(Cycle.id)))


def _admin_grades_overrides_publishes(page, base, cycle_id, ids):
    login(page, base, "admin")
    page.goto(f"{base}/dashboard")
    page.click(f"#dash-cycle-{cycle_id} >> text=成绩评定与公示")
    page.click("#run-grading button")
    page.wait_for_load_state()
    expect(page.locator("#effects")).to_contain_text("3 份已审定")  # asked first, with counts
    shot(page, "results-grading-confirm-desktop")
    page.click("#confirm-button")
    page.wait_for_load_state()
    expect_flash(page, "评定完成：3 人已评定")
    expect(page.locator("#ties-notice")).to_contain_text("2 人在名额边界同分")
    expect(page.locator(f"#row-{ids['a1']}")).to_contain_text("名额边界同分，待决定")
    shot(page, "results-grading-tie-desktop")

    row = page.locator(f"#row-{ids['a1']}")
    row.locator("select").select_option("好")
    row.locator("textarea").fill("两委会决定：a1 完成重点任务更多")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect_flash(page, "a1：等次已调整为 好。")
    expect(page.locator(f"#row-{ids['a1']} td.grade")).to_contain_text("好")

    row = page.locator(f"#row-{ids['a2']}")
    row.locator("select").select_option("好")
    row.locator("textarea").fill("同分，亦表现突出")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    row = page.locator(f"#row-{ids['a2']}")
    expect(row).to_contain_text("本单位该等次名额已满。")
    expect(row.locator("textarea")).to_have_value("同分，亦表现突出")
    shot(page, "results-override-refused-desktop")

    page.click("#publish button")
    page.wait_for_load_state()
    expect(page.locator("#effects")).to_contain_text("公示 3 份结果")
    page.click("#confirm-button")
    page.wait_for_load_state()
    expect_flash(page, "3 条结果已公示")
    logout(page)


def _cadre_disputes_with_evidence(page, base, aid):
    login(page, base, "a3")
    page.goto(f"{base}/assessments/{aid}")
    page.click("#raise-dispute")
    page.fill("#reason", "漏记了一项重点工作：汛期连续值守 15 天")
    page.set_input_files("#evidence", files=[{"name": "值守记录.pdf",
                                              "mimeType": "application/pdf", "buffer": PDF}])
    shot(page, "results-dispute-form-desktop")
    page.click("#objection-form button[type=submit]")
    page.wait_for_load_state()
    expect_flash(page, "异议已提交组织部。")
    expect(page.locator("#objections")).to_contain_text("值守记录.pdf")
    expect(page.locator("#trend .trend-point")).to_have_count(4)  # 2025 Q2–Q4 and this one
    shot(page, "results-disputed-with-trend-desktop")
    logout(page)


def _admin_dismisses(page, base, cycle_id):
    login(page, base, "admin")
    page.goto(f"{base}/admin/cycles/{cycle_id}/grading")
    page.click("#objections-link")
    expect(page.locator("#open-count")).to_contain_text("待处理：1")
    expect(page.locator(".objection")).to_contain_text("值守记录.pdf")
    with page.expect_download() as got:
        page.click(".objection ul.files a")
    assert got.value.suggested_filename == "值守记录.pdf"
    form = page.locator("form.decision-dismiss")
    form.locator("button[type=submit]").click()  # no reason yet: refused beside the form
    page.wait_for_load_state()
    form = page.locator("form.decision-dismiss")
    expect(form).to_contain_text("此项为必填项")
    form.locator("textarea").fill("经核实，值守已计入加分项，结果无误")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect_flash(page, "已办理：驳回异议。")
    expect(page.locator(".objection")).to_contain_text("已驳回")
    shot(page, "results-objection-dismissed-desktop")


def _finalize_and_export(page, base, live, cycle_id, tmp_path):
    live.app.config["CLOCK"].now += timedelta(days=10)  # the publication period is over
    page.goto(f"{base}/admin/cycles/{cycle_id}/grading")
    page.click("#finalize button")
    page.wait_for_load_state()
    page.click("#confirm-button")
    page.wait_for_load_state()
    expect_flash(page, "3 条结果已备案；0 条待异议处理完毕。")
    shot(page, "results-final-desktop")
    with page.expect_download() as got:
        page.click("text=下载 XLSX（备案用）")
    assert got.value.path().read_bytes().startswith(b"PK")
    page.click("text=公示页面")
    with page.expect_download() as got:
        page.click("#publication-pdf")
    pdf = got.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    with page.expect_download() as got:
        page.click("#publication-xlsx")
    assert got.value.path().read_bytes().startswith(b"PK")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    shot(page, "results-publication-print")


def test_results_journey(browser, live, tmp_path):
    ids = _approved(live)
    _past_quarters(live)
    cycle_id = _cycle_id(live)
    desk = browser.new_context(viewport=DESK, locale="zh-CN", accept_downloads=True)
    page = desk.new_page()
    _admin_grades_overrides_publishes(page, live.url, cycle_id, ids)
    _cadre_disputes_with_evidence(page, live.url, ids["a3"])
    _admin_dismisses(page, live.url, cycle_id)
    _finalize_and_export(page, live.url, live, cycle_id, tmp_path)
    desk.close()

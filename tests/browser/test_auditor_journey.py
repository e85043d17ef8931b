"""The auditor's pages in headless Chromium (issue 10, item 9): the auditor logs in and
lands on their home, filters the log by person and cycle, reads an entry's before →
after, exports the filtered log as XLSX and runs the chain verification.

a1's report is submitted and sent back through the services (the review journey is
test_journey.py); everything the auditor does is clicked. SQLite only.
"""

from io import BytesIO

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.helpers import BROWSER, DESK, expect_flash, login, shot
from tests.factories import FULL_REPORT

pytestmark = BROWSER


def _sent_back(live):
    """a1 submits; the supervisor sends it back with a comment. Returns (cycle, entry)."""
    from workflow_app.assessments.models import Assessment
    from workflow_app.assessments.services import fire_event, save_report
    from workflow_app.extensions import db

    def setup(world):
        a1 = world.users["a1"]
        a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == a1.id))
        save_report(a, a1, FULL_REPORT)
        fire_event(a, "submit", a1)
        entry = fire_event(a, "send_back", world.users["sup_a"], comment="请补充重点工作")
        db.session.flush()
        return a.cycle_id, entry.id
    return live.run(setup)


def test_auditor_journey(browser, live):
    cycle_id, entry_id = _sent_back(live)
    desk = browser.new_context(viewport=DESK, locale="zh-CN", accept_downloads=True)
    page = desk.new_page()
    login(page, live.url, "audit")
    page.wait_for_url("**/audit/")
    expect(page.locator(f"#audit-cycle-{cycle_id}")).to_contain_text("2026年第一季度平时考核")
    shot(page, "auditor-01-home")

    page.click("text=查阅审计日志")
    page.fill("#f-person", "sup_a")
    page.select_option("#f-cycle", str(cycle_id))
    page.click("#log-filter button[type=submit]")
    page.wait_for_url("**person=sup_a**")
    row = page.locator(f"#entry-{entry_id}")
    for text in ("退回", "上级审核 → 填写中", "请补充重点工作"):
        expect(row).to_contain_text(text, use_inner_text=True)  # as shown, cell by cell
    # what sup_a did in the cycle, and their own assessment's opening (sup_a is a cadre too)
    expect(page.locator("#log-total")).to_contain_text("共 2 条记录符合条件")
    shot(page, "auditor-02-log-filtered")

    with page.expect_download() as got:
        page.click("#export-log")
    book = load_workbook(BytesIO(got.value.path().read_bytes()))
    values = [c for r in book.active.iter_rows(values_only=True) for c in r]
    assert "请补充重点工作" in values and got.value.suggested_filename.endswith(".xlsx")

    page.click("text=纪检审计监督")
    page.click("#audit-verify button[type=submit]")
    page.wait_for_url("**/audit/verify")
    expect(page.locator("#verify-intact")).to_be_visible()
    expect_flash(page, "审计日志完好")
    shot(page, "auditor-03-verified")
    page.click("text=纪检审计监督")
    expect(page.locator("#latest-run")).to_contain_text("最近一次核验")
    desk.close()

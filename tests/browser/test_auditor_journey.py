"""The auditor's pages in headless Chromium (issue 10, item 9): the auditor logs in and
lands on their home, filters the log by person and cycle, reads an entry's before →
after, exports the filtered log as XLSX and runs the chain verification.

a1's report is submitted and sent back through the services (the review journey is
test_journey.py); everything the auditor does is clicked. SQLite only.
"""

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from tests.browser.helpers import BROWSER, DESK, flashes, login, shot
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
    assert "2026年第一季度平时考核" in page.inner_text(f"#audit-cycle-{cycle_id}")
    shot(page, "auditor-01-home")

    page.click("text=查阅审计日志")
    page.fill("#f-person", "sup_a")
    page.select_option("#f-cycle", str(cycle_id))
    page.click("#log-filter button[type=submit]")
    page.wait_for_url("**person=sup_a**")
    row = page.locator(f"#entry-{entry_id}")
    assert "退回" in row.inner_text()
    assert "上级审核 → 填写中" in row.inner_text().replace("\n", " ")
    assert "请补充重点工作" in row.inner_text()
    # what sup_a did in the cycle, and their own assessment's opening (sup_a is a cadre too)
    assert "共 2 条记录符合条件" in page.inner_text("#log-total")
    shot(page, "auditor-02-log-filtered")

    with page.expect_download() as got:
        page.click("#export-log")
    book = load_workbook(BytesIO(got.value.path().read_bytes()))
    values = [c for r in book.active.iter_rows(values_only=True) for c in r]
    assert "请补充重点工作" in values and got.value.suggested_filename.endswith(".xlsx")

    page.click("text=纪检审计监督")
    page.click("#audit-verify button[type=submit]")
    page.wait_for_url("**/audit/verify")
    assert page.locator("#verify-intact").is_visible()
    assert "审计日志完好" in flashes(page)
    shot(page, "auditor-03-verified")
    page.click("text=纪检审计监督")
    assert "最近一次核验" in page.inner_text("#latest-run")
    desk.close()

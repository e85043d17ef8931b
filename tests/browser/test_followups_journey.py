"""Follow-up of the last-ranked in headless Chromium: after grading (a3 last of 社区), the
org_admin goes from the grading page to the cycle's follow-up page, opens a reminder talk
(提醒谈话) for a3 from the bottom-ranked list, records when it was held and the problems
found, adds a rectification measure with its owner and due date (first without an owner:
refused beside the field, the text kept), marks it done and closes the follow-up.

Approvals and grading are set up through the services; the follow-up is clicked. SQLite.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, DESK, expect_flash, login, shot

pytestmark = BROWSER


@pytest.fixture
def live(live_any):
    """This journey runs on SQLite and on PostgreSQL (issue 14: both databases)."""
    return live_any
SCORES = {"a1": 92, "b1": 85, "a2": 80, "a3": 70}


def _graded(live):
    from tests.test_followups import approve
    from workflow_app.cycles.models import Cycle
    from workflow_app.extensions import db
    from workflow_app.scoring.services import grade_cycle

    def setup(world):
        cycle = db.session.scalar(db.select(Cycle).order_by(Cycle.id))
        for name, score in SCORES.items():
            approve(world, cycle, name, score)
        grade_cycle(cycle, world.users["admin"])
        return cycle.id, world.users["a3"].id
    return live.run(setup)


def test_admin_follows_up_the_last_ranked_to_closure(live, browser):
    base = live.url
    cycle_id, a3 = _graded(live)
    page = browser.new_page(viewport=DESK)
    login(page, base, "admin")
    page.goto(f"{base}/admin/cycles/{cycle_id}/grading")
    page.click("#follow-ups-link")
    row = page.locator(f"#candidate-u{a3}")
    expect(row).to_contain_text("4/4")
    expect(page.locator("#bottom-units")).to_contain_text("东街社区")
    shot(page, "followups-candidates")
    row.locator("select").select_option(label="提醒谈话")
    row.locator("input[type=date]").fill("2026-04-08")
    row.locator("button[type=submit]").click()
    expect_flash(page, "已发起跟进")
    expect(page.locator("h1")).to_contain_text("提醒谈话")
    page.fill("#problems", "入户登记进度滞后，台账不全")
    page.click("#record button[type=submit]")
    expect_flash(page, "已保存")

    # No owner chosen: refused beside the field, the measure's text kept.
    page.fill("#text", "每周报送入户台账")
    page.fill("#due_on", "2026-04-30")
    page.click("#add-measure button[type=submit]")
    expect(page.locator("#add-measure .field.has-error")).to_contain_text("此项为必填项")
    expect(page.locator("#text")).to_have_value("每周报送入户台账")
    page.select_option("#owner_id", label="a3 (a3, 东街社区)")
    page.click("#add-measure button[type=submit]")
    expect_flash(page, "整改措施已添加")
    measure = page.locator("table.measures tbody tr").first
    expect(measure).to_contain_text("a3")
    expect(measure).to_contain_text("2026-04-30")

    measure.locator("input[name=note]").fill("台账已按周报送")
    measure.locator("button[type=submit]").click()
    expect_flash(page, "整改措施已标记完成")
    page.fill("#outcome", "问题已整改到位")
    page.click("#close-form button[type=submit]")
    expect_flash(page, "已销号")
    expect(page.locator("#follow-up-status")).to_contain_text("已销号")
    expect(page.locator("#outcome")).to_contain_text("问题已整改到位")
    shot(page, "followups-closed")

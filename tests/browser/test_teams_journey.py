"""班子 in headless Chromium: the org_admin creates 东街社区's team from the admin index,
adds a1 (书记) and a2 (主任), a wrong choice is refused beside its field with the typed
position kept; after grading a quarter (a2 vetoed) the team results page shows the
team's grade, not capped: joint liability is about the annual grade (issue 15; the
annual cap is in tests/test_joint_liability.py).

Approvals and the veto are set up through the services; the team is clicked. SQLite only.
"""

from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, DESK, expect_flash, login, shot
from tests.test_grading import _approve

pytestmark = BROWSER


def _grade_with_a_veto(live):
    """a1 96, a2 93 with a veto: team mean 94.50 → 好 (a quarter: no joint liability)."""
    from workflow_app.cycles.models import Cycle
    from workflow_app.extensions import db
    from workflow_app.scoring.negative import record_negative_item
    from workflow_app.scoring.services import grade_cycle

    def setup(world):
        a1, a2 = _approve(world, "a1", 96), _approve(world, "a2", 93)
        del a1
        record_negative_item(a2, world.users["audit"], kind="veto", reason="经查实")
        cycle = db.session.scalar(db.select(Cycle).order_by(Cycle.id))
        grade_cycle(cycle, world.users["admin"])
        return cycle.id
    return live.run(setup)


def _add(page, who, position):
    page.select_option("#user", label=who)
    page.fill("#position", position)
    page.click("form[action$='/members'] button[type=submit]")
    page.wait_for_load_state()


def test_admin_keeps_a_team_and_sees_its_grade(live, browser):
    base = live.url
    page = browser.new_page(viewport=DESK)
    login(page, base, "admin")
    page.goto(f"{base}/admin")
    page.click("a[href='/admin/teams']")
    page.select_option("#org_unit", label="东街社区")
    page.fill("#name", "东街社区两委班子")
    page.click("form button.primary")
    page.wait_for_load_state()
    expect_flash(page, "班子已创建")
    _add(page, "a1 (a1, 东街社区)", "书记")
    # Nobody chosen: refused beside the field, the typed position kept.
    page.fill("#position", "主任")
    page.click("form[action$='/members'] button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator(".field.has-error")).to_contain_text("此项为必填项")
    expect(page.locator("#position")).to_have_value("主任")
    _add(page, "a2 (a2, 东街社区)", "主任")
    expect(page.locator("table.team-members tbody tr")).to_have_count(2)
    shot(page, "teams-detail")

    cycle_id = _grade_with_a_veto(live)
    page.goto(f"{base}/cycles/{cycle_id}/results")
    page.click(f"a[href='/cycles/{cycle_id}/teams']")
    row = page.locator("table.team-results tbody tr").first
    for text in ("东街社区两委班子", "94.50", "好"):
        expect(row).to_contain_text(text)
    expect(row).not_to_contain_text("连带责任")
    shot(page, "teams-results")

"""数据同源 (双辽) in headless Chromium, on SQLite and on PostgreSQL: the org_admin imports the
statistics bureau's and the supervision office's figures for a quarter from an XLSX file
(a bad file first: refused row by row, nothing imported); cadre a1's report then shows
them read-only and no longer asks for them. The journey counts the fields a1 must type
before and after the import and prints both counts."""

from datetime import UTC, datetime
from types import SimpleNamespace

from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, DESK, expect_flash, login, logout, shot
from tests.factories import cycle_data
from workflow_app.assessments.report import INDICATOR_FIELDS

pytestmark = BROWSER
QUARTER = "2026年第二季度平时考核"
IMPORTED = [("a1", "党的建设成效", 96, "统计局"), ("a1", "满意度评价", 92.5, "督查室")]

# The fields a person types: what the page shows and lets them edit (the hidden copy of a
# row inside <template> and the buttons are not fields).
EDITABLE = """form => [...form.querySelectorAll('input, textarea, select')].filter(f =>
    !f.disabled && !f.readOnly && f.offsetParent !== null &&
    !['hidden', 'submit', 'button', 'file', 'checkbox', 'radio'].includes(f.type)).length"""


def _open_quarter_with_sheet(world):
    from workflow_app.assessments.models import Assessment
    from workflow_app.cycles import indicators as ind
    from workflow_app.cycles.services import create_cycle, open_cycle
    from workflow_app.extensions import db

    admin = world.users["admin"]
    ind.save_sheet(admin, None, {**ind.DEFAULT_SHEET, "category": "社区", "name": "社区考核指标"})
    clock = SimpleNamespace(now=datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
    cycle = create_cycle(admin, cycle_data(world, clock, quarter=2, name=QUARTER),
                         [world.units["城关镇"]])
    open_cycle(cycle, admin)
    a1 = db.session.scalar(db.select(Assessment.id).where(
        Assessment.cycle_id == cycle.id, Assessment.cadre_id == world.users["a1"].id))
    return cycle.id, a1


def _xlsx(path, rows):
    book = Workbook()
    book.active.append(["账号", "姓名", "指标", "数值", "数据来源", "考核周期"])
    for account, item, value, source in rows:
        book.active.append([account, account, item, value, source, QUARTER])
    book.save(path)
    return str(path)


def _count_fields(page, base, assessment_id):
    page.goto(f"{base}/my?assessment={assessment_id}")
    expect(page.locator("#report-form")).to_be_visible()
    return page.locator("#report-form").evaluate(EDITABLE)


def test_imported_figures_are_shown_read_only_and_not_asked_again(live_any, browser, tmp_path):
    cycle_id, a1 = live_any.run(_open_quarter_with_sheet)
    cadre = browser.new_page(viewport=DESK)
    login(cadre, live_any.url, "a1")
    before = _count_fields(cadre, live_any.url, a1)
    expect(cadre.locator("#indicators-0-name")).to_have_value("党的建设成效")
    expect(cadre.locator("#imported-actuals")).to_have_count(0)

    admin = browser.new_page(viewport=DESK)
    login(admin, live_any.url, "admin")
    admin.goto(f"{live_any.url}/admin/cycles")
    admin.click(f"a.actuals-link[href='/admin/cycles/{cycle_id}/actuals']")
    bad = [*IMPORTED, ("a1", "高质量发展绩效", "约八成", "统计局")]
    admin.set_input_files("#file", _xlsx(tmp_path / "bad.xlsx", bad))
    admin.click("#actuals-form button[type=submit]")
    expect(admin.locator("#import-problems")).to_contain_text("第 4 行：数值“约八成”不是数字")
    expect(admin.locator("#import-problems")).to_contain_text("没有导入任何数据")
    shot(admin, "actuals-refused-1280")
    admin.set_input_files("#file", _xlsx(tmp_path / "good.xlsx", IMPORTED))
    admin.click("#actuals-form button[type=submit]")
    expect_flash(admin, "已导入 2 项数据（新增 2 项，替换 0 项）")
    expect(admin.locator("#actuals tbody tr")).to_have_count(2)
    logout(admin)

    after = _count_fields(cadre, live_any.url, a1)
    table = cadre.locator("#imported-actuals")
    expect(table).to_contain_text("数据来源：统计局（只读）")
    expect(table).to_contain_text("数据来源：督查室（只读）")
    expect(table.locator("tr[data-actual='满意度评价']")).to_contain_text("92.5")
    expect(cadre.locator("#indicators-0-name")).to_have_value("高质量发展绩效")
    expect(cadre.locator("#report-form input[value='党的建设成效']")).to_have_count(0)
    shot(cadre, "cadre-report-with-actuals-1280")
    print(f"\n数据同源: fields cadre a1 types in the quarterly report: before the import "
          f"{before}, after {after} ({len(IMPORTED)} imported items × "
          f"{len(INDICATOR_FIELDS)} fields no longer asked)")
    assert before - after == len(IMPORTED) * len(INDICATOR_FIELDS)

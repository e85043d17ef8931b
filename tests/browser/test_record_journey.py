"""The cadre's record (实绩档案) in headless Chromium: cadre a1 opens "我的实绩档案" from the
menu, reads the published quarter (Q1: 较好) but not the quarter only graded as a preview
(Q2), sees that a colleague objected without learning who, and downloads the PDF; the
organisation department reaches the same record from the person page and sees who
objected; a colleague is refused.

The history is set up through the services (the journeys that click it are
test_results_journey.py and test_journey.py). On SQLite and on PostgreSQL.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.helpers import BROWSER, DESK, login, logout, shot
from tests.factories import cycle_data, exclude_unfinished
from tests.test_exports_injection import _pdf_text
from tests.test_grading import _approve

pytestmark = BROWSER


@pytest.fixture
def live(live_any):
    """This journey runs on SQLite and on PostgreSQL (issue 14: both databases)."""
    return live_any
Q2 = "2026年第二季度平时考核"


def _history(live):
    from workflow_app.cycles.models import Cycle
    from workflow_app.cycles.services import create_cycle, open_cycle
    from workflow_app.extensions import db
    from workflow_app.scoring.disputes import raise_objection, resolve_objection
    from workflow_app.scoring.services import grade_cycle, publish_cycle

    clock = live.app.config["CLOCK"]

    def setup(world):
        q1 = db.session.scalar(select(Cycle).order_by(Cycle.id))
        approved = {n: _approve(world, n, s) for n, s in (("a1", 80), ("a2", 95), ("a3", 70))}
        grade_cycle(q1, world.admin)
        exclude_unfinished(q1, world.admin)
        publish_cycle(q1, world.admin)
        raise_objection(approved["a1"], world.users["a2"], "dispute", reason="材料有夸大")
        resolve_objection(approved["a1"], world.admin, "dismiss", reason="经核实属实，异议不成立")
        q2 = create_cycle(world.admin, cycle_data(world, clock, quarter=2, name=Q2),
                          [world.units["城关镇"]])
        open_cycle(q2, world.admin)
        for name, score in (("a1", 98), ("a2", 80), ("a3", 70)):
            _approve(world, name, score)
        grade_cycle(q2, world.admin)  # a preview (试算): nothing published
        return world.users["a1"].id
    return live.run(setup)


def _pdf_of(page):
    with page.expect_download() as got:
        page.click("#record-pdf")
    assert got.value.suggested_filename == "a1-干部实绩档案.pdf"
    return re.sub(r"\s", "", _pdf_text(got.value.path().read_bytes()))


def _cadre_reads_own_record(page, base):
    login(page, base, "a1")
    page.click("#nav-record")
    expect(page.locator("h1")).to_contain_text("a1")
    results = page.locator("table.record-results")
    expect(results.locator("tr", has_text="2026年第一季度平时考核")).to_contain_text("较好")
    q2 = results.locator("tr", has_text=Q2)
    expect(q2).to_contain_text("尚未公示")
    expect(q2).not_to_contain_text("98")
    objection = page.locator("table.record-objections")
    expect(objection).to_contain_text("经核实属实，异议不成立")
    expect(objection).to_contain_text("不显示")
    expect(objection).not_to_contain_text("a2")
    shot(page, "record-cadre")
    text = _pdf_of(page)
    assert "干部实绩档案" in text and "较好" in text and "尚未公示" in text
    assert "98" not in text and "材料有夸大" not in text
    logout(page)


def _admin_reads_it_from_the_person_page(page, base, a1_id):
    login(page, base, "admin")
    page.goto(f"{base}/admin/people/users/{a1_id}")
    page.click("#person-record")
    expect(page.locator("table.record-objections")).to_contain_text("a2")
    expect(page.locator("table.record-results").locator("tr", has_text=Q2)).to_contain_text(
        "尚未公示")
    assert "供干部考察使用" in _pdf_of(page)
    logout(page)


def _colleague_is_refused(page, base, a1_id):
    login(page, base, "a2")
    resp = page.goto(f"{base}/people/{a1_id}/record")
    assert resp.status == 403
    expect(page.locator("#nav-record")).to_be_visible()  # their own, in the menu
    logout(page)


def test_record_journey(browser, live):
    a1_id = _history(live)
    desk = browser.new_context(viewport=DESK, locale="zh-CN", accept_downloads=True)
    page = desk.new_page()
    _cadre_reads_own_record(page, live.url)
    _admin_reads_it_from_the_person_page(page, live.url, a1_id)
    _colleague_is_refused(page, live.url, a1_id)
    desk.close()

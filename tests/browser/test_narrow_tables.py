"""Every data table reads on a phone (issue 11, item 16).

The demo county (`flask seed-demo`: 40 cadres with Chinese names, a filed quarter with
bands and ranks, a running quarter in every stage) is served once for the module, with
the few rows the demo leaves empty added through the services (a substitution, a bonus
entry, raters, a calendar day, an import preview, a tampered audit entry). Each page is
opened by the role that uses it at 375×812 and at 1280×800, and measured in the page:

- nothing is wider than the screen, and no table is wider than the box it sits in;
- no cell text is squeezed into a box narrower than four characters ("胡淑/珍");
- at 375 each row of a data table is a card whose cells say "column：value", the label
  being its column's header; at 1280 the tables are tables;
- on the grading page at 1280 every name is on one line and a row's badges share one;
- on the phone the queue's batch selection and its buttons still work.
"""

import shutil

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, text, update

from config import TestConfig
from tests.browser import tables
from tests.browser.conftest import FixedClock, serving
from tests.browser.helpers import BROWSER, WAIT_MS, fits_the_screen, login, shot
from workflow_app import create_app
from workflow_app.extensions import db

pytestmark = BROWSER
PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1280, "height": 800}

# (number, page, who opens it, path; {names} are filled from the staged ids)
PAGES = [
    ("01", "dashboard", "admin", "/dashboard"),
    ("02", "dashboard-cadre", "cadre02", "/dashboard"),
    ("03", "queue", "sup4", "/tasks"),
    ("04", "grading", "admin", "/admin/cycles/{filed}/grading"),
    ("05", "results", "admin", "/cycles/{filed}/results"),
    ("06", "publication", "cadre02", "/cycles/{filed}/publication"),
    ("07", "team-results", "admin", "/cycles/{filed}/teams"),
    ("08", "registration", "admin", "/cycles/{filed}/units/{unit}/registration"),
    ("09", "cycles", "admin", "/admin/cycles"),
    ("10", "progress", "admin", "/admin/cycles/{running}/progress"),
    ("11", "people", "admin", "/admin/people"),
    ("12", "audit", "audit", "/audit/"),
    ("13", "audit-log", "audit", "/audit/log"),
    ("14", "audit-verified", "audit", "/audit/"),  # then "verify" is pressed
    ("15", "outbox", "admin", "/admin/outbox"),
    ("16", "workflows", "admin", "/admin/workflows"),
    ("17", "calendar", "admin", "/admin/calendar"),
    ("18", "substitutes", "admin", "/admin/substitutes"),
    ("19", "teams", "admin", "/admin/teams"),
    ("20", "team", "admin", "/admin/teams/{team}"),
    ("21", "indicators", "admin", "/admin/indicators"),
    ("22", "cycle-indicators", "admin", "/admin/cycles/{running}/indicators"),
    ("23", "adjustments", "admin", "/assessments/{approved}/adjustments"),
    ("24", "assessment", "admin", "/assessments/{approved}"),
    ("25", "sent-back", "{sent_back_cadre}", "/my"),
    ("26", "raters", "admin", "/assessments/{approved}/raters"),
    ("27", "rating-tasks", "com1", "/ratings"),
    ("28", "preferences", "cadre02", "/notifications/preferences"),
    ("29", "import", "admin", "/admin/people/import/{import_job}"),
]
PATHS = {name: path for _n, name, _who, path in PAGES}
AFTER_LOADING = {"audit-verified": "#audit-verify button[type=submit]"}
# On a desk the headings of a unit × state grid wrap over their narrow count columns
# (kaohe.css: so that the units' names keep their room); on a phone nothing is spared.
SQUEEZED_ON_A_DESK = {"table": ".grid-table thead th", "card": ""}


def _stage():
    """The demo, and a row in each table the demo leaves empty."""
    from workflow_app.demo import seed

    seed()
    ids = _ids()
    _badges(ids)
    _rows_the_demo_leaves_empty(ids)
    db.session.commit()
    ids["import_job"] = _import_preview()
    _tamper_one_audit_entry()
    return ids


def _user(username):
    from workflow_app.people.models import User

    return db.session.scalar(select(User).where(User.username == username))


def _ids():
    from workflow_app.assessments.models import Assessment, Review
    from workflow_app.cycles.models import Cycle
    from workflow_app.people.teams import Team

    filed, running = db.session.scalars(select(Cycle.id).order_by(Cycle.id)).all()
    approved = db.session.scalar(select(Assessment).where(
        Assessment.cycle_id == running, Assessment.cadre_id == _user("cadre02").id))
    sent_back = db.session.scalar(select(Assessment).join(Review).where(
        Assessment.cycle_id == running, Assessment.state == "drafting",
        Review.decision == "send_back").order_by(Assessment.id))
    team = db.session.scalar(select(Team).order_by(Team.id))
    return {"filed": filed, "running": running, "approved": approved.id,
            "sent_back_cadre": sent_back.cadre.username, "team": team.id,
            "unit": approved.org_unit_id}


def _badges(ids):
    """Flags beside each other on the grading page: 胡淑珍's grade was changed by hand
    after a deduction; 孙卫东 is over quota, deducted and changed too."""
    from workflow_app.assessments.models import Assessment

    for username, extra in (("cadre02", ["deducted", "override"]),
                            ("cadre15", ["deducted", "override"])):
        a = db.session.scalar(select(Assessment).where(
            Assessment.cycle_id == ids["filed"], Assessment.cadre_id == _user(username).id))
        a.flags = [*extra, *a.flags]


def _rows_the_demo_leaves_empty(ids):
    from workflow_app.assessments.models import Assessment
    from workflow_app.cycles.indicator_adjustments import capped_items, record_adjustment
    from workflow_app.people.calendar import set_day
    from workflow_app.people.substitutes import appoint
    from workflow_app.scoring.ratings import add_rater

    admin = _user("admin")
    appoint(admin, _user("sup1"), _user("sup2"), "2026-04-02T08:30", "2026-04-10T17:30",
            reason="参加市委党校中青年干部培训班")
    a = db.session.get(Assessment, ids["approved"])
    bonus = next(i for i in capped_items(a) if i.kind == "bonus")
    record_adjustment(a, admin, item_id=bonus.id, points=1,
                      reason="获市级“优秀网格员”表彰，按考核办法加分")
    for username, group in (("sup1", "superior"), ("com1", "peer"), ("cadre01", "peer")):
        add_rater(a, admin, _user(username), group)
    set_day(admin, "2026-04-04", "holiday", note="清明节")
    _dead_letters()


def _dead_letters():
    """Two messages the outbox gave up on: it lists them, each to be queued again."""
    from workflow_app.notifications.models import Notification

    for n in db.session.scalars(select(Notification).where(
            Notification.status == "pending").order_by(Notification.id).limit(2)):
        n.status, n.attempts, n.last_error = "dead", 5, "SMTP 421 服务器繁忙，已重试 5 次"


def _import_preview():
    from workflow_app.people import import_jobs

    rows = ["用户名,姓名,单位,角色,上级",
            "zhaohy,赵海燕,双辽市委组织部/茂林镇/茂林社区/第一网格,干部,sup2",
            "qiangq,钱国庆,双辽市委组织部/卧虎镇/卧虎社区,书记,"]
    return import_jobs.start(_user("admin"), "新任社区干部.csv",
                             ("\ufeff" + "\n".join(rows) + "\n").encode())


def _tamper_one_audit_entry():
    """Behind the application's back, so that "verify" lists a break."""
    from workflow_app.audit.models import AuditEntry

    db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
    first = db.session.scalar(select(AuditEntry.id).where(AuditEntry.comment != "")
                              .order_by(AuditEntry.id))
    db.session.execute(update(AuditEntry).where(AuditEntry.id == first).values(comment="改过"))
    db.session.commit()


@pytest.fixture(scope="module")
def demo(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("narrow")
    shutil.copy(sqlite_template, folder / "demo.sqlite")

    class DemoConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'demo.sqlite'}"
        CLOCK = FixedClock()
        UPLOAD_FOLDER = str(folder / "uploads")
        PEOPLE_IMPORT_IN_BACKGROUND = False

    app = create_app(DemoConfig)
    with app.app_context():
        ids = _stage()
        db.session.remove()
    with serving(app) as url:
        yield url, ids
    with app.app_context():
        from workflow_app.people import import_jobs
        import_jobs.forget(ids["import_job"])


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    from tests.browser.helpers import ARGS, CHROMIUM

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


def _open(chromium, demo, name, who, path, viewport):
    url, ids = demo
    context = chromium.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    login(page, url, who.format(**ids), password="demo1234")
    page.goto(url + path.format(**ids))
    if name in AFTER_LOADING:
        page.click(AFTER_LOADING[name])
        page.wait_for_load_state()
    assert page.locator("main table").count(), f"{name}: no table on the page"
    return context, page


def _problems(page, layout):
    """Nothing sideways, cut off or squeezed, the tables laid out as `layout`; on the
    phone each card says its labels, and says them right."""
    found = {"sideways": [] if fits_the_screen(page) else ["the page scrolls sideways"],
             "cut off": tables.off_screen(page),
             "squeezed": tables.squeezed(page, skip=SQUEEZED_ON_A_DESK[layout]),
             "layout": [] if set(tables.layouts(page)) <= {layout} else tables.layouts(page)}
    if layout == "card":
        found.update({"mislabelled": tables.mislabelled(page),
                      "labels not shown": [label for label, drawn in tables.card_labels(page)
                                           if label not in drawn]})
    return {k: v for k, v in found.items() if v}


@pytest.mark.parametrize(("number", "name", "who", "path"), PAGES, ids=[p[1] for p in PAGES])
def test_tables_read_on_a_phone_and_on_a_desk(chromium, demo, number, name, who, path):
    found = {}
    for viewport, layout in ((PHONE, "card"), (WIDE, "table")):
        context, page = _open(chromium, demo, name, who, path, viewport)
        shot(page, f"narrow-{number}-{name}-{viewport['width']}")
        found.update({f"{viewport['width']} px, {k}": v
                      for k, v in _problems(page, layout).items()})
        context.close()
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_grading_names_and_badges_on_one_line_at_1280(chromium, demo):
    context, page = _open(chromium, demo, "grading", "admin", PATHS["grading"], WIDE)
    assert page.locator(".grading-table td.name").count() == 40
    assert page.locator(".grading-table td.name >> text=胡淑珍").count() == 1
    assert tables.names_broken(page) == []
    row = page.locator(".grading-table tr", has_text="孙卫东")
    assert row.locator(".tag").count() == 3  # over quota, deducted, overridden
    assert tables.badges_apart(page) == []
    context.close()


def test_batch_selection_and_actions_work_in_cards(chromium, demo):
    """The queue at 375: select all is there, each card's box ticks, 办理 opens."""
    context, page = _open(chromium, demo, "queue", "sup4", "/tasks", PHONE)
    boxes = page.locator("#batch [data-item]")
    assert boxes.count() >= 2
    select_all = page.locator("#batch [data-select-all]")
    assert select_all.is_visible()
    select_all.check()
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    boxes.first.uncheck()
    expect(page.locator("[data-selected-count]")).to_have_text(f"（已选 {boxes.count() - 1} 项）")
    page.locator("#batch td.pick label").first.click()  # "选择 刘桂兰", in sight on the card
    assert boxes.first.is_checked()
    handle = page.locator("#batch table a.button").first
    box = handle.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 40
    handle.click()
    page.wait_for_url("**/assessments/*")
    context.close()

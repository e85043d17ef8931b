"""The organisation department's clerk runs a quarter in headless Chromium (issue 10):
create the cycle with its thresholds and quotas, open it, watch progress and 催办, a
reviewer's batch approval, 试算 while someone is still missing, publishing refused with
the blocking item linked, excluding the one on leave, grading, 公示, then — the clock
moved past the 公示 period — 备案 and 归档. Every many-people step goes through its
confirmation page, and Cancel there changes nothing.

Two tests, each well under a minute: the set-up up to the reviewer's batch approval,
then grading to the archive (starting where the first leaves off, set up through the
services). What is not the clerk's (cadres submitting, the committee and the secretary
approving) is set up through the services; everything the clerk and the reviewer do is
clicked. SQLite only. Screenshots: test-output/screenshots/clerk-NN-*.png, in journey order.
"""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.helpers import BROWSER, DESK, expect_flash, login, logout, shot
from tests.factories import FULL_REPORT

pytestmark = BROWSER
NAME = "2026年第二季度平时考核"


def _q(live, fn):
    """Read something from the database (no change)."""
    return live.run(lambda world: fn())


def _assessments(live):
    from workflow_app.assessments.models import Assessment
    from workflow_app.cycles.models import Cycle
    from workflow_app.extensions import db
    from workflow_app.people.models import User

    return _q(live, lambda: dict(db.session.execute(
        select(User.username, Assessment.id).join(Assessment, Assessment.cadre_id == User.id)
        .join(Cycle, Cycle.id == Assessment.cycle_id).where(Cycle.name == NAME)).all()))


def _states(live):
    from workflow_app.assessments.models import Assessment
    from workflow_app.cycles.models import Cycle
    from workflow_app.extensions import db
    from workflow_app.people.models import User

    return _q(live, lambda: dict(db.session.execute(
        select(User.username, Assessment.state).join(Assessment, Assessment.cadre_id == User.id)
        .join(Cycle, Cycle.id == Assessment.cycle_id).where(Cycle.name == NAME)).all()))


def _cycle(live):
    from workflow_app.cycles.models import Cycle
    from workflow_app.extensions import db

    return _q(live, lambda: db.session.execute(
        select(Cycle.id, Cycle.status).where(Cycle.name == NAME)).one())


def _urged(live):
    from workflow_app.extensions import db
    from workflow_app.notifications.models import Notification

    return _q(live, lambda: db.session.scalar(select(func.count()).select_from(Notification)
                                              .where(Notification.kind == "submit_urged")))


def _submit(live, *names):
    """Cadres hand in their reports (theirs, not the clerk's)."""
    from workflow_app.assessments.models import Assessment
    from workflow_app.assessments.services import fire_event, save_report
    from workflow_app.extensions import db

    ids = _assessments(live)

    def setup(world):
        for name in names:
            a = db.session.get(Assessment, ids[name])
            save_report(a, world.users[name], FULL_REPORT)
            fire_event(a, "submit", world.users[name])
    live.run(setup)


def _committee_and_secretary(live, scores):
    """The two committees score and the secretary approves (not the clerk's part)."""
    from workflow_app.assessments.models import Assessment
    from workflow_app.assessments.services import fire_event
    from workflow_app.extensions import db

    ids = _assessments(live)

    def setup(world):
        for name, score in scores.items():
            a = db.session.get(Assessment, ids[name])
            fire_event(a, "approve", world.com_a1, score=score)
            fire_event(a, "approve", world.sec_a)
    live.run(setup)


def _confirm(page, *expected):
    """On a confirmation page: the effects say `expected`; then confirm."""
    for text in expected:
        expect(page.locator("#effects")).to_contain_text(text)
    page.click("#confirm-button")
    page.wait_for_load_state()


def _card(page, cycle_id):
    return page.locator(f"#cycle-{cycle_id}")


def _creates_and_opens(page, base, live):
    login(page, base, "admin")
    page.click("nav >> text=考核周期")
    page.click("text=新建考核周期")
    page.fill("#name", NAME)
    expect(page.locator("#year")).to_have_value("2026")
    expect(page.locator("#quarter")).to_have_value("2")
    page.get_by_label("东街社区").check()
    page.get_by_label("西街社区").check()
    page.fill("#opens_at", "2026-04-01T08:00")
    page.fill("#submit_deadline", "2026-04-15T17:30")
    grades = page.locator("#grades-quarterly")
    expect(grades).to_be_visible()
    expect(grades).to_contain_text("本周期使用")
    expect(page.locator("#q_quota")).to_have_value("40")  # 好 at most 40 % of the unit: editable
    expect(page.locator("#publicity_days")).to_have_value("5")
    shot(page, "clerk-01-new-cycle-form")
    page.click("button[value=schedule]")
    page.wait_for_load_state()
    expect_flash(page, "已保存")
    cycle_id, status = _cycle(live)
    assert status == "scheduled"
    shot(page, "clerk-02-cycle-scheduled")
    _card(page, cycle_id).locator("button", has_text="立即开启").click()
    page.wait_for_load_state()
    expect(_card(page, cycle_id)).to_contain_text("填写中\t4", use_inner_text=True)
    assert _cycle(live)[1] == "open"
    shot(page, "clerk-03-cycle-opened")
    return cycle_id


def _progress_and_remind(page, base, live, cycle_id):
    _card(page, cycle_id).locator("text=进度").click()
    page.wait_for_load_state()
    expect(page.locator("#by-state")).to_contain_text("共 4 人")
    waiting = page.locator("#not-submitted")
    expect(waiting).to_contain_text("a3")
    expect(waiting).to_contain_text("b1")
    expect(waiting).not_to_contain_text("a1")
    shot(page, "clerk-04-progress")
    page.click("#remind-form button")
    page.wait_for_load_state()
    expect(page.locator("#effects")).to_contain_text("尚有 2 人未提交报告。")
    shot(page, "clerk-05-remind-confirm")
    page.click("#confirm-cancel")  # Cancel: nobody is reminded
    page.wait_for_load_state()
    expect(page.locator("#remind-form")).to_be_visible()
    assert _urged(live) == 0
    page.click("#remind-form button")
    _confirm(page, "其中 2 人将立即收到催办提醒")
    expect_flash(page, "已向 2 人发送催办提醒")
    assert _urged(live) > 0
    shot(page, "clerk-06-reminded")


def _reviewer_batch_approves(page, base):
    login(page, base, "sup_a")
    page.click("nav >> text=我的待办")
    page.goto(f"{base}/tasks?state=supervisor_review")
    expect(page.locator("[data-item]")).to_have_count(3)
    page.check("[data-select-all]")
    page.fill("#batch-comment", "本季度工作扎实，同意")
    page.fill("#batch-score", "88")
    page.click("button[name=event][value=approve]")
    page.wait_for_load_state()
    expect(page.locator("#effects")).to_contain_text("所选 3 份将执行")
    shot(page, "clerk-07-batch-approve-confirm")
    _confirm(page)
    expect(page.locator("#batch-results")).to_contain_text("成功 3 项，未办理 0 项。")
    shot(page, "clerk-08-batch-approved")
    logout(page)


def _trial_run_and_refused_publish(page, base, live, cycle_id):
    login(page, base, "admin")
    page.click("nav >> text=考核周期")
    _card(page, cycle_id).locator("text=成绩评定与公示").click()
    page.wait_for_load_state()
    page.click("#run-grading button")
    page.wait_for_load_state()
    expect(page.locator("#effects")).to_contain_text("试算")
    shot(page, "clerk-09-trial-grading-confirm")
    _confirm(page, "3 份已审定")
    expect_flash(page, "试算")
    expect(page.locator("#preview-notice")).to_be_visible()
    assert _cycle(live)[1] == "open"  # a trial run never closes the window
    blocking = page.locator("#blocking")
    expect(blocking).to_contain_text("b1")
    expect(blocking.locator("a", has_text="b1")).to_have_count(1)
    expect(page.locator("#publish button")).to_be_disabled()
    shot(page, "clerk-10-trial-graded")
    # A page left open from before (the button enabled): the server refuses all the same.
    page.locator("#publish button").evaluate("button => { button.disabled = false; }")
    page.click("#publish button")
    page.wait_for_load_state()
    _confirm(page)
    expect_flash(page, "才能发布公示。尚未完成：填写中 1。")
    expect(page.locator("#blocking a", has_text="b1")).to_be_visible()  # named, with its link
    assert _states(live)["a1"] == "approved" and _cycle(live)[1] == "open"
    shot(page, "clerk-11-publish-refused")


def _excludes_the_one_on_leave(page, live):
    page.locator("#blocking a", has_text="b1").click()
    page.wait_for_load_state()
    form = page.locator("form.decision-exclude")
    form.locator("button[type=submit]").click()  # no reason: refused, the form stays
    page.wait_for_load_state()
    form = page.locator("form.decision-exclude")
    expect(form).to_contain_text("必填")
    expect(form.locator("#exclude-reason")).to_be_visible()
    assert _states(live)["b1"] == "drafting"
    shot(page, "clerk-12-exclude-reason-required")
    reason = "休产假，本季度不参加考核"
    form.locator("#exclude-reason").fill(reason)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#effects")).to_contain_text(reason)
    shot(page, "clerk-13-exclude-confirm")
    page.click("#confirm-cancel")
    page.wait_for_load_state()
    expect(page.locator("form.decision-exclude")).to_be_visible()  # back on the item
    assert _states(live)["b1"] == "drafting"  # Cancel changed nothing
    form = page.locator("form.decision-exclude")
    form.locator("#exclude-reason").fill(reason)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    _confirm(page, reason)
    # Back on the grading page it came from, with nothing left blocking publication.
    expect_flash(page, "已办理：不参加本次考核（b1，")
    expect(page).to_have_url(re.compile(r"/admin/cycles/\d+/grading$"))
    expect(page.locator("#blocking")).to_have_count(0)
    assert _states(live)["b1"] == "excluded"
    shot(page, "clerk-14-excluded")


def _grades_and_publishes(page, base, live, cycle_id):
    page.goto(f"{base}/admin/cycles/{cycle_id}/grading")
    expect(page.locator("#blocking")).to_have_count(0)
    page.click("#run-grading button")
    page.wait_for_load_state()
    effects = page.locator("#effects")
    expect(effects).to_contain_text("3 份已审定")  # the confirmation page: then, no 试算
    expect(effects).not_to_contain_text("试算")
    shot(page, "clerk-15-grading-confirm")
    _confirm(page, "3 份已审定")
    expect_flash(page, "评定完成：3 人已评定")
    expect(page.locator(".flashes")).not_to_contain_text("试算")
    expect(page.locator("#preview-notice")).to_have_count(0)
    shot(page, "clerk-16-graded")
    page.click("#publish button")
    page.wait_for_load_state()
    expect(page.locator("#effects")).to_contain_text("公示 3 份结果")
    expect(page.locator("#effects")).to_contain_text("1 人不参加本次考核，不定等次。")
    shot(page, "clerk-17-publish-confirm")
    page.click("#confirm-cancel")
    page.wait_for_load_state()
    expect(page.locator("#publish button")).to_be_enabled()  # back on the grading page
    assert _cycle(live)[1] == "open" and _states(live)["a1"] == "approved"
    page.click("#publish button")
    page.wait_for_load_state()
    _confirm(page, "公示 3 份结果")
    expect_flash(page, "3 条结果已公示")
    assert _cycle(live)[1] == "published"
    expect(page.locator("#finalize button")).to_be_disabled()  # the 公示 period runs
    shot(page, "clerk-18-published")


def _files_and_archives(page, base, live, cycle_id):
    live.app.config["CLOCK"].now += timedelta(days=10)  # the 公示 period is over
    page.goto(f"{base}/admin/cycles/{cycle_id}/grading")
    page.click("#finalize button")
    page.wait_for_load_state()
    expect(page.locator("#effects")).to_contain_text("将把 3 份结果备案定稿。")
    shot(page, "clerk-19-file-confirm")
    _confirm(page)
    expect_flash(page, "3 条结果已备案；0 条待异议处理完毕。")
    assert set(_states(live).values()) == {"final", "excluded"}
    shot(page, "clerk-20-filed")
    page.click("nav >> text=考核周期")
    _card(page, cycle_id).locator("button", has_text="归档").click()
    page.wait_for_load_state()
    expect(page.locator("#effects")).to_contain_text("4 份考核")
    shot(page, "clerk-21-archive-confirm")
    _confirm(page)
    expect(_card(page, cycle_id)).to_contain_text("已归档")
    assert _cycle(live)[1] == "archived"
    shot(page, "clerk-22-archived")


def test_clerk_sets_up_opens_and_urges(browser, live):
    page = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    cycle_id = _creates_and_opens(page, live.url, live)
    _submit(live, "a1", "a2")
    _progress_and_remind(page, live.url, live, cycle_id)
    logout(page)
    _submit(live, "a3")  # reminded, a3 hands in; b1 is on leave
    _reviewer_batch_approves(page, live.url)
    assert _states(live) == {"a1": "committee_review", "a2": "committee_review",
                             "a3": "committee_review", "b1": "drafting"}


def _opened_as_in_the_first_part(live):
    """Where the first test leaves the quarter: a1–a3 through the supervisor, b1 on leave."""
    from tests.factories import cycle_data
    from workflow_app.assessments.models import Assessment
    from workflow_app.assessments.services import fire_event
    from workflow_app.cycles.services import create_cycle, open_cycle
    from workflow_app.extensions import db

    clock = live.app.config["CLOCK"]

    def setup(world):
        cycle = create_cycle(world.admin, cycle_data(world, clock, name=NAME, quarter=2),
                             [world.units["东街社区"], world.units["西街社区"]])
        open_cycle(cycle, world.admin)
        return cycle.id
    cycle_id = live.run(setup)
    _submit(live, "a1", "a2", "a3")
    ids = _assessments(live)

    def approve(world):
        for name in ("a1", "a2", "a3"):
            fire_event(db.session.get(Assessment, ids[name]), "approve", world.sup_a, score=88)
    live.run(approve)
    return cycle_id


def test_clerk_grades_publishes_files_and_archives(browser, live):
    cycle_id = _opened_as_in_the_first_part(live)
    _committee_and_secretary(live, {"a1": 95, "a2": 90, "a3": 80})
    page = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    _trial_run_and_refused_publish(page, live.url, live, cycle_id)
    _excludes_the_one_on_leave(page, live)
    _grades_and_publishes(page, live.url, live, cycle_id)
    _files_and_archives(page, live.url, live, cycle_id)

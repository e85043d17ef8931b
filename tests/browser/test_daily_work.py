"""The daily work in the browser: autosave, two tabs, send-back and resubmission, the batch
from the queue, the two committees with a majority and a 回避, the phone-sized layout."""

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import helpers
from tests.browser.helpers import (
    BROWSER,
    DESK,
    PHONE,
    expect_flash,
    fill_report,
    fits_the_screen,
    login,
    logout,
    shot,
    wait_autosaved,
)
from tests.factories import FULL_REPORT, make_user
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db

pytestmark = BROWSER
AUTOSAVED = helpers.AUTOSAVED  # other modules import these two from here


def _assessment(world, name):
    return db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users[name].id))


def _submitted(*names, approved_by_supervisor=False):
    def setup(world):
        ids = {}
        for name in names:
            a = _assessment(world, name)
            save_report(a, world.users[name], FULL_REPORT)
            fire_event(a, "submit", world.users[name])
            if approved_by_supervisor:
                fire_event(a, "approve", world.users["sup_a"], score=85)
            ids[name] = a.id
        return ids
    return setup


_wait_autosaved = wait_autosaved


def test_autosave_leave_and_come_back(browser, live):
    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    login(page, live.url, "a1")
    page.fill("#key_work", "走访群众 30 户，没有点保存")
    wait_autosaved(page)  # a first save: its "saved" must not vouch for the row typed next
    page.click("[data-add-row]")
    row = page.locator("[data-rows] [data-row]").last
    expect(row.locator("legend")).to_have_text("指标 2")
    row.locator("input[name$='-name']").fill("矛盾纠纷调解")
    row.locator("[name$='-target']").fill("10 件")
    wait_autosaved(page)  # the row too, not only the text typed before it
    page.goto(f"{live.url}/dashboard")
    page.goto(f"{live.url}/my")
    expect(page.locator("#key_work")).to_have_value("走访群众 30 户，没有点保存")
    expect(page.locator("#indicators-0-name")).to_have_value("矛盾纠纷调解")  # the empty row went
    shot(page, "cadre-autosaved-375x812")
    page.locator("[data-remove-row]").first.click()
    wait_autosaved(page)
    page.reload()
    expect(page.locator("[data-rows] [data-row]")).to_have_count(1)  # one empty row to type in
    expect(page.locator("#indicators-0-name")).to_have_value("")


def test_two_tabs_do_not_overwrite_each_other(browser, live):
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    first, second = context.new_page(), context.new_page()
    login(first, live.url, "a1")
    second.goto(f"{live.url}/my")
    first.fill("#key_work", "第一个窗口写的")
    wait_autosaved(first)
    second.fill("#key_work", "第二个窗口写的")
    expect(second.locator("#autosave-status")).to_contain_text("其他窗口")
    expect(second.locator("#key_work")).to_have_value("第二个窗口写的")  # kept in the page
    shot(second, "cadre-two-tabs-conflict")
    second.click("button[value=save]")  # refused once more, with the text kept …
    expect_flash(second, "其他窗口")
    expect(second.locator("#key_work")).to_have_value("第二个窗口写的")
    second.click("button[value=save]")  # … and saving again knowingly replaces it
    expect_flash(second, "草稿已保存。")  # (the page before said 其他窗口: this is the new one)
    first.reload()
    expect(first.locator("#key_work")).to_have_value("第二个窗口写的")


def test_send_back_and_resubmit(browser, live):
    ids = live.run(_submitted("a1"))
    page = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    login(page, live.url, "sup_a")
    page.goto(f"{live.url}/assessments/{ids['a1']}")
    page.click("form.decision-send_back button[type=submit]")
    expect(page.locator("#send_back-comment-error")).to_have_text("此项为必填项。")
    page.fill("textarea[name='send_back-comment']", "最不满意的工作请写具体措施")
    page.click("form.decision-send_back button[type=submit]")
    expect_flash(page, "已办理：退回（a1，")  # back to the queue: nothing else waits
    logout(page)

    login(page, live.url, "a1")
    notice = page.locator("#sent-back")
    expect(notice).to_contain_text("您的报告已被退回")
    expect(notice).to_contain_text("最不满意的工作请写具体措施")
    page.fill("#least_satisfied", FULL_REPORT["least_satisfied"] + "；下季度逐户上门宣传")
    page.click("button[value=save]")
    box = page.locator("#sent-back .compare-box")
    expect(box).to_contain_text("有 1 处修改。", use_inner_text=True)
    expect(box.locator("td ins").first).to_have_text("；下季度逐户上门宣传")
    shot(page, "cadre-sent-back-compare")
    page.click("button[value=submit]")
    expect_flash(page, "报告已提交")
    logout(page)

    login(page, live.url, "sup_a")
    page.goto(f"{live.url}/assessments/{ids['a1']}")
    page.click("text=与被退回版本相比的修改")
    expect(page.locator(".compare-box")).to_contain_text("下季度逐户上门宣传", use_inner_text=True)
    page.locator("form.decision-approve button[type=submit]").click()
    page.wait_for_url("**/tasks")
    page.goto(f"{live.url}/assessments/{ids['a1']}")
    expect(page.locator("#state")).to_contain_text("两委会审议")


def test_batch_approve_from_the_queue(browser, live):
    live.run(_submitted("a1", "a2", "a3"))
    page = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    login(page, live.url, "sup_a")
    page.goto(f"{live.url}/tasks?state=supervisor_review")
    expect(page.locator("[data-item]")).to_have_count(3)
    page.check("[data-select-all]")
    expect(page.locator("[data-selected-count]")).to_contain_text("已选 3 项")
    page.fill("#batch-comment", "本季度工作扎实，同意")
    page.fill("#batch-score", "86")
    page.click("button[name=event][value=approve]")
    expect(page.locator("#effects")).to_contain_text("所选 3 份将执行")
    page.click("#confirm-button")
    expect(page.locator("#batch-results")).to_contain_text("成功 3 项，未办理 0 项。")
    shot(page, "supervisor-batch-approved")
    page.goto(f"{live.url}/tasks")
    page.check("[data-select-all]")  # only sup_a's own draft is left: not theirs to approve
    page.click("button[name=event][value=approve]")
    page.click("#confirm-button")
    expect(page.locator("#batch-results")).to_contain_text("未办理 1 项")


def test_two_committees_majority_with_recusal_then_secretary(browser, live):
    def setup(world):
        make_user("com_a3", world.units["东街社区"], ["committee"])
        _assessment(world, "a1").cycle.committee_rule = "majority"
        return _submitted("a1", approved_by_supervisor=True)(world)
    aid = live.run(setup)["a1"]
    page = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    url = f"{live.url}/assessments/{aid}"

    login(page, live.url, "com_a1")
    page.goto(url)
    expect(page.locator("#committee")).to_contain_text("已有 0 人同意，需 2 人同意")
    page.check("input[name='vote-decision'][value='approve']")  # 同意
    page.fill("input[name='vote-score']", "90")
    page.click("#vote-form button[type=submit]")
    expect_flash(page, "您的表决已记录")
    page.goto(url)  # the queue is shown next: nothing else waits for com_a1
    expect(page.locator("#state")).to_contain_text("两委会审议")
    logout(page)

    login(page, live.url, "com_a3")
    page.goto(url)
    page.click("text=声明回避")
    page.fill("textarea[name='conflict-reason']", "被考核人是我的亲属")
    page.click("form.decision-conflict button[type=submit]")
    expect_flash(page, "您已声明回避")
    assert page.goto(url).status == 403
    logout(page)

    login(page, live.url, "com_a2")
    page.goto(url)
    expect(page.locator("#committee")).to_contain_text("可参与表决的成员 2 人")
    page.check("input[name='vote-decision'][value='approve']")  # 同意
    page.fill("input[name='vote-score']", "80")
    page.click("#vote-form button[type=submit]")
    page.wait_for_url("**/tasks")
    page.goto(url)
    expect(page.locator("#state")).to_contain_text("书记审批")
    logout(page)

    login(page, live.url, "sec_a")
    page.goto(url)
    page.click("form.decision-approve button[type=submit]")
    page.wait_for_url("**/tasks")
    page.goto(url)
    expect(page.locator("#state")).to_have_text("已审定")
    timeline = page.locator(".timeline")
    for text in ("两委会成员表决", "声明回避",
                 "评分 85.00"):  # the committee's score: the mean of 90 and 80
        expect(timeline).to_contain_text(text)
    shot(page, "committee-majority-approved")


def test_phone_sized_layout(browser, live):
    ids = live.run(_submitted("a1", "a2"))
    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    for user, path, name in [
        ("a3", "/my", "phone-my-report"),
        ("sup_a", "/tasks", "phone-queue"),
        ("sup_a", f"/assessments/{ids['a1']}", "phone-review-page"),
        ("admin", "/dashboard", "phone-dashboard-admin"),
    ]:
        login(page, live.url, user)
        page.goto(live.url + path)
        assert fits_the_screen(page), path
        shot(page, name)
        logout(page)
    login(page, live.url, "a3")
    fill_report(page)
    page.fill("#de", "abc")
    page.click("button[value=submit]")
    expect(page.locator("#de-error")).to_have_text("请输入数字。")
    expect(page.locator("#key_work")).to_have_value(FULL_REPORT["key_work"])
    assert fits_the_screen(page)
    shot(page, "phone-refused-submit")

"""The two committees' vote in Chromium (issue 11, item 12), at 1280 px and at 375 px.

Three members under the "majority" rule (2 of 3 must agree). com_a1 agrees at the desk
(a 同意 without a score is refused, naming 评分); com_a2 on a phone disagrees (refused
without a reason, then recorded: one more member may still make it two); com_a3 sees
that a 不同意 or a 弃权 now decides, abstains, and the item goes back to the cadre with
the reasons, which the cadre reads on a phone.
"""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.helpers import BROWSER, DESK, PHONE, expect_flash, fits_the_screen, login, shot
from tests.factories import FULL_REPORT, make_user
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db

pytestmark = BROWSER


def _at_committee(world):
    make_user("com_a3", world.units["东街社区"], ["committee"])
    cadre = world.users["a1"]
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == cadre.id))
    a.cycle.committee_rule = "majority"
    save_report(a, cadre, FULL_REPORT)
    fire_event(a, "submit", cadre)
    fire_event(a, "approve", world.users["sup_a"], score=85)
    return a.id


def _open_as(browser, live, viewport, username, url):
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    login(page, live.url, username)
    page.goto(url)
    return page


def _vote(page, decision, score=None, reason=None):
    page.check(f"input[name='vote-decision'][value='{decision}']")
    if score is not None:
        page.fill("input[name='vote-score']", score)
    if reason is not None:
        page.fill("textarea[name='vote-comment']", reason)
    page.click("#vote-form button[type=submit]")


def _tally_starts(page, text):
    expect(page.locator("#tally")).to_have_text(re.compile("^" + re.escape(text)),
                                                use_inner_text=True)


def test_committee_votes_agree_disagree_abstain_and_the_rule_sends_back(browser, live):
    aid = live.run(_at_committee)
    url = f"{live.url}/assessments/{aid}"

    desk = _open_as(browser, live, DESK, "com_a1", url)
    _tally_starts(desk, "同意 0 · 不同意 0 · 弃权 0 · 未表决 3")
    _vote(desk, "approve")  # no score
    expect(desk.locator(".error-summary")).to_contain_text("评分")
    expect(desk.locator("#vote-score-error")).to_have_text("此项为必填项。")
    shot(desk, "committee-01-agree-needs-a-score")
    _vote(desk, "approve", score="90")
    desk.wait_for_url("**/tasks")  # nothing else waits for com_a1: back to the queue
    expect_flash(desk, "还有 2 名成员未表决")
    desk.goto(url)
    expect(desk.locator("#vote-form")).to_have_count(0)  # nothing left for com_a1 here
    shot(desk, "committee-02-agreed-tally")

    phone = _open_as(browser, live, PHONE, "com_a2", url)
    _tally_starts(phone, "同意 1 · 不同意 0 · 弃权 0 · 未表决 2")
    expect(phone.locator("#committee")).to_contain_text("com_a1 · 同意")
    expect(phone.locator("#decides-approve")).to_have_text("选此项即形成决定：本项进入下一环节。")
    _vote(phone, "send_back", reason="")
    expect(phone.locator("#vote-comment-error")).to_have_text("选择不同意时请写明理由。")
    expect(phone.locator("input[name='vote-decision'][value='send_back']")).to_be_checked()
    assert fits_the_screen(phone)
    shot(phone, "committee-03-disagree-needs-a-reason-375x812")
    _vote(phone, "send_back", reason="重点工作缺少入户数据")
    phone.wait_for_url("**/tasks")
    expect_flash(phone, "还有 1 名成员未表决")
    phone.goto(url)
    expect(phone.locator("#state")).to_contain_text("两委会审议")

    third = _open_as(browser, live, DESK, "com_a3", url)
    expect(third.locator("#decides-approve")).to_have_text("选此项即形成决定：本项进入下一环节。")
    expect(third.locator("#decides-abstain")).to_have_text(
        "选此项即形成决定：本项连同理由退回被考核人。")
    shot(third, "committee-04-what-each-vote-decides")
    _vote(third, "abstain")
    third.wait_for_url("**/tasks")
    expect_flash(third, "已退回被考核人")
    third.goto(url)
    expect(third.locator("#state")).to_have_text("填写中")

    cadre = _open_as(browser, live, PHONE, "a1", url)
    expect(cadre.locator(".reviews")).to_contain_text("com_a2：重点工作缺少入户数据")
    timeline = cadre.locator(".timeline")
    for text in ("同意", "不同意", "弃权"):
        expect(timeline).to_contain_text(text)
    assert fits_the_screen(cadre)
    shot(cadre, "committee-05-cadre-reads-the-reasons-375x812")

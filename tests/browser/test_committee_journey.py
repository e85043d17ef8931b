"""The two committees' vote in Chromium (issue 11, item 12), at 1280 px and at 375 px.

Three members under the "majority" rule (2 of 3 must agree). com_a1 agrees at the desk
(a 同意 without a score is refused, naming 评分); com_a2 on a phone disagrees (refused
without a reason, then recorded: one more member may still make it two); com_a3 sees
that a 不同意 or a 弃权 now decides, abstains, and the item goes back to the cadre with
the reasons, which the cadre reads on a phone.
"""

from sqlalchemy import select

from tests.browser.helpers import BROWSER, DESK, PHONE, fits_the_screen, flashes, login, shot
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


def test_committee_votes_agree_disagree_abstain_and_the_rule_sends_back(browser, live):
    aid = live.run(_at_committee)
    url = f"{live.url}/assessments/{aid}"

    desk = _open_as(browser, live, DESK, "com_a1", url)
    assert desk.inner_text("#tally").startswith("同意 0 · 不同意 0 · 弃权 0 · 未表决 3")
    _vote(desk, "approve")  # no score
    assert "评分" in desk.inner_text(".error-summary")
    assert desk.inner_text("#vote-score-error") == "此项为必填项。"
    shot(desk, "committee-01-agree-needs-a-score")
    _vote(desk, "approve", score="90")
    desk.wait_for_url("**/tasks")  # nothing else waits for com_a1: back to the queue
    assert "还有 2 名成员未表决" in flashes(desk)
    desk.goto(url)
    assert desk.locator("#vote-form").count() == 0  # nothing left for com_a1 here
    shot(desk, "committee-02-agreed-tally")

    phone = _open_as(browser, live, PHONE, "com_a2", url)
    assert phone.inner_text("#tally").startswith("同意 1 · 不同意 0 · 弃权 0 · 未表决 2")
    assert "com_a1 · 同意" in phone.inner_text("#committee")
    assert phone.inner_text("#decides-approve") == "选此项即形成决定：本项进入下一环节。"
    _vote(phone, "send_back", reason="")
    assert phone.inner_text("#vote-comment-error") == "选择不同意时请写明理由。"
    assert phone.is_checked("input[name='vote-decision'][value='send_back']")
    assert fits_the_screen(phone)
    shot(phone, "committee-03-disagree-needs-a-reason-375x812")
    _vote(phone, "send_back", reason="重点工作缺少入户数据")
    phone.wait_for_url("**/tasks")
    assert "还有 1 名成员未表决" in flashes(phone)
    phone.goto(url)
    assert "两委会审议" in phone.inner_text("#state")

    third = _open_as(browser, live, DESK, "com_a3", url)
    assert third.inner_text("#decides-approve") == "选此项即形成决定：本项进入下一环节。"
    assert third.inner_text("#decides-abstain") == "选此项即形成决定：本项连同理由退回被考核人。"
    shot(third, "committee-04-what-each-vote-decides")
    _vote(third, "abstain")
    third.wait_for_url("**/tasks")
    assert "已退回被考核人" in flashes(third)
    third.goto(url)
    assert third.inner_text("#state") == "填写中"

    cadre = _open_as(browser, live, PHONE, "a1", url)
    reviews = cadre.inner_text(".reviews")
    assert "com_a2：重点工作缺少入户数据" in reviews
    timeline = cadre.inner_text(".timeline")
    assert "同意" in timeline and "不同意" in timeline and "弃权" in timeline
    assert fits_the_screen(cadre)
    shot(cadre, "committee-05-cadre-reads-the-reasons-375x812")

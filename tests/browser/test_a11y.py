"""The accessibility check itself (issue 11, item 20; tests/browser/axe.py): axe-core runs
in the app's pages despite the CSP, and a page the journey leaves at once is still
checked, its violations named by rule, element and page. Without axe-core installed
this says so here as a skip (CI, with KAOHE_REQUIRE_AXE=1, fails instead)."""

import pytest

from tests.browser.axe import AXE, MISSING, REQUIRED, Violation
from tests.browser.helpers import BROWSER, DESK, login

pytestmark = [*BROWSER, pytest.mark.skipif(not AXE.exists() and not REQUIRED, reason=MISSING)]
# A stand-in page (no CSP) whose script holds axe back until /release answers, which the
# test lets happen only once the navigation away has been requested: the report comes
# after that request for sure, and the navigation must wait for it.
HOLD_AXE = """
const real = window.__kaoheAxe;
window.__kaoheAxe = async () => { await fetch("/release"); return real(); };
"""
BROKEN = ("<!doctype html><html><head><title>broken</title></head><body><main>"
          "<img src='/static/none.png'><input id='nameless'><a href='/my'>on</a>"
          f"<script>{HOLD_AXE}</script></main></body></html>")


def test_a_page_left_at_once_is_checked_and_reported(browser, live_url, axe):
    context = browser.new_context(viewport=DESK)
    context.route("**/broken", lambda route: route.fulfill(body=BROKEN, content_type="text/html"))
    held = []
    context.route("**/release", lambda route: held.append(route))

    def leaving(route):  # before the checker's own route (the later route comes first)
        held.pop().fulfill(body="go")
        route.fallback()

    page = context.new_page()
    login(page, live_url, "a1")  # app pages, under the CSP: checked, nothing found
    assert axe.runs >= 1 and not axe.found
    with page.expect_request("**/release"):
        page.goto(f"{live_url}/broken")
    context.route("**/my", leaving)
    page.click("a")
    page.wait_for_url("**/my")
    assert axe.holds == 1
    assert {Violation("image-alt", "critical", "img", "/broken",
                      "Images must have alternative text"),
            Violation("label", "critical", "#nameless", "/broken",
                      "Form elements must have labels")} <= set(axe.found)
    with pytest.raises(AssertionError, match=r"label \(critical\) at #nameless on /broken"):
        axe.finish()
    axe.found.clear()  # this test's own violations were the point

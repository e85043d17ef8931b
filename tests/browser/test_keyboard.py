"""Keyboard only (issue 11, item 20): a cadre logs in, fills in and submits the quarterly
report, and the supervisor approves it from the queue, with Tab, Shift+Tab, Enter, Space
and typing; no mouse, no element.click(). Every element the keyboard lands on shows a
focus ring, and the skip link leads past the menu. At 1280 px and on a phone.
Screenshots: test-output/screenshots/a11y-NN-….png."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, DESK, PHONE, flashes, shot
from tests.factories import FULL_REPORT, PASSWORD

pytestmark = BROWSER
SIZES = [pytest.param(DESK, id="1280x900"), pytest.param(PHONE, id="375x812")]
LIMIT = 150  # Tab presses before a target counts as unreachable

# What has the focus, and whether it shows: an outline or a shadow drawn around it.
FOCUSED = """(selector) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {what: "nothing", ring: false, match: false};
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const what = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
               (el.name ? "[name=" + el.name + "]" : "") + " " + (el.innerText || "").slice(0, 30);
  return {what, id: el.id, ring: outline || style.boxShadow !== "none",
          match: selector ? el.matches(selector) : false,
          inMain: !!el.closest("main"), top: el.getBoundingClientRect().top};
}"""


def focused(page, selector=None):
    return page.evaluate(FOCUSED, selector)


def press(page, key, selector=None):
    """One key; the element it lands on must show that it has the focus."""
    page.keyboard.press(key)
    now = focused(page, selector)
    assert now["ring"], f"no visible focus on {now['what']} after {key}"
    return now


def tab_to(page, selector, key="Tab"):
    for _ in range(LIMIT):
        if press(page, key, selector)["match"]:
            return
    raise AssertionError(f"{selector} cannot be reached with {key}")


def type_over(page, text):
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def login_by_keyboard(page, base, username):
    page.goto(f"{base}/login")
    tab_to(page, "#username")
    page.keyboard.type(username)
    press(page, "Tab", "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")  # the form's one submit button
    expect(page.locator("form[action='/logout']")).to_be_attached()


def skip_to_main(page, size):
    """The first Tab shows the skip link; Enter on it puts the next Tab inside <main>."""
    skip = press(page, "Tab", "a.skip")
    assert skip["match"] and skip["top"] >= 0, skip  # on screen, not at -999px
    shot(page, f"a11y-01-skip-link-{size}")
    page.keyboard.press("Enter")
    assert press(page, "Tab")["inMain"]


def report_values():
    values = {name: FULL_REPORT[name] for name in (
        "key_work", "indicator_progress", "most_satisfied", "least_satisfied", "self_evaluation")}
    values.update({dim: str(score) for dim, score in FULL_REPORT["self_scores"].items()})
    values.update({f"indicators-0-{key}": value
                   for key, value in FULL_REPORT["indicators"][0].items()})
    return values


def fill_by_keyboard(page, values, until):
    """Tab through the form typing each value where it belongs, up to `until`."""
    left = dict(values)
    for _ in range(LIMIT):
        now = press(page, "Tab", until)
        if now["id"] in left:
            type_over(page, left.pop(now["id"]))
        if now["match"]:
            break
    assert not left, f"fields never reached by Tab: {sorted(left)}"
    assert now["match"], f"{until} cannot be reached with Tab"


@pytest.mark.parametrize("viewport", SIZES)
def test_submit_and_approve_with_the_keyboard_only(browser, live, viewport):
    size = f"{viewport['width']}x{viewport['height']}"
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    login_by_keyboard(page, live.url, "a1")
    expect(page).to_have_url(f"{live.url}/my")
    skip_to_main(page, size)
    fill_by_keyboard(page, report_values(), until="button[value=submit]")
    assert press(page, "Shift+Tab", "button[value=save]")["match"]  # and back again
    assert press(page, "Tab", "button[value=submit]")["match"]
    shot(page, f"a11y-02-submit-focused-{size}")
    page.keyboard.press("Enter")
    expect(page.locator(".flashes")).to_contain_text("报告已提交")
    expect(page.locator(".summary")).to_contain_text("上级审核")
    tab_to(page, "form[action='/logout'] button", key="Shift+Tab")
    page.keyboard.press("Space")
    page.wait_for_url("**/login")

    login_by_keyboard(page, live.url, "sup_a")
    tab_to(page, "nav a[href='/tasks']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tasks")
    tab_to(page, "a.button[href^='/assessments/']")  # 办理 a1, past the filters
    page.keyboard.press("Enter")
    page.wait_for_url("**/assessments/*")
    fill_by_keyboard(page, {"approve-score": "88", "approve-comment": "键盘办理：同意"},
                     until="form.decision-approve button[type=submit]")
    shot(page, f"a11y-03-approve-focused-{size}")
    page.keyboard.press("Space")
    page.wait_for_url("**/tasks*")
    assert "已办理：通过（a1，" in flashes(page)
    shot(page, f"a11y-04-approved-back-in-the-queue-{size}")


def test_enter_in_a_field_saves_the_draft_and_removes_nothing(browser, live):
    """Enter presses the form's first submit button: Save draft, not the first indicator
    row's "Remove this indicator", which came first before."""
    page = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    login_by_keyboard(page, live.url, "a1")
    fill_by_keyboard(page, report_values(), until="#lian")  # the last field
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".flashes")).to_contain_text("草稿已保存。")
    row = FULL_REPORT["indicators"][0]
    assert page.input_value("#indicators-0-name") == row["name"]
    assert page.input_value("#indicators-0-actual") == row["actual"]
    assert page.input_value("#lian") == str(FULL_REPORT["self_scores"]["lian"])

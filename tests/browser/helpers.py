"""What the browser journeys share: where Chromium is, screenshots, logging in and out,
and how long a wait may take.

The journeys wait on conditions, never on time: a web-first `expect(...)` (it retries
until the page shows what it asserts), `wait_for_url`, or a navigation that has loaded.
A read right after a click that submits a form or runs a script (`inner_text`,
`input_value`, `count()`, `is_visible()` in a plain assert) may see the old page, or half
of the new one. WAIT_MS is the one bound on every wait, generous for a loaded 2-core
machine: a condition met early costs nothing.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import check_state
from tests.factories import FULL_REPORT, PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"]
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}
WAIT_MS = 45_000
AUTOSAVED = "草稿已自动保存。"

expect.set_options(timeout=WAIT_MS)  # Playwright's own default is 5 s

# Every browser module: pytestmark = BROWSER. CI sets KAOHE_REQUIRE_BROWSER=1, so there a
# missing browser fails instead of skipping.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and os.environ.get("KAOHE_REQUIRE_BROWSER") != "1",
                       reason="Chromium not installed at /usr/bin/chromium "
                              "(apt-get install chromium); CI installs it"),
]


def shot(page, name):
    check_state(page)  # a state worth a picture is checked by axe-core too
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    print(f"screenshot: {target}")
    return target


class PatientBrowser:
    """The launched Chromium; every context or page it makes waits up to WAIT_MS for an
    action or a navigation (Playwright's default is 30 s)."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.set_default_timeout(WAIT_MS)
        return context

    def new_page(self, **options):
        page = self._browser.new_page(**options)
        page.context.set_default_timeout(WAIT_MS)
        return page

    def __getattr__(self, name):
        return getattr(self._browser, name)


def login(page, base, username, password=PASSWORD):
    """Logs in and returns once the page it leads to (or the refusal) has loaded."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def logout(page):
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")


def fits_the_screen(page):
    """Nothing wider than the viewport: no sideways scrolling on a phone."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def fill_report(page, report=FULL_REPORT):
    for name in ("key_work", "indicator_progress", "most_satisfied", "least_satisfied",
                 "self_evaluation"):
        page.fill(f"#{name}", report[name])
    for dim, value in report["self_scores"].items():
        page.fill(f"#{dim}", str(value))
    row = report["indicators"][0]
    for key, value in row.items():
        page.fill(f"#indicators-0-{key}", value)


def flashes(page):
    """The flash messages shown ("" if none), read once the page has loaded: after a click
    that submits a form, the new page, not the old one nor the start of the new one.
    Prefer expect_flash, which also waits for a navigation a script starts later."""
    page.wait_for_load_state()
    box = page.locator(".flashes")
    return box.inner_text() if box.count() else ""


def expect_flash(page, *texts):
    """Waits until the flash messages say each of `texts` (the page after a submit)."""
    box = page.locator(".flashes")
    for text in texts:
        expect(box).to_contain_text(text)


def wait_autosaved(page):
    """Waits until the report's autosave has saved everything typed so far: an earlier
    save's "saved" is not enough, an edit made after it began may still be waiting
    (kaohe.js sets data-state="saved" only when a save covers the last edit)."""
    expect(page.locator("#autosave-status[data-state=saved]")).to_contain_text(AUTOSAVED)

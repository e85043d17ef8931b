"""What the browser journeys share: where Chromium is, screenshots, logging in and out."""

import os
from pathlib import Path

import pytest

from tests.browser.axe import check_state
from tests.factories import FULL_REPORT, PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"]
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}

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


def login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


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
    return page.inner_text(".flashes") if page.locator(".flashes").count() else ""

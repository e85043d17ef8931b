"""axe-core in the browser journeys (issue 11, item 20).

Every page a journey visits is checked with axe-core (npm package, pinned in
tests/browser/a11y/package-lock.json; `npm ci --prefix tests/browser/a11y`). A serious
or critical violation of WCAG 2.0/2.1 A and AA or of axe's best practices fails the
test, listed by rule id, target selector and page.

Loading axe under the app's CSP (script-src 'self'): `page.add_script_tag` inserts an
inline <script>, which the CSP blocks. `context.add_init_script` goes through the
DevTools protocol, which the page's CSP does not govern, and axe itself needs no eval:
so axe.min.js and a11y/check.js are init scripts of every watched context, there in
every document before the page's own script; no CSP is bypassed.

When: each document checks itself once it has loaded, once per path and tab, and
reports through a binding. A navigation away from a page whose check is still running
waits for the report (its request is held by a route), so no page goes unchecked
however fast the journey moves on. (Evaluating in a page whose navigation is held
hangs, so the check cannot be started from the route itself.) Each screenshot
(`helpers.shot`: a state a journey thinks worth a picture) is checked too, and at the
end of the test every open page finishes its check.
"""

import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError

A11Y = Path(__file__).parent / "a11y"
AXE = A11Y / "node_modules" / "axe-core" / "axe.min.js"
CHECK = A11Y / "check.js"
REQUIRED = os.environ.get("KAOHE_REQUIRE_AXE") == "1"
MISSING = (f"axe-core is not installed ({AXE.relative_to(A11Y.parents[2])} is missing; "
           "`npm ci --prefix tests/browser/a11y` installs it): the accessibility checks are "
           "skipped; CI installs it")
# Application routes only: static files never come through Python.
NOT_STATIC = re.compile(r"^https?://[^/]+/(?!static/)")
# A state on demand: after the page's own check, if one is running.
CHECK_NOW = """async () => {
  await window.__kaoheAxeRun;
  return window.__kaoheAxe ? window.__kaoheAxe() : null;
}"""


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    target: str
    page: str
    help: str

    def __str__(self):
        return f"{self.rule} ({self.impact}) at {self.target} on {self.page}: {self.help}"


class Axe:
    """The checker of one test: watches contexts, collects violations, fails at the end."""

    active = None  # the checker of the running test (helpers.shot checks through it)

    def __init__(self, enabled=True):
        self.enabled = enabled
        self.contexts, self.found = [], {}
        self.running = defaultdict(set)  # page -> documents whose check has not reported
        self.held = defaultdict(list)  # page -> (navigation request, since) waiting for it
        self.runs = self.holds = 0
        self.waited = 0.0  # seconds the test itself spent waiting for axe

    def watch(self, context):
        if not self.enabled:
            return context
        context.add_init_script(path=str(AXE))
        context.add_init_script(path=str(CHECK))
        context.expose_binding("kaoheAxeStarted", self._started)
        context.expose_binding("kaoheAxeReport", self._report)
        context.route(NOT_STATIC, self._leaving)
        context.on("page", self._page)
        for page in context.pages:
            self._page(page)
        self.contexts.append(context)
        return context

    def _page(self, page):
        # A new document: checks of the documents before it can no longer report.
        page.on("domcontentloaded", lambda page: self.running.pop(page, None))

    def _started(self, source, doc):
        self.running[source["page"]].add(doc)

    def _report(self, source, doc, found):
        page = source["page"]
        self.runs += 1
        self._record(urlsplit(source["frame"].url).path, found)
        self.running[page].discard(doc)
        if not self.running[page]:
            for route, since in self.held.pop(page, []):
                self.waited += time.monotonic() - since
                route.fallback()

    def _leaving(self, route, request):
        try:
            page = request.frame.page if request.is_navigation_request() else None
        except PlaywrightError:  # a request without a frame (a service worker's)
            page = None
        if page is not None and self.running.get(page):
            self.held[page].append((route, time.monotonic()))  # let go by _report
            self.holds += 1
        else:
            route.fallback()

    def _record(self, path, found):
        for item in found:
            self.found.setdefault(Violation(page=path, **item), None)

    def check(self, page):
        """Run axe on the page as it is now (a screenshot's state)."""
        if page.context not in self.contexts or not page.url.startswith("http"):
            return
        started = time.monotonic()
        try:
            found = page.evaluate(CHECK_NOW)
        except PlaywrightError as exc:
            found = [{"rule": "axe-did-not-run", "impact": "critical", "target": "document",
                      "help": str(exc).splitlines()[0]}]
        self.waited += time.monotonic() - started
        if found is not None:  # None: a page opened before the context was watched
            self.runs += 1
            self._record(urlsplit(page.url).path, found)

    def finish(self):
        """Let the open pages' checks report; fail listing every violation of the test."""
        started = time.monotonic()
        for context in self.contexts:
            for page in context.pages:
                if not page.is_closed() and page.url.startswith("http"):
                    page.wait_for_load_state()
                    page.evaluate("async () => { await window.__kaoheAxeRun; }")
        self.waited += time.monotonic() - started
        if self.found:
            lines = "\n".join(f"  {v}" for v in self.found)
            raise AssertionError(f"axe-core: {len(self.found)} serious or critical "
                                 f"accessibility violation(s):\n{lines}")

    def summary(self):
        return (f"axe-core: {self.runs} page check(s); the test waited {self.waited:.1f}s "
                f"for them ({self.holds} navigation(s) held)")


class WatchedBrowser:
    """The Playwright Browser, with every context it makes watched by the checker."""

    def __init__(self, browser, checker):
        self._browser, self._checker = browser, checker

    def new_context(self, **options):
        return self._watch(self._browser.new_context(**options), options)

    def new_page(self, **options):
        page = self._browser.new_page(**options)
        self._watch(page.context, options)  # before the page's first navigation
        return page

    def _watch(self, context, options):
        # Without script axe cannot run (and an evaluate would wait for ever); those
        # pages are the same templates the other journeys check with script.
        if options.get("java_script_enabled", True):
            self._checker.watch(context)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


def check_state(page):
    """A significant state (a screenshot): checked even if its path was checked before."""
    if Axe.active is not None:
        Axe.active.check(page)

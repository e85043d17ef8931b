// Runs in every document of a watched context, after axe.min.js (tests/browser/axe.py).
// When the page has loaded, axe checks it once per path and tab (sessionStorage), and
// tells the test through two bindings: kaoheAxeStarted(doc) and kaoheAxeReport(doc, found).
// Neither call is awaited: the test answers nothing, so nothing here waits on it.
(() => {
  if (window.top !== window || typeof axe === "undefined") return;
  const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
  const quiet = (promise) => promise && promise.catch && promise.catch(() => {});

  // Serious and critical violations, one entry per element.
  const runAxe = async () => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: TAGS},
                                            resultTypes: ["violations"]});
    return result.violations.flatMap(v => v.nodes
      .filter(n => ["serious", "critical"].includes(n.impact || v.impact))
      .map(n => ({rule: v.id, impact: n.impact || v.impact, target: n.target.join(" "),
                  help: v.help})));
  };
  // One run at a time: axe refuses a second while one runs ("Axe is already running"),
  // and a screenshot's check can come before the load event's check has finished.
  let queue = Promise.resolve();
  window.__kaoheAxe = () => {
    const run = queue.then(runAxe);
    queue = run.catch(() => {});
    return run;
  };

  window.addEventListener("load", () => {
    const key = "kaohe-axe:" + location.pathname;
    if (!location.protocol.startsWith("http") || sessionStorage.getItem(key)) return;
    const doc = Math.random().toString(36).slice(2);
    quiet(window.kaoheAxeStarted(doc));
    window.__kaoheAxeRun = window.__kaoheAxe()
      .catch(error => [{rule: "axe-did-not-run", impact: "critical", target: "document",
                        help: String(error)}])
      .then(found => {
        sessionStorage.setItem(key, "checked");
        quiet(window.kaoheAxeReport(doc, found));
      });
  });
})();

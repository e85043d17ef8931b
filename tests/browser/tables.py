"""Measuring tables in the page: what a person would see squeezed, cut off or mislabelled.

Each function returns a list of problems (empty when the page is fine), so an assertion
names every one at once.
"""

# A box narrower than this many characters cannot hold a word of Chinese ("胡淑/珍").
MIN_BOX_CHARS = 4

_LINES = """
(node) => {
  const range = document.createRange();
  range.selectNodeContents(node);
  const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
  return new Set(rects.map(r => Math.round(r.top))).size;
}
"""

# A text over several lines in a box narrower than four characters of its font: what a
# column squeezed by its neighbours looks like ("胡淑/珍"), as opposed to a long text
# that wraps in a box wide enough to read.
SQUEEZED = """
([minimum, skip]) => {
  const lines = LINES;
  const box = (el) => {
    while (getComputedStyle(el).display === "inline") el = el.parentElement;
    return el;
  };
  const out = [];
  for (const cell of document.querySelectorAll("main td, main th")) {
    if (!cell.getClientRects().length || (skip && cell.matches(skip))) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.data.replace(/\\s+/g, "");
      if (text.length < 2 || node.parentElement.closest(".sr-only, select, textarea")) continue;
      const el = box(node.parentElement), style = getComputedStyle(el);
      const width = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const n = lines(node);
      if (n > 1 && width < minimum * parseFloat(style.fontSize))
        out.push(`${text}: ${n} lines in ${Math.round(width)} px`);
    }
  }
  return out;
}
""".replace("LINES", _LINES)

OFF_SCREEN = """
() => {
  const out = [];
  for (const table of document.querySelectorAll("main table")) {
    if (!table.getClientRects().length) continue;
    const box = table.parentElement, style = getComputedStyle(box);
    const limit = Math.min(window.innerWidth, box.getBoundingClientRect().right
      - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth));
    const right = table.getBoundingClientRect().right;
    if (right > limit + 1)
      out.push(`table.${table.className || "(no class)"}: ${right} > ${limit}`);
  }
  return out;
}
"""

# Each labelled cell says the header of its own column (colspans counted).
MISLABELLED = """
() => {
  const text = (el) => el.textContent.replace(/\\s+/g, " ").trim();
  const out = [];
  for (const table of document.querySelectorAll("main table")) {
    const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) continue;
    const columns = [];
    for (const th of head.cells) for (let i = 0; i < th.colSpan; i++) columns.push(text(th));
    for (const body of table.tBodies) for (const row of body.rows) {
      let column = 0;
      for (const cell of row.cells) {
        const label = cell.dataset.label;
        if (label !== undefined && label.trim() !== columns[column])
          out.push(`"${label}" in the column "${columns[column]}"`);
        column += cell.colSpan;
      }
    }
  }
  return out;
}
"""

# How each data table is laid out: "card" (rows stacked as blocks) or "table".
LAYOUTS = """
() => [...document.querySelectorAll("main table.list")].filter(t => t.getClientRects().length)
  .map(t => getComputedStyle(t.querySelector("tr")).display === "block" ? "card" : "table")
"""

# The label a card shows before a value, as drawn (the ::before content).
CARD_LABELS = """
() => [...document.querySelectorAll("main table.list td[data-label]")]
  .filter(td => td.getClientRects().length && td.textContent.trim())
  .map(td => [td.dataset.label, getComputedStyle(td, "::before").content])
"""

NAMES_BROKEN = """
() => {
  const lines = LINES;
  const out = [];
  for (const cell of document.querySelectorAll("main td.name")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.data.trim() && lines(node) > 1) out.push(node.data.trim());
    }
  }
  return out;
}
""".replace("LINES", _LINES)

# Within a row the badges (.tag) sit on one line, and none is broken inside.
BADGES_APART = """
() => {
  const out = [];
  for (const row of document.querySelectorAll("main tr")) {
    const tags = [...row.querySelectorAll(".tag")].filter(t => t.getClientRects().length);
    const tops = new Set(tags.map(t => Math.round(t.getBoundingClientRect().top)));
    const broken = tags.filter(t => t.getClientRects().length > 1);
    if (tops.size > 1 || broken.length)
      out.push(`${row.id}: ${tags.map(t => t.textContent.trim()).join(" | ")}`);
  }
  return out;
}
"""


def squeezed(page, skip=""):
    """Texts squeezed into a narrow box, but in cells matching the selector `skip`."""
    return page.evaluate(SQUEEZED, [MIN_BOX_CHARS, skip])


def off_screen(page):
    return page.evaluate(OFF_SCREEN)


def mislabelled(page):
    return page.evaluate(MISLABELLED)


def layouts(page):
    return page.evaluate(LAYOUTS)


def card_labels(page):
    return page.evaluate(CARD_LABELS)


def names_broken(page):
    return page.evaluate(NAMES_BROKEN)


def badges_apart(page):
    return page.evaluate(BADGES_APART)

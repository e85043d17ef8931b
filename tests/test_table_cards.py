"""Every table in templates/ turns into cards on a phone (issue 11, item 16).

Below 40rem a data table (class "list", workflow_app/static/kaohe.css) shows each row as
a card and each cell as "column：value", the label coming from the cell's data-label. A
new table that forgets either would again be laid out one character a line on a phone
(tests/browser/test_narrow_tables.py measures that on the pages themselves). Read from
the template source: no app, no browser.
"""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
CSS = Path(__file__).resolve().parents[1] / "workflow_app" / "static" / "kaohe.css"
CARDS = {"list", "compare"}  # compare: the report versions side by side, its own cards
# Tables left as tables on a phone, and why they fit there.
AS_TABLES = {
    ("assessments/_report.html", "scores-table"): "five scores under one-word headings",
    ("cycles/admin.html", "counts"): "a state and a number a row",
    ("cycles/progress.html", "counts"): "a state and a number a row",
    ("people/calendar.html", "month card"): "a month: seven narrow columns of days",
    ("results/publication.html", ""): "the 公示 as posted: unit, name and grade",
}
# A cell may go without a label when it spans columns (a message across the table) or
# holds the row's selection box (pick) or its buttons (act).
UNLABELLED = re.compile(r'\bcolspan=|class="[^"]*\b(pick|act)\b')


def _source(path):
    """The template with Jinja's {{ }}, {% %} and {# #} blanked: only the HTML is read."""
    text = path.read_text(encoding="utf-8")
    return re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", "J", text, flags=re.S)


def _tables():
    for path in sorted(TEMPLATES.rglob("*.html")):
        html = _source(path)
        for match in re.finditer(r"<table\b([^>]*)>(.*?)</table>", html, flags=re.S):
            classes = re.search(r'class="([^"]*)"', match.group(1))
            yield (str(path.relative_to(TEMPLATES)), classes.group(1) if classes else "",
                   match.group(2))


TABLES = list(_tables())
CARD_TABLES = [t for t in TABLES if (t[0], t[1]) not in AS_TABLES]


def test_the_templates_have_tables():
    assert len(TABLES) > 40 and len(CARD_TABLES) > 35


@pytest.mark.parametrize(("template", "classes", "body"), CARD_TABLES,
                         ids=[f"{t[0]}:{t[1]}" for t in CARD_TABLES])
def test_every_table_turns_into_cards(template, classes, body):
    assert CARDS & set(classes.split()), (
        f'{template}: <table class="{classes}"> has no card layout: add class "list" '
        f"(and data-label on its cells), or say in AS_TABLES why it fits a phone as it is")


@pytest.mark.parametrize(("template", "classes", "body"), CARD_TABLES,
                         ids=[f"{t[0]}:{t[1]}" for t in CARD_TABLES])
def test_every_cell_under_a_header_says_its_column(template, classes, body):
    if "<thead" not in body:
        return  # rows headed by a <th scope="row">: the heading is the label
    cells = re.findall(r"<td\b[^>]*>", body)
    unlabelled = [c for c in cells if "data-label=" not in c and not UNLABELLED.search(c)]
    assert cells and not unlabelled, f"{template}: cells without data-label: {unlabelled}"


@pytest.mark.parametrize(("template", "classes", "body"), TABLES,
                         ids=[f"{t[0]}:{t[1]}" for t in TABLES])
def test_every_column_has_a_header(template, classes, body):
    """An empty <th> is a column a screen reader (and a card) cannot name."""
    thead = re.search(r"<thead>(.*?)</thead>", body, flags=re.S)
    empty = re.findall(r"<th\b[^>]*>\s*</th>", thead.group(1)) if thead else []
    assert not empty, f"{template}: empty header cells {empty}"


def test_the_stylesheet_stacks_the_cards_below_the_breakpoint():
    css = CSS.read_text(encoding="utf-8")
    phone = css[css.index("@media screen and (max-width: 40rem)"):]
    assert "table.list > tbody > tr > td" in phone and "display: block" in phone
    assert 'content: attr(data-label) "："' in phone

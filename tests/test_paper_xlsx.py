"""Issue 10, item 11: every XLSX export has Chinese sheet names, a bold frozen header,
columns as wide as their content, and the same column names as its page."""

import re
from html import unescape
from io import BytesIO

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tests.test_paper_notice import publish_quarter
from tests.web.conftest import Auth
from workflow_app.exports.spreadsheet import Sheet, sheet_title, text_width, xlsx_bytes
from workflow_app.extensions import db
from workflow_app.people import teams as team_service

DEFAULT_WIDTH = 8.43  # Excel's width of a column nobody sized


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def published(world, create_cycle, auth):
    return publish_quarter(world, create_cycle, auth)


def _headers(html, table_marker):
    """The <th> texts of the first table after `table_marker` in the page."""
    table = html[html.index(table_marker):]
    thead = table[:table.index("</thead>")]
    return [unescape(re.sub(r"<[^>]+>", "", th)).strip()
            for th in re.findall(r"<th[^>]*>(.*?)</th>", thead, re.S)]


@pytest.fixture
def with_team(world):
    team = team_service.create_team(world.admin, world.units["a"], "东街社区两委班子")
    team_service.add_member(world.admin, team, world.a1, "书记")
    db.session.commit()


# (download, sheet, header row, page, marker before the page's table)
EXPORTS = [
    ("/cycles/{id}/results.xlsx", "考核结果", 2, "/cycles/{id}/results", "<h2>排名</h2>"),
    ("/cycles/{id}/results.xlsx", "班子考核结果", 2, "/cycles/{id}/teams",
     '<table class="list team-results">'),
    ("/cycles/{id}/publication.xlsx", "公示名单", 3, "/cycles/{id}/publication",
     '<article class="publication">'),
]


@pytest.mark.parametrize(("path", "title", "header_row", "page", "marker"), EXPORTS)
def test_sheets_match_their_pages(with_team, published, auth, path, title, header_row, page,
                                  marker):
    admin = auth.user("admin")
    book = load_workbook(BytesIO(admin.get(path.format(id=published.id)).data))
    assert title in book.sheetnames
    sheet = book[title]
    header = [c.value for c in sheet[header_row]]
    html = admin.get(page.format(id=published.id)).get_data(as_text=True)
    assert header == _headers(html, marker)
    assert all(c.font.b for c in sheet[header_row])
    assert sheet.freeze_panes == f"A{header_row + 1}"


def test_columns_are_as_wide_as_their_content(published, auth):
    book = load_workbook(BytesIO(auth.user("admin").get(
        f"/cycles/{published.id}/results.xlsx").data))
    sheet = book["考核结果"]
    widths = {c.value: sheet.column_dimensions[get_column_letter(c.column)].width
              for c in sheet[2]}
    assert widths["绩效档次（百分比）"] > 2 * DEFAULT_WIDTH  # 9 CJK characters
    assert widths["单位"] >= 2 * len("东街社区")  # CJK counts double
    # The cycle's name above the table does not widen the first column.
    assert widths["单位"] < text_width(published.name)


@pytest.mark.parametrize(("title", "expected"), [
    ("考核结果", "考核结果"), ("a[b]c:d*e?f/g\\h", "a_b_c_d_e_f_g_h"),
    ("'引号'", "引号"), ("长" * 40, "长" * 31), ("", "Sheet"),
])
def test_sheet_titles_excel_accepts(title, expected):
    assert sheet_title(title) == expected
    book = load_workbook(BytesIO(xlsx_bytes([Sheet(title, ["x"], [[1]])])))
    assert book.sheetnames == [expected]


@pytest.mark.parametrize(("value", "width"), [
    ("abc", 3), ("东街社区", 8), ("a东", 3), ("第一行\n二", 6), (95.5, 4), (None, 0),
])
def test_text_width_counts_cjk_double(value, width):
    assert text_width(value) == width


def test_plain_pairs_get_a_frozen_bold_header():
    """(title, rows) pairs, as other exports write them: the first row is the header."""
    sheet = load_workbook(BytesIO(xlsx_bytes([("审计日志", [["时间", "操作人"],
                                                        ["2026-04-01", "张三"]])])))["审计日志"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet.column_dimensions["A"].width == len("2026-04-01") + 2

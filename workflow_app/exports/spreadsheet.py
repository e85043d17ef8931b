"""XLSX and CSV exports whose cells never run as formulas.

Excel, WPS and LibreOffice treat a cell that starts with = + - @ (or tab / CR) as a
formula when the file is opened or the cell is edited, so a cadre named
`=HYPERLINK(...)` would run in the organisation department's copy (OWASP "CSV
injection"). Some locales also accept the full-width ＝ ＋ － ＠, and leading spaces
before any of these. `safe_cell` turns such text into inert text by putting a single
quote in front; real numbers (scores, ranks, also negative ones) stay numbers.

Write every export through `xlsx_bytes` or `csv_text`, never openpyxl's
`sheet.append` or `csv.writer` directly: openpyxl itself stores any string that
starts with "=" as a formula and "#N/A" as an error value.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from workflow_app.exports.text import clean_text

FORMULA_STARTERS = frozenset("=+-@")
# Starters as the very first character (before any whitespace is skipped).
LEADING_CONTROLS = frozenset("\t\r")
# Kept as they are: openpyxl and csv write these as typed values, not as text.
PLAIN_TYPES = (bool, int, float, Decimal, datetime, date, time)
SHEET_TITLE_RE = re.compile(r"[\[\]:*?/\\]")
# Column widths in Excel's units (about one Latin character each).
MIN_WIDTH, MAX_WIDTH = 8, 60


def looks_like_formula(text):
    """True when a spreadsheet could read `text` as the start of a formula."""
    if not text:
        return False
    if text[0] in LEADING_CONTROLS:
        return True
    first = text.lstrip()[:1]
    # NFKC maps the full-width and small forms (＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫) to ASCII.
    return bool(first) and unicodedata.normalize("NFKC", first) in FORMULA_STARTERS


def safe_cell(value):
    """The value to write into a cell: None and numbers as they are, anything else
    as text that cannot become a formula."""
    if value is None or isinstance(value, PLAIN_TYPES):
        return value
    text = clean_text(value)
    return "'" + text if looks_like_formula(text) else text


def _xlsx_cell(sheet, value):
    from openpyxl.cell.cell import Cell

    value = safe_cell(value)
    cell = Cell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never "f" (formula) or "e" (error value)
    return cell


@dataclass
class Sheet:
    """One worksheet: `preamble` lines above the table (the cycle's name, a note), then the
    `header` row (frozen and bold) and the `rows`."""
    title: str
    header: list
    rows: Iterable = ()
    preamble: list = field(default_factory=list)


def sheet_title(title):
    """A title Excel accepts: at most 31 characters, none of []:*?/\\ ."""
    return (SHEET_TITLE_RE.sub("_", clean_text(title)).strip("'") or "Sheet")[:31]


def text_width(value):
    """Columns a value takes on screen: CJK and other wide characters count double."""
    if value is None:
        return 0
    text = f"{value:g}" if isinstance(value, float) else clean_text(value)
    lines = text.splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
               for line in lines)


def _as_sheet(sheet):
    if isinstance(sheet, Sheet):
        return sheet
    title, rows = sheet  # (title, rows): the first row is the header
    rows = list(rows)
    return Sheet(title, rows[0] if rows else [], rows[1:])


def _write(book, sheet):
    from openpyxl.styles import Font

    ws = book.create_sheet(sheet_title(sheet.title))
    for line in sheet.preamble:
        ws.append([_xlsx_cell(ws, v) for v in (line if isinstance(line, list | tuple) else [line])])
    header_row = 0
    if sheet.header:
        ws.append([_xlsx_cell(ws, v) for v in sheet.header])
        header_row = len(sheet.preamble) + 1
    rows = [[_xlsx_cell(ws, v) for v in row] for row in sheet.rows]
    for row in rows:
        ws.append(row)
    for cell in ws[header_row] if header_row else ():
        cell.font = Font(bold=True)
    if sheet.preamble:
        ws.cell(1, 1).font = Font(bold=True, size=13)
    ws.freeze_panes = ws.cell(header_row + 1, 1) if header_row else None
    _fit_columns(ws, [sheet.header, *([c.value for c in row] for row in rows)])


def _fit_columns(ws, table):
    """Widths by content (the preamble may run across columns, so it does not count)."""
    from openpyxl.utils import get_column_letter

    widths = {}
    for row in table:
        for i, value in enumerate(row, start=1):
            widths[i] = max(widths.get(i, 0), text_width(value))
    for i, width in widths.items():
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, MIN_WIDTH),
                                                               MAX_WIDTH)


def xlsx_bytes(sheets):
    """An XLSX workbook from `Sheet`s (or (title, rows) pairs whose first row is the
    header): header row bold and frozen, columns as wide as their content."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        _write(book, _as_sheet(sheet))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(rows):
    """CSV text, with the byte-order mark Excel needs to read UTF-8 (Chinese) text."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return "\ufeff" + out.getvalue()

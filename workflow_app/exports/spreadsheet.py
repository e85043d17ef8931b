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
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal

from workflow_app.exports.text import clean_text

FORMULA_STARTERS = frozenset("=+-@")
# Starters as the very first character (before any whitespace is skipped).
LEADING_CONTROLS = frozenset("\t\r")
# Kept as they are: openpyxl and csv write these as typed values, not as text.
PLAIN_TYPES = (bool, int, float, Decimal, datetime, date, time)


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


def xlsx_bytes(sheets):
    """An XLSX workbook from [(sheet title, rows)], each row a list of values."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
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

"""The 公示 as files: a PDF to print or post, and an XLSX for the unit's records.

The PDF uses reportlab's built-in CID font STSong-Light, so Chinese text needs no
font file on the server.
"""

from functools import cache
from io import BytesIO

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

PUBLIC_HEADERS = (_l("Unit"), _l("Full name"), _l("Grade"))
FONT = "STSong-Light"


@cache
def _font():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _lines(cycle, ends):
    title = gettext("%(cycle)s · Results publication", cycle=cycle.name)
    note = gettext("Objections may be raised until %(time)s.",
                   time=ends.strftime("%Y-%m-%d %H:%M")) if ends else ""
    return title, note


def publication_pdf(cycle, rows, ends):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    title, note = _lines(cycle, ends)
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=18 * mm,
                            rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    heading = ParagraphStyle("h", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    body = ParagraphStyle("b", fontName=font, fontSize=10.5, leading=15)
    data = [[str(h) for h in PUBLIC_HEADERS]] + [[r.unit, r.name, r.grade or ""] for r in rows]
    if len(data) == 1:
        data.append([gettext("Nothing is published yet."), "", ""])
    table = Table(data, colWidths=[70 * mm, 60 * mm, 40 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 10.5),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    story = [Paragraph(title, heading)]
    if note:
        story += [Paragraph(note, body), Spacer(1, 4 * mm)]
    doc.build([*story, table])
    return out.getvalue()


def publication_xlsx(cycle, rows, ends):
    title, note = _lines(cycle, ends)
    book = Workbook()
    sheet = book.active
    sheet.title = "publication"
    sheet.append([title])
    sheet.append([note])
    sheet.append([str(h) for h in PUBLIC_HEADERS])
    for r in rows:
        sheet.append([r.unit, r.name, r.grade])
    out = BytesIO()
    book.save(out)
    return out.getvalue()

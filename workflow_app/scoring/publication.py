"""The 公示 as files: a PDF to print or post, and an XLSX for the unit's records.

Both are written through workflow_app.exports: the PDF escapes every text before
reportlab reads it as markup, the XLSX writes names and units as inert text. The lines
around the table (period, issuing body, 监督电话, where to object) come from
scoring/notice.py, the same ones the 公示 page shows.
"""

from io import BytesIO

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from workflow_app.exports.pdf import cjk_font, para, pdf_text, table
from workflow_app.exports.spreadsheet import Sheet, xlsx_bytes

# The same columns as templates/results/publication.html.
PUBLIC_HEADERS = (_l("Unit"), _l("Full name"), _l("Grade"))
PUBLICATION_SHEET = _l("Publication list")


def _styles():
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    font = cjk_font()
    return {"title": ParagraphStyle("h", fontName=font, fontSize=16, leading=22, spaceAfter=6,
                                    alignment=TA_CENTER),
            "body": ParagraphStyle("b", fontName=font, fontSize=10.5, leading=15),
            "sign": ParagraphStyle("s", fontName=font, fontSize=10.5, leading=15,
                                   alignment=TA_RIGHT)}


def _table(rows, body):
    """The published rows, or one line saying there are none yet."""
    from reportlab.lib.units import mm

    data = [[str(h) for h in PUBLIC_HEADERS]] + [[r.unit, r.name, r.grade] for r in rows]
    if len(data) == 1:
        data.append([gettext("Nothing is published yet."), "", ""])
    return table(data, body, [70 * mm, 60 * mm, 40 * mm])


def _story(notice, rows, styles):
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    story = [para(notice.title, styles["title"])]
    story += [para(line, styles["body"]) for line in (notice.period,) if line]
    story += [Spacer(1, 3 * mm), _table(rows, styles["body"]), Spacer(1, 4 * mm)]
    story += [para(line, styles["body"]) for line in (notice.supervision, notice.objections)
              if line]
    story += [Spacer(1, 8 * mm)]
    return story + [para(line, styles["sign"]) for line in (notice.issuing_body,
                                                            notice.issued_on) if line]


def publication_pdf(notice, rows):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=pdf_text(notice.title),
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm)
    doc.build(_story(notice, rows, _styles()))
    return out.getvalue()


def publication_xlsx(notice, rows):
    # Two lines above the table: the title, then period, 监督电话 and where to object.
    details = "　".join(line for line in (notice.period, notice.supervision, notice.objections,
                                         notice.issuing_body) if line)
    preamble = [notice.title, details]
    return xlsx_bytes([Sheet(str(PUBLICATION_SHEET), [str(h) for h in PUBLIC_HEADERS],
                             ([r.unit, r.name, r.grade] for r in rows), preamble)])

"""The 公示 as files: a PDF to print or post, and an XLSX for the unit's records.

Both are written through workflow_app.exports: the PDF escapes every text before
reportlab reads it as markup, the XLSX writes names and units as inert text.
"""

from io import BytesIO

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from workflow_app.exports.pdf import cjk_font, para, table
from workflow_app.exports.spreadsheet import xlsx_bytes
from workflow_app.exports.text import clean_text

PUBLIC_HEADERS = (_l("Unit"), _l("Full name"), _l("Grade"))


def _lines(cycle, ends):
    title = gettext("%(cycle)s · Results publication", cycle=cycle.name)
    note = gettext("Objections may be raised until %(time)s.",
                   time=ends.strftime("%Y-%m-%d %H:%M")) if ends else ""
    return title, note


def _styles():
    from reportlab.lib.styles import ParagraphStyle

    font = cjk_font()
    return (ParagraphStyle("h", fontName=font, fontSize=16, leading=22, spaceAfter=6),
            ParagraphStyle("b", fontName=font, fontSize=10.5, leading=15))


def _table(rows, body):
    """The published rows, or one line saying there are none yet."""
    from reportlab.lib.units import mm

    data = [[str(h) for h in PUBLIC_HEADERS]] + [[r.unit, r.name, r.grade] for r in rows]
    if len(data) == 1:
        data.append([gettext("Nothing is published yet."), "", ""])
    return table(data, body, [70 * mm, 60 * mm, 40 * mm])


def publication_pdf(cycle, rows, ends):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer

    title, note = _lines(cycle, ends)
    heading, body = _styles()
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=clean_text(title), leftMargin=18 * mm,
                            rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm)
    story = [para(title, heading)]
    if note:
        story += [para(note, body), Spacer(1, 4 * mm)]
    doc.build([*story, _table(rows, body)])
    return out.getvalue()


def publication_xlsx(cycle, rows, ends):
    title, note = _lines(cycle, ends)
    return xlsx_bytes([("publication", [
        [title], [note], [str(h) for h in PUBLIC_HEADERS],
        *([r.unit, r.name, r.grade] for r in rows)])])

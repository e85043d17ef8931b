"""Text for reportlab PDFs.

reportlab's Paragraph parses its text as markup: `<img src="/etc/passwd"/>` in a
cycle name makes the server open that file, an unclosed `<b>` raises. So user text
goes into a PDF only through `para`, which escapes it; the paragraph shows the text
exactly as typed. Chinese needs no font file: reportlab's built-in CID font
STSong-Light is used.
"""

from functools import cache
from xml.sax.saxutils import escape

from workflow_app.exports.text import clean_text

FONT = "STSong-Light"
# Middle dots STSong-Light has no glyph for (the title "考核 · 结果公示" lost its dot):
# printed as the full-width katakana middle dot, which the font has (checked by
# rendering each candidate with pdftoppm).
MISSING_GLYPHS = str.maketrans(dict.fromkeys("\u00b7\u2022\u2027\u2219\u22c5", "\u30fb"))


def pdf_text(text):
    """Text for places that are not paragraphs (the document title, canvas strings)."""
    return clean_text("" if text is None else text).translate(MISSING_GLYPHS)


@cache
def cjk_font():
    """The name of the CID font for Chinese text, registered once per process."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def markup(text):
    """Paragraph source that shows `text` literally (no tags, no entities)."""
    return escape(clean_text("" if text is None else text).translate(MISSING_GLYPHS))


def para(text, style):
    """A Paragraph showing `text` as typed; `style` should use `cjk_font()`."""
    from reportlab.platypus import Paragraph

    return Paragraph(markup(text), style)


def table(rows, style, col_widths, header_rows=1):
    """A grid whose cells are `para`s: each text escaped, and long names wrap."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    grid = Table([[para(text, style) for text in row] for row in rows],
                 colWidths=col_widths, repeatRows=header_rows)
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#eeeeee")))
    grid.setStyle(TableStyle(commands))
    return grid


def paper_styles(body_size=9.5):
    """The printed forms' paragraph styles in the CJK font: title, subtitle, body text,
    signature line, a year heading and a section heading."""
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    font = cjk_font()
    return {"title": ParagraphStyle("t", fontName=font, fontSize=16, leading=22,
                                    alignment=TA_CENTER, spaceAfter=4),
            "sub": ParagraphStyle("c", fontName=font, fontSize=10.5, leading=15,
                                  alignment=TA_CENTER, spaceAfter=6),
            "year": ParagraphStyle("y", fontName=font, fontSize=13, leading=18, spaceBefore=8,
                                   spaceAfter=4),
            "head": ParagraphStyle("h", fontName=font, fontSize=10.5, leading=15,
                                   spaceBefore=4, spaceAfter=2),
            "body": ParagraphStyle("b", fontName=font, fontSize=body_size,
                                   leading=round(body_size * 4 / 3)),
            "sign": ParagraphStyle("s", fontName=font, fontSize=10.5, leading=18,
                                   alignment=TA_RIGHT)}

"""The 平时考核登记表 as a PDF: one A4 page (or more, for a long report) per person,
each person starting on a new page. Written through workflow_app.exports.pdf, so
every text a person typed is printed literally."""

from io import BytesIO

from flask_babel import gettext

from workflow_app.exports.pdf import paper_styles, para, pdf_text, table


def _person(reg, body, width):
    rows = [[gettext("Full name"), reg.name, gettext("Unit"), reg.unit],
            [gettext("Category"), reg.category or "—", gettext("Position"), reg.position or "—"]]
    return table(rows, body, [width * f for f in (0.15, 0.35, 0.15, 0.35)], header_rows=0)


def _report(reg, body, width):
    rows = [[label, text or "—"] for label, text in reg.report]
    return table(rows, body, [width * 0.2, width * 0.8], header_rows=0)


def _indicators(reg, body, width):
    rows = [[gettext("Indicator"), gettext("Target"), gettext("Achieved"), gettext("Evidence")]]
    rows += [[i.get("name") or "—", i.get("target") or "—", i.get("actual") or "—",
              i.get("evidence_note") or "—"] for i in reg.indicators]
    return table(rows, body, [width * 0.25] * 4)


def _stages(reg, body, width):
    rows = [[gettext("Stage"), gettext("Reviewer"), gettext("Opinion"), gettext("Score"),
             gettext("Date")]]
    rows += [[s.label, s.reviewer or "—", s.opinion or "—", s.score or "—", s.decided_on]
             for s in reg.stages] or [[gettext("No review yet."), "", "", "", ""]]
    return table(rows, body, [width * f for f in (0.16, 0.14, 0.44, 0.1, 0.16)])


def _result(reg, body, width):
    rows = [[gettext("Final score"), reg.score or "—", gettext("Grade"), reg.grade or "—",
             gettext("Rank"), reg.rank or "—"]]
    return table(rows, body, [width / 6] * 6, header_rows=0)


def _one(reg, styles, width):
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    gap = Spacer(1, 3 * mm)
    story = [para(gettext("Quarterly assessment registration form"), styles["title"]),
             para(reg.cycle, styles["sub"]), _person(reg, styles["body"], width), gap,
             _report(reg, styles["body"], width)]
    if reg.indicators:
        story += [gap, _indicators(reg, styles["body"], width)]
    story += [gap, _stages(reg, styles["body"], width), gap, _result(reg, styles["body"], width),
              Spacer(1, 10 * mm)]
    return story + [para(line, styles["sign"]) for line in seal_lines()]


def seal_lines():
    return [gettext("Organisation department (seal): ____________________"),
            gettext("Date: ________ (year) ____ (month) ____ (day)")]


def registration_pdf(registrations, title):
    """One PDF, each person on a new page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=pdf_text(title), leftMargin=16 * mm,
                            rightMargin=16 * mm, topMargin=16 * mm, bottomMargin=16 * mm)
    styles, story = paper_styles(9.5), []
    for i, reg in enumerate(registrations):
        story += ([PageBreak()] if i else []) + _one(reg, styles, doc.width)
    if not story:
        story = [para(gettext("Nobody to print."), styles["body"])]
    doc.build(story)
    return out.getvalue()

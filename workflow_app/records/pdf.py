"""The record as a PDF for a promotion file (干部考察): the cadre's name, unit and position,
then per year each section's rows. Written through workflow_app.exports.pdf, so every
text a person typed (key work, reasons) is printed literally, in the CJK font."""

from io import BytesIO

from flask_babel import gettext

from workflow_app.exports.pdf import paper_styles, para, pdf_text, table


def cell(value):
    """What a row's value looks like on paper (and on the page)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return str(value)




def _person(person, body, width):
    rows = [[gettext("Full name"), person["name"], gettext("Unit"), person["unit"]],
            [gettext("Position"), person["position"] or "—", "", ""]]
    return table(rows, body, [width * f for f in (0.15, 0.35, 0.15, 0.35)], header_rows=0)


def _widths(columns, width):
    """The cycle column narrow, long texts (key work, reasons) wide, the rest alike."""
    weights = [3 if c["key"] in ("key_work", "reason", "resolution") else 1.4
               if c["key"] in ("cycle", "flag_labels", "raised_by_label") else 1 for c in columns]
    return [width * w / sum(weights) for w in weights]


def _section(section, rows, styles, width):
    data = [[c["label"] for c in section["columns"]]]
    data += [[cell(r.get(c["key"])) for c in section["columns"]] for r in rows]
    return [para(section["title"], styles["head"]),
            table(data, styles["body"], _widths(section["columns"], width))]


def _year_title(year):
    return gettext("Other") if year is None else gettext("Year %(year)s", year=year)


def _story(record, styles, width):
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    story = [para(gettext("Cadre performance record"), styles["title"]),
             para(gettext("For the promotion review (干部考察)"), styles["sub"]),
             _person(record.person, styles["body"], width)]
    years = record.by_year()
    if not years:
        story.append(para(gettext("No assessment yet."), styles["body"]))
    for year, sections in years:
        story.append(para(_year_title(year), styles["year"]))
        for section, rows in sections:
            story += _section(section, rows, styles, width)
    story.append(Spacer(1, 10 * mm))
    return story + [para(line, styles["sign"]) for line in (
        gettext("Organisation department (seal): ____________________"),
        gettext("Date: ________ (year) ____ (month) ____ (day)"))]


def record_pdf(record, title):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=pdf_text(title), leftMargin=16 * mm,
                            rightMargin=16 * mm, topMargin=16 * mm, bottomMargin=16 * mm)
    doc.build(_story(record, paper_styles(9), doc.width))
    return out.getvalue()

"""周通报: the weekly bulletin of a board, generated from the period's data (the seed's
"一周一调度一通报"): the 星级榜 as it stood at the end of the week, who gained or lost
stars that week and why, and every 减星 of the period so far.

Shown as a printable page (templates/showcase/bulletin.html, static/paper.css) and
exported as XLSX and PDF through workflow_app.exports (user text written inert, escaped).
"""

from dataclasses import dataclass
from io import BytesIO

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from workflow_app.exports.pdf import cjk_font, para, pdf_text, table
from workflow_app.exports.spreadsheet import Sheet, xlsx_bytes
from workflow_app.showcase.board import standings
from workflow_app.showcase.rules import DEDUCTION_KINDS, DIMENSIONS

RANKING_HEADERS = (_l("Rank"), _l("Name"), *DIMENSIONS.values(), _l("Total stars"))
CHANGE_HEADERS = (_l("Date"), _l("Name"), _l("Dimension"), _l("Stars gained or lost"),
                  _l("Note or reason"))
DEDUCTION_HEADERS = (_l("Date"), _l("Name"), _l("Dimension"), _l("Stars taken"), _l("Kind"),
                     _l("Reason"))


@dataclass
class Line:
    """One gain or loss of the week (or one 减星 of the period)."""
    on: object
    name: str
    dimension: str
    change: int
    text: str
    kind: str = ""


@dataclass
class Bulletin:
    title: str
    subtitle: str
    standing: object           # board.Standings as of the week's Sunday
    week: object
    week_lines: list
    deductions: list

    @property
    def rankings(self):
        return [rows for rows in (self.standing.persons, self.standing.departments) if rows]


def _name(names, entry):
    return names.get(entry.subject_key, "")


def _week_lines(standing, week, names):
    lines = [Line(c.on_date, _name(names, c.entry), str(DIMENSIONS[c.entry.dimension]),
                  c.stars_after - c.stars_before, c.note)
             for c in standing.changes if week.start <= c.on_date <= week.end]
    lines += [Line(d.on_date, _name(names, d.entry), str(DIMENSIONS[d.entry.dimension]),
                   -d.stars, d.reason, str(DEDUCTION_KINDS[d.kind]))
              for d in standing.deductions
              if week.start <= d.on_date <= week.end and d.withdrawn_at is None]
    return sorted(lines, key=lambda line: (line.on, line.name))


def build_bulletin(unit, period, week):
    until = min(week.end, period.end)
    standing = standings(unit, period, until=until)
    names = standing.names
    deductions = sorted((Line(d.on_date, _name(names, d.entry), str(DIMENSIONS[d.entry.dimension]),
                              -d.stars, d.reason, str(DEDUCTION_KINDS[d.kind]))
                         for d in standing.deductions
                         if d.on_date <= until and d.withdrawn_at is None),
                        key=lambda line: (line.on, line.name))
    return Bulletin(
        title=gettext("%(unit)s · Performance showcase weekly bulletin", unit=unit.name),
        subtitle=f"{period.label} · {week.label}", standing=standing, week=week,
        week_lines=_week_lines(standing, week, names), deductions=deductions)


def signed(n):
    return f"+{n}" if n > 0 else f"−{-n}"


def _ranking_rows(rows):
    return [[r.rank, r.name, *(r.cells[d].shown for d in DIMENSIONS), r.total] for r in rows]


def _change_rows(lines, as_text=False):
    """As text for the PDF ("+2", "−1"); as numbers in the spreadsheet."""
    return [[line.on.isoformat(), line.name, line.dimension,
             signed(line.change) if as_text else line.change,
             f"{line.kind}：{line.text}" if line.kind else line.text] for line in lines]


def _deduction_rows(lines):
    return [[line.on.isoformat(), line.name, line.dimension, -line.change, line.kind,
             line.text] for line in lines]


def bulletin_xlsx(bulletin):
    preamble = [bulletin.title, bulletin.subtitle]
    ranking = [row for rows in bulletin.rankings for row in _ranking_rows(rows)]
    return xlsx_bytes([
        Sheet(gettext("Star ranking"), [str(h) for h in RANKING_HEADERS], ranking, preamble),
        Sheet(gettext("This week"), [str(h) for h in CHANGE_HEADERS],
              _change_rows(bulletin.week_lines), preamble),
        Sheet(gettext("Star deductions"), [str(h) for h in DEDUCTION_HEADERS],
              _deduction_rows(bulletin.deductions), preamble)])


def _styles():
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    font = cjk_font()
    return {"title": ParagraphStyle("h", fontName=font, fontSize=16, leading=22, spaceAfter=4,
                                    alignment=TA_CENTER),
            "sub": ParagraphStyle("s", fontName=font, fontSize=10.5, leading=15,
                                  alignment=TA_CENTER, spaceAfter=6),
            "h2": ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=8),
            "body": ParagraphStyle("b", fontName=font, fontSize=9, leading=12)}


def _section(title, headers, rows, styles, widths):
    from reportlab.lib.units import mm

    data = [[str(h) for h in headers]] + [[str(v) for v in row] for row in rows]
    if len(data) == 1:
        data.append([gettext("None.")] + [""] * (len(headers) - 1))
    return [para(title, styles["h2"]), table(data, styles["body"], [w * mm for w in widths])]


def _story(bulletin, styles):
    story = [para(bulletin.title, styles["title"]), para(bulletin.subtitle, styles["sub"])]
    for rows in bulletin.rankings or [[]]:
        story += _section(gettext("Star ranking"), RANKING_HEADERS, _ranking_rows(rows), styles,
                          (12, 30, 21, 21, 21, 21, 21, 17))
    story += _section(gettext("Gains and losses this week"), CHANGE_HEADERS,
                      _change_rows(bulletin.week_lines, True), styles, (22, 30, 30, 16, 76))
    return story + _section(gettext("Star deductions this period"), DEDUCTION_HEADERS,
                            _deduction_rows(bulletin.deductions), styles,
                            (22, 28, 28, 14, 30, 52))


def bulletin_pdf(bulletin):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=pdf_text(bulletin.title),
                            leftMargin=14 * mm, rightMargin=14 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm)
    doc.build(_story(bulletin, _styles()))
    return out.getvalue()

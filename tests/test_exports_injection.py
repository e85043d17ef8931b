"""Issue 9, items 5 and 6: user text in exported files stays text.

A realistic cycle (graded, a team, published) is built with one hostile text at the
start of every user-controlled field: cycle name, unit names and categories, cadre
names, the team name, report content and indicator rows, review comments, the reason
of a penalty entry. Every export is then downloaded as a user would:

- spreadsheets (EXPORTS): no cell is a formula or an error value, no text cell could
  start a formula, each field shown arrives (quoted), scores and ranks stay numbers;
- PDFs (PDFS): 200, a valid PDF, the hostile markup shown literally, no file opened.

A new export: add a row to EXPORTS or PDFS; `test_every_export_route_is_tested`
fails until you do.
"""

import base64
import csv
import io
import re
import secrets
import zlib
from copy import deepcopy
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import FULL_REPORT
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.exports.spreadsheet import csv_text, safe_cell, xlsx_bytes
from workflow_app.extensions import db
from workflow_app.people import import_jobs
from workflow_app.people import teams as team_service
from workflow_app.scoring.negative import record_negative_item
from workflow_app.scoring.services import grade_cycle, publish_cycle
from workflow_app.showcase import services as showcase
from workflow_app.showcase.rules import parse_period

FORMULA_PAYLOADS = ["=1+1", "+SUM(A1)", "-2+3", "@SUM(1)", "\t=1", "\r=1",
                    '=HYPERLINK("http://x","y")', "＝1＋1", " =1", "\u3000＠SUM(1)", "﹦1",
                    "\n-1"]
MARKUP_PAYLOADS = ['<img src="/etc/passwd"/>', "<b>unclosed", '<font name="x">', "&amp;",
                   "<para>", "]]>", '<a href="file:///etc/passwd">x</a>', "R&D", "&nbsp;",
                   "</para>", "<br/>"]
# What a spreadsheet reads as the start of a formula: written independently of
# workflow_app.exports, so the test does not share the code's blind spots.
STARTERS = set("=+-@＝＋－＠﹦﹢﹣﹫")


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


# --- a realistic cycle with hostile text in every user field --------------------

def _report(payload):
    report = deepcopy(FULL_REPORT)
    for key in ("key_work", "indicator_progress", "most_satisfied", "least_satisfied",
                "self_evaluation"):
        report[key] = payload + "内容"
    report["indicators"] = [dict.fromkeys(report["indicators"][0], payload + "指标")]
    return report


def _approve(world, cycle, username, score, payload):
    cadre = world.users[username]
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == cadre.id,
                                                   Assessment.cycle_id == cycle.id))
    save_report(a, cadre, _report(payload))
    fire_event(a, "submit", cadre)
    fire_event(a, "approve", world.sup_a, score=score, comment=payload + "意见")
    fire_event(a, "approve", world.com_a1, score=score, comment=payload + "意见")
    fire_event(a, "approve", world.sec_a, comment=payload + "意见")
    return a


def _rename(world, cycle, team, payload):
    """Names are set on the rows directly: forms and the importer strip leading
    whitespace, but a name may come from anywhere (an older import, the API)."""
    cycle.name = payload + "考核"
    for unit in world.units.values():
        unit.name, unit.category = payload + unit.name, payload + "类别"
    for user in world.users.values():
        user.display_name = payload + user.username
    team.name = payload + "班子"


def build_cycle(world, create_cycle, payload):
    team = team_service.create_team(world.admin, world.units["a"], "两委班子")
    team_service.add_member(world.admin, team, world.a1, "书记")
    cycle = create_cycle(units=[world.units["a"]])
    approved = [_approve(world, cycle, name, score, payload)
                for name, score in (("a1", 95), ("a2", 85), ("a3", 70))]
    record_negative_item(approved[2], world.audit, kind="deduct", points=3,
                         reason=payload + "原因")
    grade_cycle(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    showcase = _star_board(world, payload)
    _rename(world, cycle, team, payload)
    db.session.commit()
    return {"cycle": cycle.name, "unit": world.units["a"].name,
            "category": world.units["a"].category, "name": world.a1.display_name,
            "team": team.name, "id": cycle.id, "unit_id": world.units["a"].id,
            "assessment_id": approved[0].id, "cadre_id": world.a1.id,
            "report": payload + "内容",
            "indicator": payload + "指标", "comment": payload + "意见",
            # what the log keeps of it: comments are stored without surrounding blanks
            "stored_comment": (payload + "意见").strip(), **showcase}


def _star_board(world, payload):
    """业绩晾晒: a1's stars with a note, and a 减星 with its reason (both stored trimmed),
    in the week the 周通报 opens on (the clock's: 2026-W14)."""
    april, a1 = parse_period("2026-04"), ("person", world.a1.id)
    note, reason = payload + "说明", payload + "减星"
    showcase.set_stars(world.sec_a, world.units["a"], april, a1, "tasks", 4, note=note,
                       on="2026-04-01")
    showcase.deduct_stars(world.sec_a, world.units["a"], april, a1, "tasks", 1, "criticism",
                          reason, on="2026-04-01")
    return {"period": april.code, "star_note": note.strip(), "star_reason": reason.strip()}


def import_job_with_report(payload):
    """A finished import whose report lines start with user text. (Today's importer
    starts each line with "第 n 行", but a line may quote a cell or an exception.)"""
    job_id = secrets.token_hex(8)
    import_jobs._write(job_id, {"status": "failed", "report": [payload + "问题"],
                                "summary": "", "stage": "", "done": 0, "total": 0})
    return {"report": payload + "问题", "id": job_id}


# --- the exports ------------------------------------------------------------------

@dataclass(frozen=True)
class Export:
    path: str             # with {id} for what the setup returns
    kind: str             # "xlsx", "csv" or "pdf"
    fields: tuple         # the user fields the file shows
    setup: str = "cycle"  # "cycle" or "import"
    numeric: tuple = ()   # (sheet, column index) of numbers: must stay numbers


EXPORTS = {
    "results.xlsx (备案)": Export("/cycles/{id}/results.xlsx", "xlsx",
                                ("cycle", "unit", "category", "name", "team"),
                                numeric=(("考核结果", 3), ("考核结果", 5), ("班子考核结果", 2))),
    "publication.xlsx (公示)": Export("/cycles/{id}/publication.xlsx", "xlsx",
                                    ("cycle", "unit", "name")),
    "audit log.xlsx (审计日志)": Export("/audit/log.xlsx", "xlsx",
                                     ("name", "stored_comment")),
    "bulletin.xlsx (周通报)": Export("/showcase/{unit_id}/{period}/bulletin.xlsx", "xlsx",
                                    ("unit", "name", "star_note", "star_reason")),
    "import report.csv": Export("/admin/people/import/{id}/report.csv", "csv", ("report",),
                                setup="import"),
}
PDFS = {
    "publication.pdf (公示)": Export("/cycles/{id}/publication.pdf", "pdf",
                                   ("cycle", "unit", "name")),
    "registration.pdf (登记表)": Export("/assessments/{assessment_id}/registration.pdf", "pdf",
                                     ("cycle", "unit", "name", "report", "indicator",
                                      "comment")),
    "unit registration.pdf (登记表)": Export("/cycles/{id}/units/{unit_id}/registration.pdf",
                                          "pdf", ("cycle", "unit", "name", "report",
                                                  "comment")),
    "record.pdf (实绩档案, 干部考察)": Export("/people/{cadre_id}/record.pdf", "pdf",
                                         ("cycle", "unit", "name", "report", "team")),
    "bulletin.pdf (周通报)": Export("/showcase/{unit_id}/{period}/bulletin.pdf", "pdf",
                                  ("unit", "name", "star_note", "star_reason")),
}


def _download(export, scene, auth, payload):
    shown = scene if export.setup == "cycle" else import_job_with_report(payload)
    try:
        resp = auth.user("admin").get(export.path.format(**shown))
    finally:
        if export.setup == "import":
            import_jobs.forget(shown["id"])
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp, shown


def _each_export(table, check, world, create_cycle, auth, payload):
    """One cycle per payload, every export of `table` checked against it: a failure names
    each export that failed and why (building the cycle is most of the cost)."""
    scene = build_cycle(world, create_cycle, payload)
    failed = {}
    for name, export in table.items():
        try:
            check(export, *_download(export, scene, auth, payload))
        except AssertionError as exc:
            failed[name] = str(exc)[:500]
    assert not failed, failed


def test_every_export_route_is_tested(app):
    """A route that hands out a spreadsheet or PDF must be in EXPORTS or PDFS."""
    suffixes = (".xlsx", ".csv", ".pdf", ".xls", ".ods")
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.endswith(suffixes)}
    tested = {re.sub(r"\{\w+\}", "", e.path) for e in (*EXPORTS.values(), *PDFS.values())}
    untested = {r for r in routes if re.sub(r"<[^>]+>", "", r) not in tested}
    assert not untested, f"add these exports to the tables: {sorted(untested)}"


WRITERS_RE = re.compile(r"\bWorkbook\(|csv\.(writer|DictWriter)\(|\bParagraph\("
                        r"|from reportlab\.platypus import [^\n]*\b(Table|Paragraph)\b")


def test_files_are_written_only_through_the_exports_package():
    """openpyxl, csv.writer or reportlab called elsewhere would skip the escaping."""
    root = Path(__file__).parents[1] / "workflow_app"
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if "exports" not in path.parts and WRITERS_RE.search(path.read_text())]
    assert offenders == []


# --- spreadsheets -------------------------------------------------------------------

def _norm(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _could_start_formula(text):
    text = _norm(text)
    return text[:1] in "\t\n" or text.lstrip()[:1] in STARTERS


def _xlsx_cells(data):
    book = load_workbook(io.BytesIO(data))
    return book, [c for sheet in book for row in sheet.iter_rows() for c in row]


def _csv_cells(data):
    text = data.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return [v for row in csv.reader(io.StringIO(text[1:], newline="")) for v in row]


def _check_cells(values, shown, fields):
    for value in values:
        if isinstance(value, str):
            assert not _could_start_formula(value), repr(value)
    texts = [_norm(v) for v in values if isinstance(v, str)]
    for field in fields:
        expected = _norm(shown[field])
        assert any(t.startswith("'") and expected in t for t in texts), (field, expected)


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_spreadsheet_exports_write_user_text_inert(world, create_cycle, auth, payload):
    _each_export(EXPORTS, _check_spreadsheet, world, create_cycle, auth, payload)


def _check_spreadsheet(export, resp, shown):
    if export.kind == "csv":
        _check_cells(_csv_cells(resp.data), shown, export.fields)
        return
    book, cells = _xlsx_cells(resp.data)
    assert not [c.coordinate for c in cells if c.data_type in ("f", "e")]
    _check_cells([c.value for c in cells], shown, export.fields)
    for sheet, column in export.numeric:
        values = [row[column] for row in book[sheet].iter_rows(min_row=3, values_only=True)]
        assert values and all(isinstance(v, int | float) for v in values), (sheet, values)


SAFE_CELLS = [  # (written, read back)
    ("=1+1", "'=1+1"), ("＝1＋1", "'＝1＋1"), (" @x", "' @x"), ("\t=1", "'\t=1"),
    ("张三", "张三"), ("a-b", "a-b"), ("1+1", "1+1"), ("x@example.test", "x@example.test"),
    ("", ""), (None, None), (-2.5, -2.5), (-3, -3), (Decimal("-1.50"), Decimal("-1.50")),
    (0, 0), (True, True), ("a\x01b", "a\ufffdb"), ("\ud800x", "\ufffdx"),
]


@pytest.mark.parametrize(("value", "expected"), SAFE_CELLS)
def test_safe_cell_quotes_formula_text_and_keeps_numbers(value, expected):
    assert safe_cell(value) == expected
    assert type(safe_cell(value)) is type(expected)


def test_workbook_writer_keeps_types():
    """openpyxl alone stores "=…" as a formula and "#N/A" as an error value."""
    data = xlsx_bytes([("s", [["=1+1", "#N/A", -4.5, 7, "a\x00b", None]])])
    row = next(load_workbook(io.BytesIO(data))["s"].iter_rows())
    assert [c.data_type for c in row[:5]] == ["s", "s", "n", "n", "s"]
    assert [c.value for c in row[:5]] == ["'=1+1", "#N/A", -4.5, 7, "a\ufffdb"]


def test_csv_writer_quotes_formula_text():
    rows = list(csv.reader(io.StringIO(csv_text([["@SUM(1)", -2, "ok"]])[1:])))
    assert rows == [["'@SUM(1)", "-2", "ok"]]


# --- PDFs ---------------------------------------------------------------------------

def _pdf_text(data):
    """The text of a reportlab PDF: its (ASCII85, Flate) content streams, the strings
    shown with Tj, decoded from the CID font's UCS-2. Enough for these files, without
    a PDF library."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        content = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            raw = _unescape(literal)
            shown.append(raw.decode("utf-16-be") if len(raw) % 2 == 0 else "")
    return "".join(shown)


def _unescape(literal):
    out, i = bytearray(), 0
    while i < len(literal):
        if literal[i:i + 1] != b"\\":
            out.append(literal[i])
            i += 1
        elif re.match(rb"[0-7]{1,3}", literal[i + 1:i + 4]):
            digits = re.match(rb"[0-7]{1,3}", literal[i + 1:i + 4]).group()
            out.append(int(digits, 8))
            i += 1 + len(digits)
        else:
            escaped = literal[i + 1:i + 2]
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(escaped, escaped)
            i += 2
    return bytes(out)


@pytest.fixture
def opened_images(monkeypatch):
    """Every image reportlab's paragraph parser tried to open."""
    from reportlab.platypus import paraparser

    opened = []
    real = paraparser.ImageReader
    monkeypatch.setattr(paraparser, "ImageReader", lambda src: opened.append(src) or real(src))
    return opened


@pytest.mark.parametrize("payload", MARKUP_PAYLOADS)
def test_pdf_shows_markup_literally(world, create_cycle, auth, opened_images, payload):
    _each_export(PDFS, _check_pdf, world, create_cycle, auth, payload)
    assert opened_images == []


def _check_pdf(export, resp, shown):
    assert resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF-")
    assert resp.data.rstrip().endswith(b"%%EOF")
    text = re.sub(r"\s", "", _pdf_text(resp.data))
    for field in export.fields:
        assert re.sub(r"\s", "", shown[field]) in text, (field, shown[field], text[:300])


def test_pdf_survives_unwritable_characters(world, create_cycle, auth):
    """A control character in a name still gives a PDF (XML has no place for it)."""
    payload = "a\x01\x0b"
    resp, _shown = _download(PDFS["publication.pdf (公示)"],
                             build_cycle(world, create_cycle, payload), auth, payload)
    assert resp.data.startswith(b"%PDF-") and "a\ufffd\ufffd考核" in _pdf_text(resp.data)

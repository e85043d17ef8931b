"""Issue 10, item 10: the 公示 carries its issuing body, period, 监督电话 and where to
object (settings of the department, edited by its org_admin), the title keeps its
middle dot in the PDF, and every download is named after the cycle (RFC 5987/6266)."""

import re
from io import BytesIO
from urllib.parse import quote, unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import CONFIRMED, exclude_unfinished
from tests.test_exports_injection import _pdf_text
from tests.test_grading import _grade
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.exports.download import content_disposition, file_name
from workflow_app.extensions import db
from workflow_app.scoring.notice import NoticeSettings

SETTINGS = {"issuing_body": "中共城关县委组织部", "supervision_phone": "0571-12345678",
            "objection_channel": "县委组织部干部科（县行政中心 305 室）"}


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def published(world, create_cycle, auth):
    return publish_quarter(world, create_cycle, auth)


def publish_quarter(world, create_cycle, auth):
    """2026年第一季度平时考核, published on Wednesday 2026-04-01 for 5 working days."""
    cycle = create_cycle()
    _grade(world, cycle, {"a1": 95, "a2": 85, "a3": 70})
    exclude_unfinished(cycle, world.admin)
    resp = auth.user("admin").post(f"/admin/cycles/{cycle.id}/grading/publish", CONFIRMED)
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:300]
    return cycle


def _save(auth, world, data=SETTINGS, who="admin"):
    return auth.user(who).post(f"/admin/notice-settings/{world.units['root'].id}", data)


# --- the settings page --------------------------------------------------------------

def test_the_cycles_page_leads_to_the_settings(world, auth):
    admin = auth.user("admin")
    page = admin.get("/admin/cycles").get_data(as_text=True)
    assert 'id="notice-settings-link"' in page
    resp = admin.get("/admin/notice-settings")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/admin/notice-settings/{world.units['root'].id}")
    form = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "发布单位" in form and "监督电话" in form and "异议受理" in form


def test_org_admin_saves_the_settings(world, auth):
    resp = _save(auth, world)
    assert resp.status_code == 303
    row = db.session.scalar(select(NoticeSettings))
    assert (row.issuing_body, row.supervision_phone, row.objection_channel) == tuple(
        SETTINGS.values())
    assert row.org_unit_id == world.units["root"].id and row.updated_by_id == world.admin.id


@pytest.mark.parametrize(("who", "path"), [
    ("town_admin", "/admin/notice-settings"),        # admin of one community only
    ("town_admin", "/admin/notice-settings/{root}"),
    ("admin", "/admin/notice-settings/{town}"),      # not a department (has a parent)
    ("audit", "/admin/notice-settings/{root}"),
    ("a1", "/admin/notice-settings/{root}"),
])
def test_others_may_not_edit_the_settings(world, auth, who, path):
    path = path.format(root=world.units["root"].id, town=world.units["town"].id)
    user = auth.user(who)
    assert user.get(path).status_code == 403
    if path.endswith(str(world.units["root"].id)):
        assert user.post(path, SETTINGS).status_code == 403
        assert db.session.scalar(select(NoticeSettings)) is None


def test_too_long_input_is_refused_and_kept(world, auth):
    data = dict(SETTINGS, supervision_phone="1" * 41)
    resp = _save(auth, world, data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "1" * 41 in html and SETTINGS["issuing_body"] in html
    assert db.session.scalar(select(NoticeSettings)) is None


# --- what the 公示 prints -------------------------------------------------------------

PRINTED = ["公示时间：2026年4月1日至4月9日", "中共城关县委组织部", "2026年4月1日",
           "监督电话：0571-12345678", "县委组织部干部科（县行政中心305室）"]


def _squeeze(text):
    return re.sub(r"\s", "", text)


def test_the_publication_page_prints_the_notice(world, published, auth):
    _save(auth, world)
    for who in ("admin", "a2"):
        html = auth.user(who).get(f"/cycles/{published.id}/publication").get_data(as_text=True)
        assert "2026年第一季度平时考核 · 考核结果公示" in html
        for line in PRINTED:
            assert line in _squeeze(html), (who, line)
        assert re.search(r'class="signature">\s*<p class="issuing-body">中共城关县委组织部', html)
        assert "onclick" not in html and "<style" not in html  # CSP: no inline code


def test_the_pdf_prints_the_notice_and_the_dot(world, published, auth):
    _save(auth, world)
    pdf = auth.user("a2").get(f"/cycles/{published.id}/publication.pdf")
    text = _squeeze(_pdf_text(pdf.data))
    # STSong-Light has no U+00B7: the title prints the full-width dot it does have.
    assert "2026年第一季度平时考核\u30fb考核结果公示" in text
    for line in PRINTED:
        assert line in text, line


def test_the_xlsx_prints_the_notice(world, published, auth):
    _save(auth, world)
    resp = auth.user("admin").get(f"/cycles/{published.id}/publication.xlsx")
    sheet = load_workbook(BytesIO(resp.data))["公示名单"]
    details = _squeeze(sheet["A2"].value)
    for line in ("公示时间：2026年4月1日至4月9日", "监督电话：0571-12345678",
                 "县委组织部干部科（县行政中心305室）"):
        assert line in details


def test_without_settings_the_department_name_signs(world, published, auth):
    html = auth.user("admin").get(f"/cycles/{published.id}/publication").get_data(as_text=True)
    assert '<p class="issuing-body">县委组织部</p>' in html and 'class="supervision"' not in html
    assert "公示时间：2026年4月1日至4月9日" in html


# --- file names -----------------------------------------------------------------------

def _assessment_id(world):
    return db.session.scalar(select(Assessment.id).where(Assessment.cadre_id == world.a1.id))


DOWNLOADS = [  # (path, expected file name)
    ("/cycles/{cycle}/results.xlsx", "2026年第一季度平时考核-考核结果.xlsx"),
    ("/cycles/{cycle}/publication.pdf", "2026年第一季度平时考核-公示.pdf"),
    ("/cycles/{cycle}/publication.xlsx", "2026年第一季度平时考核-公示名单.xlsx"),
    ("/assessments/{a1}/registration.pdf", "2026年第一季度平时考核-平时考核登记表-a1.pdf"),
    ("/cycles/{cycle}/units/{unit}/registration.pdf",
     "2026年第一季度平时考核-平时考核登记表-东街社区.pdf"),
]


@pytest.mark.parametrize(("path", "expected"), DOWNLOADS)
def test_downloads_are_named_after_the_cycle(world, published, auth, path, expected):
    path = path.format(cycle=published.id, a1=_assessment_id(world), unit=world.units["a"].id)
    resp = auth.user("admin").get(path)
    assert resp.status_code == 200
    header = resp.headers["Content-Disposition"]
    match = re.fullmatch(r'attachment; filename="([\x20-\x7e]+)"; filename\*=UTF-8\'\'(\S+)',
                         header)
    assert match, header
    assert unquote(match.group(2)) == expected
    assert match.group(1).endswith(expected.rsplit(".", 1)[1]) and '"' not in match.group(1)


@pytest.mark.parametrize(("parts", "expected"), [
    (("2026年第一季度平时考核", "公示"), "2026年第一季度平时考核-公示.pdf"),
    (('a/b\\c:d*e?f"g<h>i|j', "x"), "a_b_c_d_e_f_g_h_i_j-x.pdf"),
    (("..", "\r\n"), "export.pdf"),
    (("考核;\x00名单",), "考核_\ufffd名单.pdf"),
])
def test_file_names_are_safe(parts, expected):
    assert file_name(*parts, ext="pdf") == expected


def test_content_disposition_quotes_the_utf8_name():
    header = content_disposition("2026年 Q1 \"公示\".pdf")
    assert header == ('attachment; filename="2026_Q1.pdf"; '
                      "filename*=UTF-8''" + quote("2026年 Q1 \"公示\".pdf", safe=""))
    assert "\n" not in content_disposition("a\r\nSet-Cookie: x.pdf")


def test_the_import_report_uses_the_same_naming(world, auth):
    import secrets

    from workflow_app.people import import_jobs

    job_id = secrets.token_hex(8)
    import_jobs._write(job_id, {"status": "failed", "report": ["第 2 行：单位不存在"],
                                "summary": "", "stage": "", "done": 0, "total": 0})
    try:
        resp = auth.user("admin").get(f"/admin/people/import/{job_id}/report.csv")
    finally:
        import_jobs.forget(job_id)
    assert resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].endswith(
        "filename*=UTF-8''" + quote(f"导入问题-{job_id}.csv", safe=""))

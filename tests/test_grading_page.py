"""The organisation department's grading page: run grading, read the rank lists with
their flags, override with a reason (refusals shown beside the row, nothing typed
lost), publish (公示) and finalize (备案) — with real CSRF, on both databases."""

import re

import pytest
from sqlalchemy import select

from tests.factories import CONFIRMED, exclude_unfinished
from tests.test_grading import _approve, _grade
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


def _ids(world):
    return {n: db.session.scalar(select(Assessment.id).where(
        Assessment.cadre_id == world.users[n].id)) for n in ("a1", "a2", "a3")}


def _fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


@pytest.fixture
def tied(world, create_cycle):
    """a1 and a2 tie at 95 on the boundary of the 好 quota (1 of 3); a3 80."""
    cycle = create_cycle()
    _grade(world, cycle, {"a1": 95, "a2": 95, "a3": 80})
    exclude_unfinished(cycle, world.admin)  # b1 of 西街社区 is on leave
    return cycle, _ids(world)


def test_run_grading_from_the_page(world, create_cycle, auth):
    cycle = create_cycle()
    for name, score in {"a1": 95, "a2": 85, "a3": 70}.items():
        _approve(world, name, score)
    db.session.commit()
    admin = auth.user("admin")
    page = admin.get(f"/admin/cycles/{cycle.id}/grading").get_data(as_text=True)
    assert "运行评定" in page and "尚未评定" in page
    resp = admin.post(f"/admin/cycles/{cycle.id}/grading/run", CONFIRMED, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "评定完成：3 人已评定，0 人无分数。好 1、较好 1、一般 1" in html
    assert _fresh(Cycle, cycle.id).graded_at is not None
    # Rank list of the category, band, 两头 and pay tier in their own columns.
    row = re.search(r'<tr id="row-\d+"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert "a1" in row and "95.00" in row and "红" in row and "100" in row


def test_tie_is_shown_plainly_and_decided_by_override(tied, auth):
    cycle, ids = tied
    admin = auth.user("admin")
    html = admin.get(f"/admin/cycles/{cycle.id}/grading").get_data(as_text=True)
    assert "2 人在名额边界同分" in html and "名额边界同分，待决定" in html
    resp = admin.post(f"/admin/assessments/{ids['a1']}/override", data={
        f"o{ids['a1']}-grade": "好", f"o{ids['a1']}-reason": "两委会决定：a1 完成重点任务更多",
        f"o{ids['a1']}-version": str(_fresh(Assessment, ids["a1"]).version)})
    assert resp.status_code == 303
    a1 = _fresh(Assessment, ids["a1"])
    assert a1.grade == "好" and "override" in a1.flags
    # The quota (1) is used: lifting a2 as well is refused beside a2's row, reason kept.
    resp = admin.post(f"/admin/assessments/{ids['a2']}/override", data={
        f"o{ids['a2']}-grade": "好", f"o{ids['a2']}-reason": "同分，亦表现突出",
        f"o{ids['a2']}-version": str(_fresh(Assessment, ids["a2"]).version)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    row = re.search(rf'<tr id="row-{ids["a2"]}".*?</tr>', html, re.S).group(0)
    assert "本单位该等次名额已满。" in row and "同分，亦表现突出" in row
    assert _fresh(Assessment, ids["a2"]).grade == "较好"


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"grade": "较差", "reason": ""}, 422, "此项为必填项"),
    ({"grade": "超好", "reason": "x"}, 422, "未知的值。"),
])
def test_override_input_errors_beside_the_row(tied, auth, data, status, message):
    cycle, ids = tied
    aid = ids["a3"]
    resp = auth.user("admin").post(f"/admin/assessments/{aid}/override",
                                   data={f"o{aid}-{k}": v for k, v in data.items()})
    assert resp.status_code == status
    row = re.search(rf'<tr id="row-{aid}".*?</tr>', resp.get_data(as_text=True), re.S).group(0)
    assert 'class="error' in row
    assert _fresh(Assessment, aid).grade == "较好"


def test_veto_refused_beside_the_row(world, create_cycle, auth):
    _grade(world, create_cycle(), {"a1": 98, "a2": 70, "a3": 65},
           negatives=[("a1", "veto", None)])
    aid = _ids(world)["a1"]
    resp = auth.user("admin").post(f"/admin/assessments/{aid}/override", data={
        f"o{aid}-grade": "一般", f"o{aid}-reason": "情节轻微"})
    assert resp.status_code == 422
    row = re.search(rf'<tr id="row-{aid}".*?</tr>', resp.get_data(as_text=True), re.S).group(0)
    assert "存在一票否决事项，等次只能为最低等次。" in row and "情节轻微" in row
    assert "一票否决" in row


def test_publish_then_finalize_from_the_page(tied, auth, clock):
    cycle, ids = tied
    admin = auth.user("admin")
    resp = admin.post(f"/admin/cycles/{cycle.id}/grading/publish", CONFIRMED, follow_redirects=True)
    assert "3 条结果已公示" in resp.get_data(as_text=True)
    assert {_fresh(Assessment, i).state for i in ids.values()} == {"published"}
    assert _fresh(Cycle, cycle.id).status == "published"
    html = admin.get(f"/admin/cycles/{cycle.id}/grading").get_data(as_text=True)
    assert "公示后不可更改" in html  # no override form once published
    resp = admin.post(f"/admin/cycles/{cycle.id}/grading/finalize", CONFIRMED,
            follow_redirects=True)
    assert "公示期尚未结束。" in resp.get_data(as_text=True)
    clock.advance(days=10)
    resp = admin.post(f"/admin/cycles/{cycle.id}/grading/finalize", CONFIRMED,
            follow_redirects=True)
    assert "3 条结果已备案" in resp.get_data(as_text=True)
    assert {_fresh(Assessment, i).state for i in ids.values()} == {"final"}


@pytest.mark.parametrize(("who", "method", "path", "status"), [
    ("town_admin", "get", "/admin/cycles/{c}/grading", 403),
    ("a1", "get", "/admin/cycles/{c}/grading", 403),
    ("sup_a", "get", "/admin/cycles/{c}/grading", 403),
    ("audit", "get", "/admin/cycles/{c}/grading", 403),
    ("town_admin", "post", "/admin/cycles/{c}/grading/run", 403),
    ("town_admin", "post", "/admin/cycles/{c}/grading/publish", 403),
    ("town_admin", "post", "/admin/assessments/{a}/override", 403),
    ("a1", "post", "/admin/assessments/{a}/override", 403),
    ("admin", "get", "/admin/cycles/9999/grading", 404),
])
def test_grading_page_forbidden(tied, auth, who, method, path, status):
    cycle, ids = tied
    user = auth.user(who)
    url = path.format(c=cycle.id, a=ids["a3"])
    resp = user.get(url) if method == "get" else user.post(url, data={
        f"o{ids['a3']}-grade": "好", f"o{ids['a3']}-reason": "x"})
    assert resp.status_code == status
    assert _fresh(Assessment, ids["a3"]).grade == "较好"


def test_post_without_csrf_is_refused(tied, auth):
    cycle, _ids_ = tied
    resp = auth.user("admin").post(f"/admin/cycles/{cycle.id}/grading/publish", CONFIRMED,
            csrf=False)
    assert resp.status_code == 400
    assert _fresh(Cycle, cycle.id).published_at is None


def test_publication_ends_is_shown(tied, auth):
    cycle, _ids_ = tied
    admin = auth.user("admin")
    admin.post(f"/admin/cycles/{cycle.id}/grading/publish", CONFIRMED)
    assert _fresh(Cycle, cycle.id).publication_ends_at > _fresh(Cycle, cycle.id).published_at
    assert 'id="publication-ends"' in admin.get(
        f"/admin/cycles/{cycle.id}/grading").get_data(as_text=True)


def test_publication_pdf_xlsx_and_print_css(tied, auth):
    from io import BytesIO

    from openpyxl import load_workbook

    cycle, _ids_ = tied
    auth.user("admin").post(f"/admin/cycles/{cycle.id}/grading/publish", CONFIRMED)
    a2 = auth.user("a2")
    page = a2.get(f"/cycles/{cycle.id}/publication").get_data(as_text=True)
    # The print style lives in kaohe.css (the CSP allows no inline <style>), keyed on the body.
    assert '<body class="print-notice">' in page and "下载 PDF" in page
    assert "paper.css" in page  # the notice's own print stylesheet
    pdf = a2.get(f"/cycles/{cycle.id}/publication.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and b"STSong-Light" in pdf.data
    sheet = load_workbook(BytesIO(a2.get(f"/cycles/{cycle.id}/publication.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"{cycle.name} · 考核结果公示"
    assert rows[2] == ("单位", "姓名", "等次")
    assert {r[1]: r[2] for r in rows[3:]} == {"a1": "较好", "a2": "较好", "a3": "较好"}
    for path in ("publication.pdf", "publication.xlsx"):
        assert auth.user("b1").get(f"/cycles/{cycle.id}/{path}").status_code == 403


# The auditor reads the entries (a read-only page) and records none.
@pytest.mark.parametrize(("who", "linked"), [("admin", True), ("audit", True),
                                             ("sup_a", False), ("a1", False)])
def test_assessment_page_links_bonus_and_penalty_entries(tied, auth, who, linked):
    _, ids = tied
    page = auth.user(who).get(f"/assessments/{ids['a1']}").get_data(as_text=True)
    assert (f'href="/assessments/{ids["a1"]}/adjustments"' in page) is linked


def test_cycles_admin_links_the_grading_page(tied, auth):
    cycle, _ = tied
    page = auth.user("admin").get("/admin/cycles").get_data(as_text=True)
    assert f'href="/admin/cycles/{cycle.id}/grading"' in page

"""Issue 10, item 12: the 平时考核登记表, for one person or a whole unit, as a page
printed from the browser (one person per A4 page) and as a PDF (one page per person)."""

import re
from copy import deepcopy

import pytest
from sqlalchemy import select

from tests.factories import CONFIRMED, FULL_REPORT, exclude_unfinished
from tests.test_exports_injection import _pdf_text
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db
from workflow_app.scoring.services import grade_cycle

OBJECTION = "评分过低，要求复核（异议内容）"


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


def _approve(world, cycle, name, score, report=FULL_REPORT):
    cadre = world.users[name]
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == cadre.id,
                                                   Assessment.cycle_id == cycle.id))
    save_report(a, cadre, report)
    fire_event(a, "submit", cadre)
    fire_event(a, "approve", world.sup_a, score=score - 1, comment=f"{name} 工作扎实")
    fire_event(a, "approve", world.com_a1, score=score, comment="两委会同意")
    fire_event(a, "approve", world.sec_a, comment="同意上报")
    return a


def _published(world, create_cycle, auth, reports=None):
    cycle = create_cycle()
    people = {n: _approve(world, cycle, n, s, (reports or {}).get(n, FULL_REPORT))
              for n, s in (("a1", 95), ("a2", 85), ("a3", 70))}
    grade_cycle(cycle, world.admin)
    db.session.commit()
    exclude_unfinished(cycle, world.admin)
    resp = auth.user("admin").post(f"/admin/cycles/{cycle.id}/grading/publish", CONFIRMED)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    db.session.expire_all()
    return cycle, {n: a.id for n, a in people.items()}


@pytest.fixture
def quarter(world, create_cycle, auth):
    cycle, ids = _published(world, create_cycle, auth)
    # a2 objects: the objection and its author stay off the form.
    fire_event(db.session.get(Assessment, ids["a2"]), "dispute", world.a2, reason=OBJECTION)
    db.session.commit()
    return cycle, ids


def _squeeze(text):
    return re.sub(r"\s", "", text)


SHOWN = ["平时考核登记表", "2026年第一季度平时考核", "a1", "东街社区", "社区",
         FULL_REPORT["key_work"], FULL_REPORT["most_satisfied"], FULL_REPORT["least_satisfied"],
         FULL_REPORT["self_evaluation"], "人口普查入户登记", "入户登记台账",
         "上级审核", "sup_a", "a1工作扎实", "94", "两委会表决：1票中同意1票", "书记审批", "sec_a",
         "同意上报", "95", "好", "第1名", "组织部门（盖章）", "年____月____日"]


def test_the_form_shows_the_quarter_of_one_person(world, quarter, auth):
    _cycle, ids = quarter
    html = auth.user("admin").get(f"/assessments/{ids['a1']}/registration").get_data(
        as_text=True)
    for text in SHOWN:
        assert _squeeze(text) in _squeeze(html), text
    assert "com_a1" not in html  # committee members are not named, only the tally
    pdf = auth.user("admin").get(f"/assessments/{ids['a1']}/registration.pdf")
    assert pdf.mimetype == "application/pdf"
    text = _squeeze(_pdf_text(pdf.data))
    for shown in SHOWN:
        assert _squeeze(shown) in text, shown
    assert "com_a1" not in text


def test_objections_stay_off_the_form(world, quarter, auth):
    _cycle, ids = quarter
    for path in (f"/assessments/{ids['a2']}/registration",
                 f"/cycles/{quarter[0].id}/units/{world.units['a'].id}/registration"):
        assert OBJECTION not in auth.user("admin").get(path).get_data(as_text=True)
    pdf = auth.user("admin").get(f"/assessments/{ids['a2']}/registration.pdf")
    assert _squeeze(OBJECTION) not in _squeeze(_pdf_text(pdf.data))


@pytest.mark.parametrize(("who", "whose", "status"), [
    ("a1", "a1", 200),          # the cadre, their own
    ("a1", "a2", 403),          # a colleague's
    ("a2", "a1", 403),
    ("sup_a", "a1", 403),       # a reviewer does not print the file copy
    ("com_a1", "a1", 403),
    ("town_admin", "a1", 403),  # org_admin of another unit
    ("b1", "a1", 403),
    ("admin", "a1", 200),       # the org department over the unit
    ("audit", "a1", 200),       # the auditor over the unit
])
def test_who_may_print_one_form(world, quarter, auth, who, whose, status):
    ident = quarter[1][whose]
    user = auth.user(who)
    for suffix in ("", ".pdf"):
        assert user.get(f"/assessments/{ident}/registration{suffix}").status_code == status


@pytest.mark.parametrize(("who", "status"), [
    ("admin", 200), ("audit", 200), ("town_admin", 403), ("a1", 403), ("sec_a", 403),
])
def test_who_may_print_a_unit(world, quarter, auth, who, status):
    path = f"/cycles/{quarter[0].id}/units/{world.units['a'].id}/registration"
    user = auth.user(who)
    for suffix in ("", ".pdf"):
        assert user.get(path + suffix).status_code == status


def test_missing_ones_are_404(world, quarter, auth):
    admin = auth.user("admin")
    assert admin.get("/assessments/999999/registration").status_code == 404
    assert admin.get(f"/cycles/999999/units/{world.units['a'].id}/registration").status_code \
        == 404


def test_a_unit_prints_one_page_per_person(world, quarter, auth):
    cycle, _ids = quarter
    path = f"/cycles/{cycle.id}/units/{world.units['a'].id}/registration"
    pdf = auth.user("admin").get(path + ".pdf").data
    assert pdf.startswith(b"%PDF-") and len(re.findall(rb"/Type /Page\b", pdf)) == 3
    text = _squeeze(_pdf_text(pdf))
    assert [text.index(f"姓名{n}") for n in ("a1", "a2", "a3")] == sorted(
        text.index(f"姓名{n}") for n in ("a1", "a2", "a3"))  # by rank
    html = auth.user("admin").get(path).get_data(as_text=True)
    assert html.count('<article class="registration"') == 3
    assert "paper.css" in html and "onclick" not in html and "<style" not in html


def test_the_print_stylesheet_puts_each_person_on_a_page(app):
    css = (app.static_folder + "/paper.css")
    with open(css, encoding="utf-8") as f:
        text = f.read()
    printed = text[text.index("@media print"):]
    assert "size: A4" in printed
    assert re.search(r"\.registration \{[^}]*page-break-after: always", printed)


@pytest.fixture
def opened_images(monkeypatch):
    """Every image reportlab's paragraph parser tried to open."""
    from reportlab.platypus import paraparser

    opened, real = [], paraparser.ImageReader
    monkeypatch.setattr(paraparser, "ImageReader", lambda src: opened.append(src) or real(src))
    return opened


HOSTILE = '<script>alert(1)</script><img src="/etc/passwd"/>&amp;'


def test_hostile_text_is_shown_literally(world, create_cycle, auth, opened_images):
    report = deepcopy(FULL_REPORT)
    report["key_work"] = HOSTILE + "重点工作"
    report["indicators"] = [dict.fromkeys(FULL_REPORT["indicators"][0], HOSTILE + "指标")]
    _cycle, ids = _published(world, create_cycle, auth, {"a1": report})
    admin = auth.user("admin")
    html = admin.get(f"/assessments/{ids['a1']}/registration").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = _pdf_text(admin.get(f"/assessments/{ids['a1']}/registration.pdf").data)
    assert HOSTILE + "重点工作" in text.replace("\n", "") and opened_images == []


def test_the_pages_link_the_form(world, quarter, auth):
    cycle, ids = quarter
    page = auth.user("a1").get(f"/assessments/{ids['a1']}").get_data(as_text=True)
    assert f'href="/assessments/{ids["a1"]}/registration"' in page
    colleague = auth.user("a2").get(f"/assessments/{ids['a1']}").get_data(as_text=True)
    assert 'id="registration-link"' not in colleague
    results = auth.user("admin").get(f"/cycles/{cycle.id}/results").get_data(as_text=True)
    assert f'/cycles/{cycle.id}/units/{world.units["a"].id}/registration"' in results


def test_someone_excluded_is_printed_without_a_grade(world, quarter, auth):
    cycle, _ids = quarter
    b1 = db.session.scalar(select(Assessment.id).where(Assessment.cadre_id == world.b1.id))
    html = auth.user("admin").get(f"/assessments/{b1}/registration").get_data(as_text=True)
    assert re.search(r'<td class="grade">不参加本次考核', html)

"""The cadre's record (实绩档案): one page, its PDF and its API answer per cadre, across
cycles; only what was published; who may read it; statements bounded. Both databases.

History of a1 (东街社区) built below:
  2026 Q1, published: score 80 → 较好, a 3-point bonus (抗洪抢险表彰) and a 2-point
           negative-list deduction; colleague a2 objected, dismissed by the admin.
  2026 Q2, graded as a preview (试算) but not published: score 98 → 好, never shown.
"""

import re

import pytest
from sqlalchemy import select, update

from tests.factories import exclude_unfinished, make_user
from tests.indicator_helpers import sheet
from tests.test_exports_injection import _pdf_text
from tests.test_grading import _approve
from tests.test_statement_budget import Statements
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.cycles import indicators as ind
from workflow_app.cycles.indicator_adjustments import capped_items, record_adjustment
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.substitutes import load_acting_user
from workflow_app.records.record import build_record
from workflow_app.scoring.disputes import raise_objection, resolve_objection
from workflow_app.scoring.negative import record_negative_item
from workflow_app.scoring.services import grade_cycle, publish_cycle

Q1, Q2 = "2026年第一季度平时考核", "2026年第二季度平时考核"
BONUS_REASON, DEDUCT_REASON = "抗洪抢险表彰", "值班脱岗经查实"
OBJECTION, RESOLUTION = "a1 的重点工作有夸大", "经核实材料属实，异议不成立"


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


def _published_quarter(world, create_cycle, name, quarter, scores, extras=None):
    cycle = create_cycle(name=name, quarter=quarter)
    approved = {n: _approve(world, n, s) for n, s in scores.items()}
    if extras:
        extras(approved)
    grade_cycle(cycle, world.admin)
    exclude_unfinished(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    db.session.commit()
    return cycle, approved


def _q1_extras(world):
    def add(approved):
        a1 = approved["a1"]
        bonus = next(i for i in capped_items(a1) if i.name == "表彰奖励")
        record_adjustment(a1, world.admin, item_id=bonus.id, points=3, reason=BONUS_REASON)
        record_negative_item(a1, world.audit, kind="deduct", points=2, reason=DEDUCT_REASON)
    return add


@pytest.fixture
def history(world, create_cycle):
    ind.save_sheet(world.admin, None, sheet())  # 社区: bonus item 表彰奖励 (at most 3)
    db.session.commit()
    _cycle, q1 = _published_quarter(world, create_cycle, Q1, 1, {"a1": 80, "a2": 95, "a3": 70},
                                    _q1_extras(world))
    raise_objection(q1["a1"], world.a2, "dispute", reason=OBJECTION)
    resolve_objection(q1["a1"], world.admin, "dismiss", reason=RESOLUTION)
    q2 = create_cycle(name=Q2, quarter=2)
    for name, score in {"a1": 98, "a2": 80, "a3": 70}.items():
        _approve(world, name, score)
    grade_cycle(q2, world.admin)  # a preview: sup_a and b1 are not done; nothing published
    db.session.commit()
    a1_q2 = db.session.scalar(select(Assessment).where(
        Assessment.cycle_id == q2.id, Assessment.cadre_id == world.a1.id))
    assert a1_q2.grade == "好" and a1_q2.state == "approved"  # what must stay hidden
    return q1


def _section(body, key):
    return next(s for s in body["sections"] if s["key"] == key)


def _rows(body, key, cycle):
    return [r for r in _section(body, key)["rows"] if r["cycle"] == cycle]


def test_the_cadre_reads_what_was_published_and_nothing_else(world, history, api):
    body = api.as_user("a1").get(f"/people/{world.a1.id}/record").get_json()
    assert body["person"]["name"] == "a1" and body["person"]["unit"] == "东街社区"
    assert body["years"] == [2026]
    [q1] = _rows(body, "results", Q1)
    # 80 from the committee, + 3 bonus − 2 deducted
    assert (q1["grade"], q1["score"], q1["state"]) == ("较好", 81.0, "published")
    [q2] = _rows(body, "results", Q2)
    assert (q2["grade"], q2["score"], q2["rank"], q2["flags"], q2["state"]) == (
        None, None, None, [], None)
    assert q2["status"] == "尚未公示"
    assert [r["key_work"] for r in _section(body, "key_work")["rows"]] == [
        "完成社区人口普查入户登记 1200 户"]  # Q1's only: Q2 is not published
    rewards = {(r["type"], r["reason"]) for r in _section(body, "rewards")["rows"]}
    assert rewards == {("bonus", BONUS_REASON), ("deduct", DEDUCT_REASON)}
    [objection] = _section(body, "objections")["rows"]
    assert (objection["kind"], objection["status"], objection["resolution"]) == (
        "dispute", "dismissed", RESOLUTION)
    assert objection["raised_by"] is None and "a2" not in str(body)  # nor the reason
    assert OBJECTION not in str(body)
    assert "teams" not in {s["key"] for s in body["sections"]}


@pytest.mark.parametrize(("viewer", "sees_objector"), [
    ("admin", True), ("audit", True), ("sup_a", False), ("sec_a", False)])
def test_superiors_and_staff_read_the_same_published_record(world, history, api, viewer,
                                                            sees_objector):
    body = api.as_user(viewer).get(f"/people/{world.a1.id}/record").get_json()
    [q2] = _rows(body, "results", Q2)
    assert q2["grade"] is None and q2["score"] is None  # staff too: the file, not a preview
    [objection] = _section(body, "objections")["rows"]
    assert objection["raised_by"] == ("a2" if sees_objector else None)


def _chief(world):
    """sup_a's own supervisor: above a1 in the supervisor chain."""
    chief = make_user("chief", world.units["town"], ["supervisor"])
    world.sup_a.supervisor = chief
    db.session.commit()


# 403 for a person in scope of nobody's answer; 404 for an id that does not exist.
@pytest.mark.parametrize(("viewer", "status"), [
    ("a1", 200), ("sup_a", 200), ("chief", 200), ("sec_a", 200), ("admin", 200),
    ("audit", 200),
    ("a2", 403),          # another cadre of the same unit
    ("b1", 403),          # a cadre elsewhere
    ("sup_b", 403),       # a supervisor of another unit's people
    ("sec_b", 403),       # the secretary of another unit
    ("com_a1", 403),      # a committee member of a1's unit: reviews quarters, not careers
    ("com_b", 403),       # a committee member outside the scope
    ("town_admin", 403),  # an org_admin of another subtree
])
def test_who_may_read_the_record(world, history, api, auth, viewer, status):
    _chief(world)
    user = api.as_user(viewer)
    assert user.get(f"/people/{world.a1.id}/record").status_code == status
    web = auth.user(viewer)
    for path in (f"/people/{world.a1.id}/record", f"/people/{world.a1.id}/record.pdf"):
        resp = web.get(path)
        assert resp.status_code == status, path
        resp.close()


def test_unknown_person_is_404(world, api, auth):
    assert api.as_user("admin").get("/people/999999/record").status_code == 404
    assert auth.user("admin").get("/people/999999/record").status_code == 404


def test_the_page_groups_by_year_and_hides_the_preview(world, history, auth):
    a1 = auth.user("a1")
    resp = a1.get("/my/record")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/people/{world.a1.id}/record")
    page = a1.get(f"/people/{world.a1.id}/record").get_data(as_text=True)
    assert 'id="nav-record"' in page and "我的实绩档案" in page
    assert "2026年度" in page and BONUS_REASON in page and RESOLUTION in page
    q2_row = re.search(rf"<tr><td[^>]*>{Q2}</td>(.*?)</tr>", page, re.S).group(1)
    assert "尚未公示" in q2_row and "98" not in q2_row and "好" not in q2_row
    assert "不显示（提出人仅组织部门和纪检审计可见）" in page
    person = auth.user("admin").get(f"/admin/people/users/{world.a1.id}").get_data(as_text=True)
    assert f'href="/people/{world.a1.id}/record"' in person


def test_the_pdf_is_the_promotion_file(world, history, auth):
    resp = auth.user("sup_a").get(f"/people/{world.a1.id}/record.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "a1-%E5%B9%B2%E9%83%A8" in resp.headers["Content-Disposition"]  # a1-干部实绩档案.pdf
    text = re.sub(r"\s", "", _pdf_text(resp.data))
    for expected in ("干部实绩档案", "供干部考察使用", "a1", "东街社区", "2026年度", Q1, "较好",
                     "完成社区人口普查入户登记1200户", BONUS_REASON, DEDUCT_REASON, "尚未公示"):
        assert expected in text, expected
    assert OBJECTION not in text and "98" not in text


def _count_record(cadre_id, viewer_id):
    db.session.expunge_all()  # a new request: nothing loaded yet
    viewer = load_acting_user(viewer_id)
    with Statements() as counted:
        cadre = db.session.get(type(viewer), cadre_id)
        record = build_record(cadre, viewer)
    return len(counted.seen), record


BUDGET = 12


def test_statements_do_not_grow_with_the_years(world, history, create_cycle):
    cadre_id, admin_id = world.a1.id, world.admin.id
    ids = {n: u.id for n, u in world.users.items()}, {n: u.id for n, u in world.units.items()}
    before, record = _count_record(cadre_id, admin_id)
    assert before <= BUDGET
    world.users.update({n: db.session.get(User, i) for n, i in ids[0].items()})
    world.units.update({n: db.session.get(OrgUnit, i) for n, i in ids[1].items()})
    _published_quarter(world, create_cycle, "2026年第三季度平时考核", 3,
                       {"a1": 85, "a2": 90, "a3": 75})
    after, record = _count_record(cadre_id, admin_id)
    assert len(record.sections[0]["rows"]) == 3
    assert after == before, (before, after)


def test_a_supervisor_loop_ends_the_walk(world, history, api):
    """a1 → sup_a → a1 (bad data): the chain check stops instead of looping."""
    for user, above in ((world.sup_a, world.a2), (world.a2, world.sup_a)):
        db.session.execute(update(User).where(User.id == user.id)
                           .values(supervisor_id=above.id))
    db.session.commit()
    assert api.as_user("b1").get(f"/people/{world.a1.id}/record").status_code == 403
